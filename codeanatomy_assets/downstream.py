"""Downstream assets over the CPG: examples of building your own analysis.

Pattern to copy:

1. Depend on a CPG table with ``dg.AssetIn(key=cpg_key("cpg_edges"),
   input_manager_key=WAREHOUSE_IO, metadata={"columns": [...]})``. The engine writes
   the CPG tables; dagster-deltalake's IO manager only *reads* them here (the CPG
   multi-asset has no IO manager for its outputs, so it never overwrites them). The
   input arrives as a ``pyarrow.Table`` holding only the partition's repo (the upstream
   spec's ``partition_expr`` is ``repo``) and only the listed columns.
2. Compute with Arrow / rustworkx / DataFusion.
3. Return a ``pyarrow.Table`` that has a ``repo`` column equal to the partition key; the
   same IO manager writes it as a Delta table next to the CPG tables (the asset's
   ``partition_expr`` metadata makes it replace only this repo's rows), so
   ``codeanatomy sql`` can query it like any CPG table.

The IO manager (``warehouse_io_manager``, dagster-deltalake's ``DbIOManager`` and pyarrow
type handler) takes the warehouse from the ``codeanatomy`` resource, so a run needs no
other resource. CALL and IMPORTS edges come from cross-file resolution; a
repo without them gives empty tables, never an error.
"""

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import dagster as dg
import pyarrow as pa
import pyarrow.compute as pc
import rustworkx as rx
from dagster._core.storage.db_io_manager import DbIOManager, TableSlice
from dagster_deltalake import DeltaLakePyarrowIOManager
from dagster_deltalake.io_manager import DeltaLakeDbClient, TableConnection

from .cpg_assets import asset_key as cpg_key
from .partitions import repos_partitions

WAREHOUSE_IO = "codeanatomy_warehouse_io"
ANALYSIS_GROUP = "cpg_analysis"
ANALYSIS_PREFIX = "analysis"

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


class _WarehouseDbClient(DeltaLakeDbClient):
    """dagster-deltalake's client, with every table at ``<warehouse>/<table>``.

    The stock client puts a table at ``root_uri/<key prefix>/<table>`` and reads its
    root from the IO manager's own config; CPG tables live directly in the warehouse
    (where the engine writes them) and the warehouse comes from the ``codeanatomy``
    resource, so only the location is overridden: loading, partition predicates and
    writes stay dagster-deltalake's (``DeltaLakePyarrowIOManager``'s type handler).
    """

    def __init__(self, warehouse: str) -> None:
        self.warehouse = warehouse

    @contextmanager
    def connect(self, context: Any, table_slice: TableSlice) -> Iterator[TableConnection]:
        yield TableConnection(
            table_uri=os.path.join(self.warehouse, table_slice.table),
            storage_options={},
            table_config=None,
        )


@dg.io_manager(
    required_resource_keys={"codeanatomy"},
    description="dagster-deltalake's pyarrow IO manager over the CodeAnatomy warehouse.",
)
def warehouse_io_manager(init_context: dg.InitResourceContext) -> dg.IOManager:
    """Loads CPG tables and stores analysis tables as ``<warehouse>/<table>`` Delta tables."""
    warehouse = os.path.abspath(init_context.resources.codeanatomy.warehouse_path())
    return DbIOManager(
        db_client=_WarehouseDbClient(warehouse),
        database="deltalake",
        schema=None,
        type_handlers=DeltaLakePyarrowIOManager.type_handlers(),
        default_load_type=pa.Table,
        io_manager_name="DeltaLakeIOManager",
    )


_RESOURCES = {WAREHOUSE_IO: warehouse_io_manager}
_PARTITIONED = {"partition_expr": "repo"}


def _cpg_inputs(node_columns: list[str]) -> dict[str, dg.AssetIn]:
    """cpg_edges and cpg_nodes read through the warehouse IO manager, only the columns
    an analysis needs (the engine, not the IO manager, writes these tables)."""
    return {
        "cpg_edges": dg.AssetIn(
            key=cpg_key("cpg_edges"),
            input_manager_key=WAREHOUSE_IO,
            metadata={"columns": ["repo", "src_id", "dst_id", "kind"]},
        ),
        "cpg_nodes": dg.AssetIn(
            key=cpg_key("cpg_nodes"),
            input_manager_key=WAREHOUSE_IO,
            metadata={"columns": node_columns},
        ),
    }


def _node_lookup(nodes: pa.Table) -> dict[int, dict]:
    return {r["node_id"]: r for r in nodes.to_pylist()}


@dg.asset(
    key=[ANALYSIS_PREFIX, "module_imports"],
    group_name=ANALYSIS_GROUP,
    partitions_def=repos_partitions,
    io_manager_key=WAREHOUSE_IO,
    resource_defs=_RESOURCES,
    kinds={"deltalake", "rustworkx"},
    metadata={**_PARTITIONED, "dagster/table_name": "module_imports"},
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
    edges = cpg_edges.filter(pc.equal(cpg_edges["kind"], "IMPORTS"))
    nodes = _node_lookup(
        cpg_nodes.filter(pc.is_in(cpg_nodes["kind"], pa.array(["MODULE", "EXTERNAL"])))
    )
    g = rx.PyDiGraph()
    index: dict[int, int] = {}

    def add(node_id: int) -> int:
        if node_id not in index:
            index[node_id] = g.add_node(node_id)
        return index[node_id]

    for src, dst in zip(edges["src_id"].to_pylist(), edges["dst_id"].to_pylist(), strict=True):
        if src in nodes and nodes[src]["kind"] == "MODULE" and dst in nodes and src != dst:
            if not g.has_edge(add(src), add(dst)):
                g.add_edge(index[src], index[dst], None)
    for nid, row in nodes.items():  # modules nothing imports and that import nothing
        if row["kind"] == "MODULE":
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
                "is_external": nodes[nid]["kind"] == "EXTERNAL",
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
            "dagster/row_count": table.num_rows,
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
    resource_defs=_RESOURCES,
    kinds={"deltalake", "rustworkx"},
    metadata={**_PARTITIONED, "dagster/table_name": "call_graph_metrics"},
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
    calls = cpg_edges.filter(pc.equal(kinds, "CALL"))
    contains = cpg_edges.filter(pc.equal(kinds, "CONTAINS"))
    nodes = _node_lookup(
        cpg_nodes.filter(
            pc.is_in(cpg_nodes["kind"], pa.array(["FUNCTION", "CLASS", "MODULE", "EXTERNAL"]))
        )
    )
    owner = {
        dst: src
        for src, dst in zip(
            contains["src_id"].to_pylist(), contains["dst_id"].to_pylist(), strict=True
        )
        if src in nodes and nodes[src]["kind"] in ("FUNCTION", "MODULE")
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
            "dagster/row_count": table.num_rows,
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
