"""Downstream assets over the CPG: examples of building your own analysis.

Pattern to copy (also from another code location, see ``codeanatomy_assets.public``
and ``examples/downstream_location``):

1. Depend on a CPG table with ``cpg_input("cpg_edges", columns=[...])``: an ``AssetIn``
   read by the warehouse IO manager (``warehouse.py``), which hands the asset a
   ``pyarrow.Table`` holding only the partition's repo and the listed columns. The
   engine writes the CPG tables; the IO manager only reads them and refuses to write one.
2. Compute with Arrow / rustworkx / DataFusion.
3. Return a ``pyarrow.Table`` with a ``repo`` column equal to the partition key; the IO
   manager writes it to ``<warehouse>/<key prefix>/<name>`` (here ``analysis``),
   replacing only this repo's rows, and ``codeanatomy sql`` queries it as
   ``analysis.<name>`` (the query is in each materialization's metadata).
4. ``AutomationCondition.eager()``: the asset is requested for a repo as soon as that
   repo's CPG tables are rebuilt (by the sensor, the schedule or by hand), through the
   ``cpg_analysis_automation`` sensor (running by default).

CALL and IMPORTS edges come from cross-file resolution; a repo without them gives empty
tables, never an error.
"""

import dagster as dg
import pyarrow as pa
import pyarrow.compute as pc
import rustworkx as rx

from codeanatomy_hamilton.core.vocabulary import EdgeKind, NodeKind

from .partitions import repos_partitions
from .public import cpg_input
from .warehouse import WAREHOUSE_IO

ANALYSIS_GROUP = "cpg_analysis"
ANALYSIS_PREFIX = "analysis"
ANALYSIS_AUTOMATION_SENSOR = "cpg_analysis_automation"

MODULE_IMPORTS_SCHEMA = pa.schema(
    [
        ("repo", pa.string()),
        ("module", pa.string()),
        ("node_id", pa.int64()),
        ("is_external", pa.bool_()),
        ("imports", pa.int64()),
        ("imported_by", pa.int64()),
        ("scc_id", pa.int64()),
        ("scc_size", pa.int64()),
        ("in_cycle", pa.bool_()),
        ("cycle_members", pa.list_(pa.string())),
    ]
)
CALL_GRAPH_METRICS_SCHEMA = pa.schema(
    [
        ("repo", pa.string()),
        ("node_id", pa.int64()),
        ("kind", pa.string()),
        ("qualname", pa.string()),
        ("path", pa.string()),
        ("fan_in", pa.int64()),
        ("fan_out", pa.int64()),
        ("call_sites", pa.int64()),
        ("betweenness", pa.float64()),
        ("recursive", pa.bool_()),
    ]
)


_PARTITIONED = {"partition_expr": "repo"}


def _cpg_inputs(node_columns: list[str]) -> dict[str, dg.AssetIn]:
    """cpg_edges and cpg_nodes, only the columns an analysis needs."""
    return {
        "cpg_edges": cpg_input("cpg_edges", ["repo", "src_id", "dst_id", "kind"]),
        "cpg_nodes": cpg_input("cpg_nodes", node_columns),
    }


def _node_lookup(nodes: pa.Table) -> dict[int, dict]:
    return {r["node_id"]: r for r in nodes.to_pylist()}


@dg.asset(
    key=[ANALYSIS_PREFIX, "module_imports"],
    group_name=ANALYSIS_GROUP,
    partitions_def=repos_partitions,
    io_manager_key=WAREHOUSE_IO,
    automation_condition=dg.AutomationCondition.eager(),
    kinds={"deltalake", "rustworkx"},
    metadata={**_PARTITIONED, "dagster/table_name": f"{ANALYSIS_PREFIX}.module_imports"},
    ins=_cpg_inputs(node_columns=["repo", "node_id", "kind", "qualname"]),
)
def module_imports(
    context: dg.AssetExecutionContext, cpg_edges: pa.Table, cpg_nodes: pa.Table
) -> dg.Output[pa.Table]:
    """The module import graph with its cycles: one row per module (in the repo or
    EXTERNAL) with import fan-out/fan-in and its strongly connected component.

    Built from ``IMPORTS`` edges whose source is a MODULE node; a module is ``in_cycle``
    when its SCC (rustworkx ``strongly_connected_components``) has more than one module.
    """
    repo = context.partition_key
    edges = cpg_edges.filter(pc.equal(cpg_edges["kind"], EdgeKind.IMPORTS))
    nodes = _node_lookup(
        cpg_nodes.filter(
            pc.is_in(cpg_nodes["kind"], pa.array([NodeKind.MODULE, NodeKind.EXTERNAL]))
        )
    )
    g = rx.PyDiGraph()
    index: dict[int, int] = {}

    def add(node_id: int) -> int:
        if node_id not in index:
            index[node_id] = g.add_node(node_id)
        return index[node_id]

    for src, dst in zip(edges["src_id"].to_pylist(), edges["dst_id"].to_pylist(), strict=True):
        if src in nodes and nodes[src]["kind"] == NodeKind.MODULE and dst in nodes and src != dst:
            if not g.has_edge(add(src), add(dst)):
                g.add_edge(index[src], index[dst], None)
    for nid, row in nodes.items():  # modules nothing imports and that import nothing
        if row["kind"] == NodeKind.MODULE:
            add(nid)
    sccs = sorted(
        (sorted(g[i] for i in comp) for comp in rx.strongly_connected_components(g)),
        key=lambda c: c[0],
    )
    scc_of = {nid: (i, comp) for i, comp in enumerate(sccs) for nid in comp}
    rows = []
    for nid, i in sorted(index.items()):
        scc_id, comp = scc_of[nid]
        cycle = len(comp) > 1
        rows.append(
            {
                "repo": repo,
                "module": nodes[nid]["qualname"],
                "node_id": nid,
                "is_external": nodes[nid]["kind"] == NodeKind.EXTERNAL,
                "imports": g.out_degree(i),
                "imported_by": g.in_degree(i),
                "scc_id": scc_id,
                "scc_size": len(comp),
                "in_cycle": cycle,
                "cycle_members": sorted(nodes[m]["qualname"] or "" for m in comp) if cycle else [],
            }
        )
    table = pa.Table.from_pylist(rows, schema=MODULE_IMPORTS_SCHEMA)
    cycles = [c for c in sccs if len(c) > 1]
    return dg.Output(
        table,
        metadata={
            "import_edges": g.num_edges(),
            "import_cycles": len(cycles),
            "cycles": dg.MetadataValue.json(
                [sorted(nodes[m]["qualname"] or "" for m in c) for c in cycles]
            ),
        },
    )


