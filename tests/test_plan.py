"""The execution plan: rustworkx facts over the Hamilton graph, and the subset it runs."""

from __future__ import annotations

from pathlib import Path

from codeanatomy_hamilton.build import BuildRequest, run_build
from codeanatomy_hamilton.runtime.driver import make_driver
from codeanatomy_hamilton.runtime.plan import (
    GraphNode,
    compile_driver_plan,
    compile_plan,
    load_timings,
    save_timings,
)
from tests.ca_helpers import make_repo


def _toy() -> list[GraphNode]:
    # a -> b -> d, a -> c -> d, d -> e ; x is an input of a
    def n(
        name: str, deps: tuple[str, ...] = (), layer: str = "emit", is_input: bool = False
    ) -> GraphNode:
        return GraphNode(name, deps, None if is_input else f"v-{name}", is_input, {"layer": layer})

    return [
        n("x", is_input=True),
        n("a", ("x",), "scan"),
        n("b", ("a",), "extract"),
        n("c", ("a",), "emit"),
        n("d", ("a", "b", "c"), "resolve"),
        n("e", ("d",), "store"),
    ]


def test_toy_plan_facts() -> None:
    plan = compile_plan(_toy(), measured={"c": 10.0})
    assert plan.generations == [["x"], ["a"], ["b", "c"], ["d"], ["e"]]
    # a -> d is implied by a -> b -> d: the transitive reduction drops it
    assert ("a", "d") in plan.edges and ("a", "d") not in plan.reduced_edges
    # c was measured at 10 s, so it beats the estimated extract cost of b
    assert plan.critical_path == ["a", "c", "d", "e"]
    assert plan.immediate_dominators["d"] == "a" and plan.immediate_dominators["e"] == "d"
    assert "d" in plan.articulation_points and "a" in plan.articulation_points
    assert ("d", "e") in plan.bridges
    assert plan.betweenness["d"] > plan.betweenness["e"]
    assert plan.upstream(["e"]) == {"a", "b", "c", "d", "e"}
    assert plan.upstream(["c"], include_inputs=True) == {"x", "a", "c"}
    order = plan.submission_order()
    assert order.index("c") < order.index("b")  # most critical first among ready nodes
    assert order.index("d") > max(order.index("b"), order.index("c"))
    facts = plan.node_facts("c")
    assert facts["on_critical_path"] and facts["generation"] == 2 and facts["cost_measured"]


def test_signature_is_stable_and_sensitive() -> None:
    nodes = _toy()
    assert compile_plan(nodes).signature == compile_plan(list(reversed(nodes))).signature
    changed = [*nodes[:-1], GraphNode("e", ("d",), "v-e2", False, {"layer": "store"})]
    assert compile_plan(changed).signature != compile_plan(nodes).signature


def test_driver_plan_matches_plan_nodes() -> None:
    dr = make_driver()
    plan = compile_driver_plan(dr)
    out = dr.execute(["plan_signature", "plan_critical_path", "plan_generations"])
    assert out["plan_signature"] == plan.signature
    assert out["plan_critical_path"] == plan.critical_path
    # the longest chain runs through extraction to a Delta write
    assert {"batch_extract", "file_extracts"} <= set(plan.critical_path)
    assert plan.critical_path[-1].endswith("_written")
    up = plan.upstream(["cpg_edges_written"])
    assert {"repo_snapshot", "file_extracts", "resolved", "cpg_edges", "cpg_edges_written"} <= up
    assert not up & {"cpg_nodes", "cpg_props", "cpg_nodes_written", "file_index"}


def test_build_runs_exactly_the_planned_subset(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    res = run_build(
        BuildRequest(
            str(repo), str(tmp_path / "wh"), tables=["cpg_edges"], cache_dir=str(tmp_path / "c")
        )
    )
    diag = res.diagnostics
    assert diag["plan_matches"], (diag["executed_nodes"], diag["expected_nodes"])
    assert "cpg_edges_written" in diag["executed_nodes"]
    assert "cpg_nodes_written" not in diag["executed_nodes"]
    # the signature recorded is the plan of the dataflow, compiled apart from the build
    assert res.plan_signature == compile_driver_plan(make_driver()).signature
    # the run's timings feed the next plan's costs: one per node that ran, and the next
    # plan counts them as measured
    timings = load_timings(str(tmp_path / "c"))
    assert set(timings) == set(diag["executed_nodes"])
    assert compile_driver_plan(make_driver(), str(tmp_path / "c")).measured == set(timings)


def test_timings_keep_real_cost_on_cache_hits(tmp_path: Path) -> None:
    save_timings(str(tmp_path), {"a": 2.0, "b": 1.0})
    save_timings(str(tmp_path), {"a": 0.001, "b": 3.0}, cache_hits=["a"])
    assert load_timings(str(tmp_path)) == {"a": 2.0, "b": 3.0}
