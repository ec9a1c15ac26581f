"""Assembling the contract tables from per-file batches and cross-file results.

Everything here is columnar (pyarrow compute); no Python loop touches every row.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from . import ids
from .extract.file import FileExtract
from .resolve import ResolveConfig, ResolveInput
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
    ORIGIN_FIELD,
    PATH_FIELD,
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


def const_strings(value: str, n: int) -> pa.Array:
    """``n`` copies of ``value`` as a string array, built in Arrow: a Python list of
    millions of references (``[value] * n``) costs ~0.1 s per million rows."""
    return pa.repeat(pa.scalar(value, pa.string()), n)


def collect_resolve_input(
    extracts: Sequence[FileExtract], config: ResolveConfig | None = None
) -> ResolveInput:
    """All files' rows concatenated (zero-copy) into the tables resolution joins over."""
    files = pa.table(
        {
            "path": [e.path for e in extracts],
            "module": [e.module for e in extracts],
            "has_errors": [bool(e.errors) for e in extracts],
        }
    )
    return ResolveInput(
        nodes=concat_batches((e.nodes for e in extracts), LOCAL_NODE_SCHEMA),
        edges=concat_batches((e.edges for e in extracts), EDGE_SCHEMA),
        xedges=concat_batches((e.xedges for e in extracts), XEDGE_SCHEMA),
        facts=concat_facts(extracts),
        files=files,
        config=config or ResolveConfig(),
    )


def with_repo(table: pa.Table, repo: str, schema: pa.Schema) -> pa.Table:
    col = const_strings(repo, table.num_rows)
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


class NodePaths:
    """The file of a node id, columnar: ids are ``file_base(path) + ordinal`` (see ``ids``),
    so ``id >> ORDINAL_BITS`` names the file. EXTERNAL ids map to null."""

    def __init__(self, paths: Sequence[str]) -> None:
        self.paths = pa.array(list(paths), pa.string())
        self.keys = pa.array([ids.file_base(p) >> ids.ORDINAL_BITS for p in paths], pa.int64())

    def of(self, node_ids: pa.Array | pa.ChunkedArray) -> pa.Array:
        if len(node_ids) == 0:
            return pa.array([], pa.string())
        keys = pc.shift_right(node_ids, ids.ORDINAL_BITS)
        return pc.take(self.paths, pc.index_in(keys, value_set=self.keys))


def _file_rows(
    extracts: Sequence[FileExtract], attr: str, schema: pa.Schema
) -> tuple[pa.Table, pa.Array]:
    """The ``attr`` batches of ``extracts`` concatenated, and each row's file path."""
    table = concat_batches((getattr(e, attr) for e in extracts), schema)
    counts = [getattr(e, attr).num_rows for e in extracts]
    paths = pa.array([e.path for e in extracts], pa.string())
    where = np.repeat(np.arange(len(extracts), dtype=np.int64), counts)
    return table, pc.take(paths, pa.array(where, pa.int64())) if len(extracts) else pa.array(
        [], pa.string()
    )


def _with_path_origin(table: pa.Table, paths: pa.Array | pa.ChunkedArray, origin: str) -> pa.Table:
    n = table.num_rows
    table = table.append_column(PATH_FIELD, paths if n else pa.array([], pa.string()))
    return table.append_column(ORIGIN_FIELD, const_strings(origin, n))


def build_nodes(extracts: Sequence[FileExtract], all_xedges: pa.Table, repo: str) -> pa.Table:
    """Nodes of ``extracts`` (origin file) and every EXTERNAL node (origin xfile)."""
    local = concat_batches((e.nodes for e in extracts), LOCAL_NODE_SCHEMA)
    ext = external_nodes(all_xedges)
    local = local.append_column(ORIGIN_FIELD, const_strings("file", local.num_rows))
    ext = ext.append_column(ORIGIN_FIELD, const_strings("xfile", ext.num_rows))
    return with_repo(pa.concat_tables([local, ext]), repo, CPG_NODES_SCHEMA)


