"""Assembling the contract tables from per-file batches and cross-file results.

Everything here is columnar (pyarrow compute); no Python loop touches every row.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import pyarrow as pa
import pyarrow.compute as pc

from . import ids
from .extract.file import FileExtract
from .scan import RepoSnapshot
from .schema import (
    CPG_EDGES_SCHEMA,
    CPG_NODES_SCHEMA,
    CPG_PROPS_MAP_SCHEMA,
    CPG_PROPS_SCHEMA,
    EDGE_SCHEMA,
    EXTRACT_ERRORS_SCHEMA,
    FILE_INDEX_SCHEMA,
    LOCAL_NODE_SCHEMA,
    PROP_SCHEMA,
    XEDGE_SCHEMA,
)


def concat_batches(batches: Iterable[pa.RecordBatch], schema: pa.Schema) -> pa.Table:
    return pa.Table.from_batches([b for b in batches if b.num_rows], schema=schema)


def concat_facts(extracts: Sequence[FileExtract]) -> dict[str, pa.Table]:
    """Per fact table, the rows of every file (columns unified across files)."""
    by_name: dict[str, list[pa.Table]] = {}
    for ex in extracts:
        for name, batch in ex.facts.items():
            by_name.setdefault(name, []).append(pa.Table.from_batches([batch]))
    return {
        name: pa.concat_tables(tables, promote_options="default")
        for name, tables in by_name.items()
    }


def with_repo(table: pa.Table, repo: str, schema: pa.Schema) -> pa.Table:
    col = (
        pa.array([repo] * table.num_rows, pa.string())
        if table.num_rows
        else pa.array([], pa.string())
    )
    out = table.add_column(0, pa.field("repo", pa.string(), nullable=False), col)
    return out.cast(schema)


def external_nodes(xedges: pa.Table) -> pa.Table:
    """One EXTERNAL node per distinct qualname that any edge points to."""
    names = pc.unique(xedges.column("dst_qualname")).to_pylist()
    names = sorted(n for n in names if n)
    n = len(names)
    return pa.table(
        {
            "node_id": pa.array([ids.external_id(q) for q in names], pa.int64()),
            "kind": pa.array(["EXTERNAL"] * n, pa.string()),
            "ast_type": pa.nulls(n, pa.string()),
            "path": pa.nulls(n, pa.string()),
            "name": pa.array([q.rsplit(".", 1)[-1] for q in names], pa.string()),
            "qualname": pa.array(names, pa.string()),
            "start_line": pa.nulls(n, pa.int32()),
            "start_col": pa.nulls(n, pa.int32()),
            "end_line": pa.nulls(n, pa.int32()),
            "end_col": pa.nulls(n, pa.int32()),
        },
        schema=LOCAL_NODE_SCHEMA,
    )


def xedges_as_edges(xedges: pa.Table) -> pa.Table:
    """Edges to EXTERNAL nodes, with the destination id derived from the qualname."""
    if xedges.num_rows == 0:
        return EDGE_SCHEMA.empty_table()
    names = xedges.column("dst_qualname")
    unique = pc.unique(names)
    unique_ids = pa.array([ids.external_id(q) for q in unique.to_pylist()], pa.int64())
    dst = pc.take(unique_ids, pc.index_in(names, value_set=unique))
    return pa.table(
        {
            "src_id": xedges.column("src_id"),
            "dst_id": dst,
            "kind": xedges.column("kind"),
            "label": xedges.column("label"),
            "index": xedges.column("index"),
            "field": pa.nulls(xedges.num_rows, pa.string()),
            "variable": xedges.column("variable"),
        },
        schema=EDGE_SCHEMA,
    )


def build_nodes(extracts: Sequence[FileExtract], all_xedges: pa.Table, repo: str) -> pa.Table:
    local = concat_batches((e.nodes for e in extracts), LOCAL_NODE_SCHEMA)
    nodes = pa.concat_tables([local, external_nodes(all_xedges)])
    return with_repo(nodes, repo, CPG_NODES_SCHEMA)


def build_edges(
    extracts: Sequence[FileExtract], extra: Sequence[pa.Table], all_xedges: pa.Table, repo: str
) -> pa.Table:
    local = concat_batches((e.edges for e in extracts), EDGE_SCHEMA)
    tables = [local, *[t.cast(EDGE_SCHEMA) for t in extra], xedges_as_edges(all_xedges)]
    return with_repo(pa.concat_tables(tables), repo, CPG_EDGES_SCHEMA)


def all_xedges(extracts: Sequence[FileExtract], extra: Sequence[pa.Table]) -> pa.Table:
    local = concat_batches((e.xedges for e in extracts), XEDGE_SCHEMA)
    return pa.concat_tables([local, *[t.cast(XEDGE_SCHEMA) for t in extra]])


def build_props(extracts: Sequence[FileExtract], extra: Sequence[pa.Table], repo: str) -> pa.Table:
    local = concat_batches((e.props for e in extracts), PROP_SCHEMA)
    tables = [local, *[t.cast(PROP_SCHEMA) for t in extra]]
    return with_repo(pa.concat_tables(tables), repo, CPG_PROPS_SCHEMA)


def build_props_map(props: pa.Table) -> pa.Table:
    """One row per node with all its props as a map<string,string>."""
    if props.num_rows == 0:
        return CPG_PROPS_MAP_SCHEMA.empty_table()
    repo = props.column("repo")[0].as_py()
    ordered = props.sort_by([("node_id", "ascending")])
    node_ids = ordered.column("node_id").combine_chunks()
    # boundaries where node_id changes give the map offsets, without a Python loop
    change = pc.not_equal(node_ids.slice(1), node_ids.slice(0, len(node_ids) - 1))
    starts = pc.indices_nonzero(change)
    offsets = pa.concat_arrays(
        [
            pa.array([0], pa.int32()),
            pc.add(starts, 1).cast(pa.int32()),
            pa.array([len(node_ids)], pa.int32()),
        ]
    )
    first = pc.take(node_ids, offsets.slice(0, len(offsets) - 1))
    maps = pa.MapArray.from_arrays(
        offsets,
        ordered.column("key").combine_chunks(),
        ordered.column("value").combine_chunks(),
    )
    n = len(first)
    return pa.table(
        {"repo": pa.array([repo] * n, pa.string()), "node_id": first, "props": maps},
        schema=CPG_PROPS_MAP_SCHEMA,
    )


def sort_edges(edges: pa.Table, by: str) -> pa.Table:
    """Edges clustered by one endpoint so Delta file statistics prune lookups by it."""
    other = "dst_id" if by == "src_id" else "src_id"
    return edges.sort_by([(by, "ascending"), ("kind", "ascending"), (other, "ascending")])


def build_errors(extracts: Sequence[FileExtract], snapshot: RepoSnapshot, repo: str) -> pa.Table:
    rows = {"repo": [], "path": [], "error_kind": [], "message": [], "line": []}
    for ex in extracts:
        for err in ex.errors:
            rows["repo"].append(repo)
            rows["path"].append(ex.path)
            rows["error_kind"].append(err.error_kind)
            rows["message"].append(err.message)
            rows["line"].append(err.line)
    for path, err in snapshot.skipped:
        rows["repo"].append(repo)
        rows["path"].append(path)
        rows["error_kind"].append(err.error_kind)
        rows["message"].append(err.message)
        rows["line"].append(err.line)
    return pa.table(rows, schema=EXTRACT_ERRORS_SCHEMA)


def build_file_index(
    extracts: Sequence[FileExtract], snapshot: RepoSnapshot, repo: str
) -> pa.Table:
    by_path = {f.path: f for f in snapshot.files}
    return pa.table(
        {
            "repo": [repo] * len(extracts),
            "path": [e.path for e in extracts],
            "blob_sha": [by_path[e.path].blob_sha for e in extracts],
            "size": [len(by_path[e.path].data) for e in extracts],
            "lines": [e.lines for e in extracts],
            "module": [e.module for e in extracts],
        },
        schema=FILE_INDEX_SCHEMA,
    )
