"""A repository that hits the resolver's bounds still builds, drops nothing, and says
where the analysis passed on only part of what it knows."""

from __future__ import annotations

from pathlib import Path

import pyarrow.compute as pc
from deltalake import DeltaTable

from codeanatomy_hamilton.build import BuildRequest, BuildResult, run_build

from .conftest import make_git_repo

WIDE = 300


def _resolve_stats(result: BuildResult) -> dict[str, int]:
    (rec,) = [r for r in result.diagnostics["nodes"] if r["node"] == "resolved"]
    return rec["stats"]


def test_a_key_past_the_hard_cap_keeps_every_value_and_is_marked(tmp_path: Path) -> None:
    # one parameter receiving 300 distinct functions in one round passes the per-key
    # bound of the points-to analysis (256): it keeps all of them, so its call gets a
    # CALL edge to each; only the first 256 are passed on, which the stats count and
    # a prop on that call says; nothing is dropped, so the build carries no warning
    defs = "".join(f"def h{i}():\n    return {i}\n\n" for i in range(WIDE))
    calls = "".join(f"apply(h{i})\n" for i in range(WIDE))
    src = f"def apply(fn):\n    return fn()\n\n{defs}{calls}"
    repo, wh = tmp_path / "wide", tmp_path / "wh"
    make_git_repo(repo, {"main.py": src})
    result = run_build(BuildRequest(repo_path=str(repo), warehouse=str(wh)))
    assert result.warnings == []
    stats = _resolve_stats(result)
    assert stats["points_to_keys_bounded"] == 1
    assert stats["points_to_facts_not_propagated"] == WIDE - 256
    assert stats["resolution_truncated"] == 0
    nodes = DeltaTable(str(wh / "cpg_nodes")).to_pyarrow_table()
    edges = DeltaTable(str(wh / "cpg_edges")).to_pyarrow_table()
    props = DeltaTable(str(wh / "cpg_props")).to_pyarrow_table()
    (call,) = nodes.filter(pc.and_(pc.equal(nodes["kind"], "CALL"), pc.equal(nodes["name"], "fn")))[
        "node_id"
    ].to_pylist()
    out = edges.filter(pc.and_(pc.equal(edges["kind"], "CALL"), pc.equal(edges["src_id"], call)))
    assert out.num_rows == WIDE
    marked = props.filter(pc.equal(props["key"], "callee_bounded"))
    assert marked["node_id"].to_pylist() == [call]
    assert marked["value"].to_pylist() == [str(WIDE - 256)]