def build_edges(
    extracts: Sequence[FileExtract],
    extra: Sequence[pa.Table],
    extra_xedges: Sequence[pa.Table],
    node_paths: NodePaths,
    repo: str,
) -> pa.Table:
    """Per-file edges of ``extracts`` (origin file) and the cross-file edges ``extra``
    and ``extra_xedges`` (origin xfile, path of the source node)."""
    local, local_paths = _file_rows(extracts, "edges", EDGE_SCHEMA)
    xlocal, xlocal_paths = _file_rows(extracts, "xedges", XEDGE_SCHEMA)
    cross = pa.concat_tables(
        [
            *[t.cast(EDGE_SCHEMA) for t in extra],
            *[xedges_as_edges(t.cast(XEDGE_SCHEMA)) for t in extra_xedges],
            EDGE_SCHEMA.empty_table(),
        ]
    )
    tables = [
        _with_path_origin(local, local_paths, "file"),
        _with_path_origin(xedges_as_edges(xlocal), xlocal_paths, "file"),
        _with_path_origin(cross, node_paths.of(cross.column("src_id")), "xfile"),
    ]
    return with_repo(pa.concat_tables(tables), repo, CPG_EDGES_SCHEMA)


def all_xedges(extracts: Sequence[FileExtract], extra: Sequence[pa.Table]) -> pa.Table:
    local = concat_batches((e.xedges for e in extracts), XEDGE_SCHEMA)
    return pa.concat_tables([local, *[t.cast(XEDGE_SCHEMA) for t in extra]])


def build_props(
    extracts: Sequence[FileExtract], extra: Sequence[pa.Table], node_paths: NodePaths, repo: str
) -> pa.Table:
    """Props of ``extracts`` (origin file) and cross-file props ``extra`` (origin xfile)."""
    local, local_paths = _file_rows(extracts, "props", PROP_SCHEMA)
    cross = pa.concat_tables([*[t.cast(PROP_SCHEMA) for t in extra], PROP_SCHEMA.empty_table()])
    tables = [
        _with_path_origin(local, local_paths, "file"),
        _with_path_origin(cross, node_paths.of(cross.column("node_id")), "xfile"),
    ]
    return with_repo(pa.concat_tables(tables), repo, CPG_PROPS_SCHEMA)


def build_props_map(props: pa.Table) -> pa.Table:
    """One row per node with all its props as a map<string,string>; ``origin`` is xfile
    when any of the node's props came from cross-file resolution."""
    if props.num_rows == 0:
        return CPG_PROPS_MAP_SCHEMA.empty_table()
    repo = props.column("repo")[0].as_py()
    # a stable sort keeps each node's props in emission order (file props, then xfile)
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
    heads = offsets.slice(0, len(offsets) - 1)
    first = pc.take(node_ids, heads)
    maps = pa.MapArray.from_arrays(
        offsets,
        ordered.column("key").combine_chunks(),
        ordered.column("value").combine_chunks(),
    )
    xfile_nodes = pc.unique(
        pc.filter(node_ids, pc.equal(ordered.column("origin").combine_chunks(), "xfile"))
    )
    origin = pc.if_else(pc.is_in(first, value_set=xfile_nodes), "xfile", "file")
    n = len(first)
    return pa.table(
        {
            "repo": const_strings(repo, n),
            "node_id": first,
            "props": maps,
            "path": pc.take(ordered.column("path").combine_chunks(), heads),
            "origin": origin,
        },
        schema=CPG_PROPS_MAP_SCHEMA,
    )


def sort_edges(edges: pa.Table, by: str) -> pa.Table:
    """Edges clustered by one endpoint so Delta file statistics prune lookups by it.

    The string columns of the sorted copy are dictionary-encoded first, so the reorder
    copies small integer indices, not millions of repeated strings (``path`` alone is
    ~30 bytes a row). The writer decodes them back to the contract's plain strings one
    batch at a time (``store._stream``); the rows and their order are unchanged."""
    other = "dst_id" if by == "src_id" else "src_id"
    order = pc.sort_indices(
        edges, sort_keys=[(by, "ascending"), ("kind", "ascending"), (other, "ascending")]
    )
    encoded = [
        pc.dictionary_encode(col) if pa.types.is_string(col.type) else col for col in edges.columns
    ]
    return pa.table(encoded, names=edges.column_names).take(order)


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
