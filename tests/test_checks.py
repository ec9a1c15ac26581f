"""The CPG asset checks pass on a fresh build and fail on deliberately corrupted tables."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest
from deltalake import DeltaTable, write_deltalake

from codeanatomy_assets.checks import evaluate, evaluate_all
from codeanatomy_hamilton.build import BuildRequest, run_build
from tests.ca_helpers import make_repo

REPO = "demo"


@pytest.fixture()
def warehouse(tmp_path: Path) -> Path:
    repo = make_repo(tmp_path)
    wh = tmp_path / "wh"
    run_build(BuildRequest(str(repo), str(wh), repo_id=REPO))
    # a second repo in the same warehouse: checks must stay scoped to theirs
    run_build(BuildRequest(str(repo), str(wh), repo_id="other"))
    return wh


def _table(wh: Path, name: str) -> pa.Table:
    return DeltaTable(str(wh / name)).to_pyarrow_table()


def test_fresh_build_passes_every_check(warehouse: Path) -> None:
    failed = [
        (o.table, o.name, o.description) for o in evaluate_all(str(warehouse), REPO) if not o.passed
    ]
    assert failed == []


def test_duplicate_node_ids_fail(warehouse: Path) -> None:
    nodes = _table(warehouse, "cpg_nodes")
    dup = nodes.filter(pa.compute.equal(nodes["repo"], REPO)).slice(0, 3)
    write_deltalake(str(warehouse / "cpg_nodes"), dup, mode="append")
    assert not evaluate("unique_node_ids", str(warehouse), "cpg_nodes", REPO).passed
    assert evaluate("unique_node_ids", str(warehouse), "cpg_nodes", "other").passed


def test_dangling_edge_fails(warehouse: Path) -> None:
    edges = _table(warehouse, "cpg_edges")
    bad = edges.filter(pa.compute.equal(edges["repo"], REPO)).slice(0, 1)
    bad = bad.set_column(
        bad.schema.get_field_index("dst_id"), "dst_id", pa.array([-42], pa.int64())
    )
    write_deltalake(str(warehouse / "cpg_edges"), bad, mode="append")
    outcome = evaluate("edge_endpoints_exist", str(warehouse), "cpg_edges", REPO)
    assert not outcome.passed and outcome.metadata["dangling_dst"] == 1
    assert evaluate("edge_endpoints_exist", str(warehouse), "cpg_edges", "other").passed


def test_empty_output_fails(warehouse: Path) -> None:
    DeltaTable(str(warehouse / "cpg_edges")).delete(f"repo = '{REPO}'")
    outcome = evaluate("not_empty", str(warehouse), "cpg_edges", REPO)
    assert not outcome.passed and outcome.metadata["files"] > 0
    assert evaluate("not_empty", str(warehouse), "cpg_edges", "other").passed


def test_schema_drift_fails(warehouse: Path) -> None:
    props = _table(warehouse, "cpg_props").drop_columns(["value_type"])
    props = props.set_column(
        props.schema.get_field_index("node_id"), "node_id", props["node_id"].cast(pa.string())
    )
    write_deltalake(str(warehouse / "cpg_props"), props, mode="overwrite", schema_mode="overwrite")
    outcome = evaluate("schema_contract", str(warehouse), "cpg_props", REPO)
    assert not outcome.passed
    assert any("value_type" in p for p in outcome.metadata["problems"])
    assert any("node_id" in p for p in outcome.metadata["problems"])
