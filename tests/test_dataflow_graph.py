"""The Hamilton graph says what runs: every dependency is a parameter (no node that
nothing consumes, no function of one node called from another), side effects are
ordered by named barrier nodes, and every node carries the tags the registry and the
plan read."""

from __future__ import annotations

import ast
import inspect

from codeanatomy_hamilton.core.schema import CPG_TABLES
from codeanatomy_hamilton.runtime.driver import TABLE_OUTPUTS, make_driver
from codeanatomy_hamilton.runtime.nodes import MODULES
from codeanatomy_hamilton.runtime.plan import LAYER_COST_ESTIMATES, compile_driver_plan
from codeanatomy_hamilton.runtime.semantics import SEMANTIC_KEYS, semantic_tags
from codeanatomy_hamilton.runtime.validation import ContractSchema

# the outputs callers ask for: the Delta writes, the plan nodes, and the two the build
# reads for its result (``build._execute``)
REQUESTED = {*TABLE_OUTPUTS.values(), "repo_snapshot", "file_extracts"}


def test_every_computed_node_is_consumed_or_requested() -> None:
    plan = compile_driver_plan(make_driver())
    consumed = {dep for n in plan.nodes.values() for dep in n.dependencies}
    unused = sorted(
        name
        for name, n in plan.nodes.items()
        if not n.is_input
        and name not in consumed
        and name not in REQUESTED
        and n.tags.get("layer") != "plan"
    )
    assert unused == []


def test_the_resolver_input_and_the_upkeep_barrier_are_edges() -> None:
    plan = compile_driver_plan(make_driver())
    for consumer in ("resolved", "summary_pack_written"):
        assert "resolve_input" in plan.nodes[consumer].dependencies, consumer
    assert plan.nodes["emit_extracts"].dependencies == (
        "build_plan",
        "file_extracts",
        "fragment_store_settled",
    )
    assert {"fragments_pruned", "summary_pack_written"} <= set(
        plan.nodes["fragment_store_settled"].dependencies
    )
    # every table write needs the upkeep, so asking for any table runs it
    for written in TABLE_OUTPUTS.values():
        assert "fragment_store_settled" in plan.upstream([written]), written


def test_the_resolver_input_is_released_before_the_large_writes() -> None:
    """``resolver_rows_released`` drops the resolver's input once its two readers are
    done; every write of a table that needs resolution waits for it (so none of them
    holds the input), and it waits for both readers."""
    plan = compile_driver_plan(make_driver())
    deps = set(plan.nodes["resolver_rows_released"].dependencies)
    assert {"resolved", "summary_pack_written", "resolve_input"} <= deps
    for table in (
        "cpg_nodes",
        "cpg_edges",
        "cpg_edges_by_src",
        "cpg_edges_by_dst",
        "cpg_props",
        "cpg_props_map",
    ):
        assert "resolver_rows_released" in plan.upstream([TABLE_OUTPUTS[table]]), table


def test_no_node_calls_another_node_function() -> None:
    """A node that calls another node's function hides that edge from the graph, the
    plan and the cache keys: it must take the other node as a parameter instead."""
    graph = set(make_driver().graph.nodes)
    nodes = {
        name
        for m in MODULES
        for name, fn in vars(m).items()
        if inspect.isfunction(fn) and fn.__module__ == m.__name__ and name in graph
    }
    calls = []
    for module in MODULES:
        tree = ast.parse(inspect.getsource(module))
        for fn in tree.body:
            if not isinstance(fn, ast.FunctionDef) or fn.name not in nodes:
                continue
            for call in ast.walk(fn):
                if isinstance(call, ast.Call):
                    f = call.func
                    name = f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", None)
                    if name in nodes and name != fn.name:
                        calls.append((fn.name, name))
    assert calls == []


def test_every_node_carries_its_tags() -> None:
    dr = make_driver()
    for var in dr.list_available_variables():
        if var.is_external_input:
            continue
        tags = var.tags or {}
        # the layer: plan costs, stage timings and caching policy read it
        assert tags.get("layer") in LAYER_COST_ESTIMATES, (var.name, tags.get("layer"))
        if "semantic_id" in tags:
            missing = [k for k in SEMANTIC_KEYS if not tags.get(k)]
            assert missing == [], (var.name, missing)
            if tags["layer"] in ("emit", "store"):
                # exactly the vocabulary's tags for its table, none changed on the way
                want = semantic_tags(tags["artifact"], tags["layer"])
                assert {k: tags.get(k) for k in want} == want, var.name
    # and every node that emits or writes a contract table is in the registry
    for table, written in TABLE_OUTPUTS.items():
        for name in (table, written):
            assert "semantic_id" in (dr.graph.nodes[name].tags or {}), name


def test_every_node_declares_its_cache_behavior() -> None:
    """Hamilton's ``@cache(behavior=...)`` on the node functions: readers and writers
    of the outside world recompute, lazy streams and what the fragment store keeps are
    never stored, the resolver's input is left out of its consumers' keys."""
    dr = make_driver()
    behavior = {
        name: (node.tags or {}).get("cache.behavior", "default")
        for name, node in dr.graph.nodes.items()
        if not node.user_defined
    }
    layer = {name: dr.graph.nodes[name].tags.get("layer") for name in behavior}
    for name, b in behavior.items():
        if layer[name] in ("store", "plan"):
            assert b == "recompute", name
        if layer[name] == "emit":
            assert b == "disable", name
    recompute = {"repo_snapshot", "fragments_pruned", "summary_pack_written"}
    disable = {"cached_extracts", "extract_snapshot", "file_batches", "batch_extract"}
    assert {n for n in recompute if behavior[n] == "recompute"} == recompute
    assert {n for n in disable if behavior[n] == "disable"} == disable
    assert behavior["resolve_input"] == "ignore"
    # the work the cache exists for
    for name in ("resolved", "file_extracts", "external_names", "fragment_store"):
        assert behavior[name] == "default", name


def test_every_contract_table_has_its_schema_checked() -> None:
    """``@check_output_custom(ContractSchema(...))`` on each emit node: a node
    ``<table>_contract_schema`` that every write of the table waits for."""
    plan = compile_driver_plan(make_driver())
    for table, written in TABLE_OUTPUTS.items():
        assert f"{table}_contract_schema" in plan.upstream([written]), table


def test_the_schema_check_fails_on_another_schema() -> None:
    check = ContractSchema("file_index")
    good = CPG_TABLES["file_index"].empty_table()
    assert check.validate(good).passes
    renamed = good.rename_columns(["repository", *good.column_names[1:]])
    result = check.validate(renamed)
    assert not result.passes
    assert "repo: missing" in result.message and "repository:" in result.message
    assert not check.validate(object()).passes