@dg.asset(
    key=[ANALYSIS_PREFIX, "call_graph_metrics"],
    group_name=ANALYSIS_GROUP,
    partitions_def=repos_partitions,
    io_manager_key=WAREHOUSE_IO,
    automation_condition=dg.AutomationCondition.eager(),
    kinds={"deltalake", "rustworkx"},
    metadata={**_PARTITIONED, "dagster/table_name": f"{ANALYSIS_PREFIX}.call_graph_metrics"},
    ins=_cpg_inputs(node_columns=["repo", "node_id", "kind", "qualname", "path"]),
)
def call_graph_metrics(
    context: dg.AssetExecutionContext, cpg_edges: pa.Table, cpg_nodes: pa.Table
) -> dg.Output[pa.Table]:
    """Per-function call-graph metrics: fan-in, fan-out and betweenness centrality.

    The call graph is function -> callee: a ``CALL`` edge goes from a CALL node to each
    FUNCTION, CLASS or EXTERNAL it may invoke, and the caller is the FUNCTION (or MODULE,
    for top-level code) whose body ``CONTAINS`` that CALL node. Betweenness comes from
    rustworkx (``digraph_betweenness_centrality``, normalized) over that graph.
    """
    repo = context.partition_key
    kinds = cpg_edges["kind"]
    calls = cpg_edges.filter(pc.equal(kinds, EdgeKind.CALL))
    contains = cpg_edges.filter(pc.equal(kinds, EdgeKind.CONTAINS))
    nodes = _node_lookup(
        cpg_nodes.filter(
            pc.is_in(
                cpg_nodes["kind"],
                pa.array([NodeKind.FUNCTION, NodeKind.CLASS, NodeKind.MODULE, NodeKind.EXTERNAL]),
            )
        )
    )
    owner = {
        dst: src
        for src, dst in zip(
            contains["src_id"].to_pylist(), contains["dst_id"].to_pylist(), strict=True
        )
        if src in nodes and nodes[src]["kind"] in (NodeKind.FUNCTION, NodeKind.MODULE)
    }
    g = rx.PyDiGraph()
    index: dict[int, int] = {}
    sites: dict[int, int] = {}

    def add(node_id: int) -> int:
        if node_id not in index:
            index[node_id] = g.add_node(node_id)
        return index[node_id]

    for call, callee in zip(calls["src_id"].to_pylist(), calls["dst_id"].to_pylist(), strict=True):
        caller = owner.get(call)
        if caller is None or callee not in nodes:
            continue
        sites[caller] = sites.get(caller, 0) + 1
        a, b = add(caller), add(callee)
        if not g.has_edge(a, b):
            g.add_edge(a, b, None)
    bc = dict(rx.digraph_betweenness_centrality(g, normalized=True)) if g.num_nodes() > 2 else {}
    rows = []
    for nid, i in sorted(index.items()):
        row = nodes[nid]
        rows.append(
            {
                "repo": repo,
                "node_id": nid,
                "kind": row["kind"],
                "qualname": row["qualname"],
                "path": row.get("path"),
                "fan_in": g.in_degree(i),
                "fan_out": g.out_degree(i),
                "call_sites": sites.get(nid, 0),
                "betweenness": float(bc.get(i, 0.0)),
                "recursive": g.has_edge(i, i),
            }
        )
    table = pa.Table.from_pylist(rows, schema=CALL_GRAPH_METRICS_SCHEMA)
    top = sorted(rows, key=lambda r: -r["betweenness"])[:5]
    return dg.Output(
        table,
        metadata={
            "call_edges": g.num_edges(),
            "top_betweenness": dg.MetadataValue.json(
                [
                    {"qualname": r["qualname"], "betweenness": round(r["betweenness"], 4)}
                    for r in top
                ]
            ),
        },
    )


DOWNSTREAM_ASSETS = [module_imports, call_graph_metrics]

# evaluates the eager conditions above on every tick: the analysis assets of a repo
# follow each CPG build of it, and show as stale in the UI until they have
analysis_automation_sensor = dg.AutomationConditionSensorDefinition(
    ANALYSIS_AUTOMATION_SENSOR,
    target=dg.AssetSelection.groups(ANALYSIS_GROUP),
    default_status=dg.DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=30,
    description="Materializes the cpg_analysis assets of a repo after its CPG tables change.",
)
