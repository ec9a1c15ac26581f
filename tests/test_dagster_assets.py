"""The Dagster layer in a real (ephemeral) instance: subset runs, metadata, checks,
downstream assets."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pytest
from deltalake import DeltaTable

from codeanatomy_assets.cpg_assets import cpg_tables
from codeanatomy_assets.definitions import defs
from codeanatomy_assets.downstream import DOWNSTREAM_ASSETS
from codeanatomy_assets.public import default_resources
from codeanatomy_assets.resources import CodeAnatomyResource
from codeanatomy_hamilton.runtime.driver import make_driver
from codeanatomy_hamilton.runtime.plan import compile_driver_plan
from tests.ca_helpers import make_repo, repos_yaml

REPO = "demo"
REQUIRED = (
    "dagster/row_count",
    "codeanatomy/rows_written",
    "dagster/column_schema",
    "codeanatomy/query",
    "codeanatomy/slowest_nodes",
    "codeanatomy/cache_hits",
    "codeanatomy/cache_misses",
    "codeanatomy/plan_signature",
    "codeanatomy/critical_path",
    "codeanatomy/commit",
    "codeanatomy/details",
)


@pytest.fixture()
def setup(tmp_path: Path):
    repo = make_repo(tmp_path)
    res = CodeAnatomyResource(
        warehouse=str(tmp_path / "wh"),
        cache_dir=str(tmp_path / "cache"),
        repos_file=str(repos_yaml(tmp_path, repo, REPO)),
    )
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions("repos", [REPO])
        yield instance, res, tmp_path / "wh"


def _materializations(result: dg.ExecuteInProcessResult) -> dict[str, dict]:
    out = {}
    for event in result.get_asset_materialization_events():
        mat = event.event_specific_data.materialization
        out[mat.asset_key.to_user_string()] = mat.metadata
    return out


def test_subset_runs_only_upstream_nodes(setup) -> None:
    instance, res, wh = setup
    result = dg.materialize(
        [cpg_tables],
        selection=["cpg/cpg_edges"],
        partition_key=REPO,
        instance=instance,
        resources=default_resources(res),
    )
    assert result.success
    mats = _materializations(result)
    assert list(mats) == ["cpg/cpg_edges"]
    meta = mats["cpg/cpg_edges"]
    details = meta["codeanatomy/details"].value
    executed = set(details["executed_nodes"])
    plan = compile_driver_plan(make_driver())
    assert executed == plan.upstream(["cpg_edges_written", "repo_snapshot", "file_extracts"])
    assert details["plan_matches"] is True
    assert not executed & {"cpg_nodes", "cpg_nodes_written", "cpg_props", "file_index_written"}
    assert not (wh / "cpg_nodes").exists()
    for key in REQUIRED:
        assert key in meta, key
    assert meta["dagster/row_count"].value > 0
    # the resolver's counters reach Dagster (first build: nothing to reuse)
    resolution = details["resolution"]
    assert resolution["resolve_reused"] == 0 and resolution["points_to_facts"] > 0
    assert (
        meta["codeanatomy/commit"].value
        and meta["codeanatomy/plan_signature"].value == plan.signature
    )
    checks = {c.check_name: c.passed for c in result.get_asset_check_evaluations()}
    assert checks == {"schema_contract": True, "edge_endpoints_exist": True, "not_empty": True}


def test_full_materialization_metadata_checks_and_downstream(setup) -> None:
    instance, res, wh = setup
    result = dg.materialize(
        [cpg_tables, *DOWNSTREAM_ASSETS],
        partition_key=REPO,
        instance=instance,
        resources=default_resources(res),
    )
    assert result.success
    mats = _materializations(result)
    for table in ("cpg_nodes", "cpg_edges", "cpg_props", "file_index", "run_manifest"):
        meta = mats[f"cpg/{table}"]
        for key in REQUIRED:
            assert key in meta, (table, key)
        seconds = meta["codeanatomy/details"].value["node_seconds"]
        assert seconds and "repo_snapshot" in seconds
        assert "| `" in meta["codeanatomy/slowest_nodes"].value
    evaluations = result.get_asset_check_evaluations()
    assert evaluations and all(e.passed for e in evaluations)
    # downstream assets, loaded from cpg_edges through the warehouse IO manager
    imports = DeltaTable(str(wh / "analysis" / "module_imports")).to_pyarrow_table().to_pylist()
    cycle = {r["module"] for r in imports if r["in_cycle"]}
    assert cycle == {"pkg.a", "pkg.b"}
    metrics = {
        r["qualname"]: r
        for r in DeltaTable(str(wh / "analysis" / "call_graph_metrics"))
        .to_pyarrow_table()
        .to_pylist()
    }
    assert metrics["pkg.b.g"]["fan_in"] == 2 and metrics["pkg.b.h"]["fan_out"] == 2
    assert metrics["pkg.a.f"]["betweenness"] > 0
    assert mats["analysis/module_imports"]["import_cycles"].value == 1
    # the IO manager never wrote CPG tables: cpg_edges has only the engine's commits
    history = DeltaTable(str(wh / "cpg_edges")).history()
    assert all("dagster" not in str(h.get("clientVersion", "")).lower() for h in history)
    # a second run of the same commit is served from the Hamilton cache
    again = dg.materialize(
        [cpg_tables],
        selection=["cpg/cpg_nodes"],
        partition_key=REPO,
        instance=instance,
        resources=default_resources(res),
    )
    meta = _materializations(again)["cpg/cpg_nodes"]
    assert meta["codeanatomy/cache_hits"].value > 0


def test_definitions_hold_checks_and_downstream() -> None:
    graph = defs.resolve_asset_graph()
    keys = {k.to_user_string() for k in graph.get_all_asset_keys()}
    assert {"analysis/module_imports", "analysis/call_graph_metrics", "cpg/cpg_edges"} <= keys
    check_keys = {(k.asset_key.to_user_string(), k.name) for k in graph.asset_check_keys}
    assert ("cpg/cpg_nodes", "unique_node_ids") in check_keys
    assert ("cpg/cpg_edges", "edge_endpoints_exist") in check_keys


def test_readme_names_the_asset_groups_of_the_definitions() -> None:
    """Every ``group `X``` the README names is a group of ``defs``, and every group of
    ``defs`` is named there (the README once called ``cpg_analysis`` ``analysis``)."""
    import re

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    named = set(re.findall(r"group `([a-z_]+)`", readme))
    graph = defs.resolve_asset_graph()
    groups = {graph.get(k).group_name for k in graph.get_all_asset_keys()}
    assert named == groups
