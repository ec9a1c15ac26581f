"""The contract tables as streams of record batches, read from per-file fragments.

A build never holds a whole table: each stream reads the fragments of a few files at a
time (``CHUNK_ROWS``), in node-id order, adds the repo/path/origin columns and hands the
batches to the Delta writer (``store``), which encodes them as they come. Cross-file
rows (the resolver's output and EXTERNAL nodes) are small and held in memory; they are
merged into the id-ordered stream where their ids fall, so ``cpg_nodes``,
``cpg_props_map`` and the two clustered edge copies are streamed sorted by their lookup
key. The Delta writer (deltalake 1.6) deals consecutive batches to concurrent per-core
writers, so the data files come out *clustered* rather than sorted: each covers a narrow
key range that overlaps at most the few files written beside it, and Delta's per-file
min/max statistics still prune id lookups and incremental rewrites to a few files.

Files are visited in id order: node ids are ``file_base(path) + ordinal`` (``ids``), so
a run of consecutive files covers one contiguous id range ``[lo, hi)`` and the rows of
files in different runs never interleave.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from codeanatomy_hamilton.core import ids
from codeanatomy_hamilton.core.schema import (
    CPG_EDGES_SCHEMA,
    CPG_NODES_SCHEMA,
    CPG_PROPS_MAP_SCHEMA,
    CPG_PROPS_SCHEMA,
    EDGE_SCHEMA,
    ORIGIN_FIELD,
    PATH_FIELD,
    PROP_SCHEMA,
    XEDGE_SCHEMA,
)
from codeanatomy_hamilton.emit.rows import (
    NodePaths,
    build_props_map,
    const_strings,
    external_nodes,
    with_repo,
)
from codeanatomy_hamilton.fragments.store import FileSummary, read_section, xedges_as_edges
from codeanatomy_hamilton.resolve import ResolveOutput

# rows of per-file fragments read and sorted together: large enough that Arrow's
# per-call overhead vanishes, small enough that a chunk is a few tens of MB at most
CHUNK_ROWS = 256 * 1024
# rows per record batch handed to the Delta writer (see ``TableStream.reader``)
BATCH_ROWS = 256 * 1024
FILE_SPAN = 1 << ids.ORDINAL_BITS

Part = pa.Table


@dataclass(eq=False)
class TableStream:
    """One contract table, produced on demand as record batches of ``schema``.

    ``produce`` is called once per ``reader()``; ``rows_streamed`` counts the rows the
    last reader yielded (the row count a write reports)."""

    name: str
    schema: pa.Schema
    produce: Callable[[], Iterator[Part]]
    rows_streamed: int = 0
    token: str = field(default_factory=lambda: uuid.uuid4().hex)
    # the exception that stopped the last reader: the Delta writer consumes the reader
    # in Rust and re-raises only its text, so ``store`` raises this one instead
    failure: BaseException | None = None

    def reader(self) -> pa.RecordBatchReader:
        """Record batches of ``BATCH_ROWS`` rows (the last one may be smaller): small
        parts are merged so the writer sees few, large, key-contiguous batches."""
        self.rows_streamed = 0
        self.failure = None

        def parts() -> Iterator[Part]:
            try:
                yield from self.produce()
            except Exception as exc:
                self.failure = exc
                raise

        def batches() -> Iterator[pa.RecordBatch]:
            pending: list[pa.Table] = []
            rows = 0
            for part in parts():
                part = part.cast(self.schema)
                for offset in range(0, part.num_rows, BATCH_ROWS):
                    piece = part.slice(offset, BATCH_ROWS)
                    pending.append(piece)
                    rows += piece.num_rows
                    if rows >= BATCH_ROWS:
                        yield self._one_batch(pending)
                        pending, rows = [], 0
            if rows:
                yield self._one_batch(pending)

        return pa.RecordBatchReader.from_batches(self.schema, batches())

    def _one_batch(self, pieces: list[pa.Table]) -> pa.RecordBatch:
        table = pa.concat_tables(pieces).combine_chunks()
        self.rows_streamed += table.num_rows
        return table.to_batches()[0]


def by_id(files: Iterable[FileSummary]) -> list[FileSummary]:
    """Files in node-id order (see the module docstring)."""
    return sorted(files, key=lambda s: s.base)


def chunks(files: Sequence[FileSummary], section: str) -> Iterator[list[FileSummary]]:
    """Runs of consecutive files (id order) holding about ``CHUNK_ROWS`` rows of
    ``section``."""
    group: list[FileSummary] = []
    rows = 0
    for s in files:
        group.append(s)
        rows += s.rows.get(section, 0)
        if rows >= CHUNK_ROWS:
            yield group
            group, rows = [], 0
    if group:
        yield group


def span(group: Sequence[FileSummary]) -> tuple[int, int]:
    return group[0].base, group[-1].base + FILE_SPAN


def with_path_origin(table: pa.Table, path: Any, origin: str) -> pa.Table:
    """``path`` and ``origin`` columns appended (``path``: one string or an array)."""
    n = table.num_rows
    paths = const_strings(path, n) if isinstance(path, str) else path
    table = table.append_column(PATH_FIELD, paths if n else pa.array([], pa.string()))
    return table.append_column(ORIGIN_FIELD, const_strings(origin, n))


def file_rows(group: Sequence[FileSummary], *sections: str) -> pa.Table | None:
    """The ``sections`` of every file of ``group`` with path and origin 'file'."""
    parts = []
    for s in group:
        for section in sections:
            t = read_section(s, section)
            if section == "nodes":
                parts.append(t.append_column(ORIGIN_FIELD, const_strings("file", t.num_rows)))
            elif t.num_rows:
                parts.append(with_path_origin(t, s.path, "file"))
    return pa.concat_tables(parts) if parts else None


class Ordered:
    """The rows of ``table`` in the order of ``keys``, taken a slice at a time
    (``slice``, as ``pa.Table.slice``): the table is held once with its sort
    permutation and its sorted first key, never as a sorted copy. ``finish`` completes
    each slice taken (adds the columns the held table leaves out). Sorting the
    cross-file and EXTERNAL-bound edges whole held them twice while the clustered edge
    tables were written: +0.5 GiB on the whole standard library with its tests."""

    def __init__(
        self,
        table: pa.Table,
        keys: Sequence[str],
        finish: Callable[[pa.Table], pa.Table] | None = None,
    ) -> None:
        self.table = table
        self.num_rows = table.num_rows
        self.order = pc.sort_indices(table, sort_keys=[(k, "ascending") for k in keys])
        first = table.column(keys[0])
        self.keys = (
            pc.take(first, self.order).to_numpy() if self.num_rows else np.empty(0, np.int64)
        )
        self.finish = finish

    def slice(self, offset: int = 0, length: int | None = None) -> pa.Table:
        part = self.table.take(self.order.slice(offset, length))
        return self.finish(part) if self.finish is not None else part


def merged(
    groups: Iterable[tuple[int, int, Any]],
    extra: pa.Table | Ordered,
    key: str,
    combine: Callable[[Any, pa.Table], pa.Table],
) -> Iterator[pa.Table]:
    """An id-ordered stream: ``groups`` cover ascending, disjoint id ranges ``[lo, hi)``;
    ``extra`` is sorted by ``key``. Yields the extra rows below each group, then
    ``combine(payload, extra rows inside the group's range)``, then the extra rows
    above the last group; extra rows between groups come ``CHUNK_ROWS`` at a time
    (the edges to EXTERNAL nodes sort below every file: millions of rows)."""
    keys = _keys(extra, key)
    pos = 0
    for lo, hi, payload in groups:
        start, end = _between(keys, lo, hi)
        yield from _pieces(extra, pos, start)
        yield combine(payload, extra.slice(start, end - start))
        pos = end
    yield from _pieces(extra, pos, len(keys))


def _pieces(extra: pa.Table | Ordered, start: int, end: int) -> Iterator[pa.Table]:
    for at in range(start, end, CHUNK_ROWS):
        yield extra.slice(at, min(CHUNK_ROWS, end - at))


def _keys(table: pa.Table | Ordered, key: str) -> np.ndarray:
    if isinstance(table, Ordered):
        return table.keys
    return table.column(key).to_numpy() if table.num_rows else np.empty(0, np.int64)


def _between(keys: np.ndarray, lo: int, hi: int) -> tuple[int, int]:
    """Row range of the sorted ``keys`` inside ``[lo, hi)``."""
    return int(np.searchsorted(keys, lo, "left")), int(np.searchsorted(keys, hi, "left"))


def _sorted(table: pa.Table, keys: Sequence[str]) -> pa.Table:
    return table.sort_by([(k, "ascending") for k in keys])


# -- cross-file rows (held in memory: the resolver's output is small) -------------------


def cross_edges(resolved: ResolveOutput, node_paths: NodePaths) -> pa.Table:
    """The resolver's edges, EXTERNAL destinations as ids, with path of the source."""
    cross = pa.concat_tables(
        [
            resolved.edges.cast(EDGE_SCHEMA),
            xedges_as_edges(resolved.xedges.cast(XEDGE_SCHEMA)),
        ]
    )
    return with_path_origin(cross, node_paths.of(cross.column("src_id")), "xfile")


def cross_props(resolved: ResolveOutput, node_paths: NodePaths) -> pa.Table:
    cross = resolved.props.cast(PROP_SCHEMA)
    return with_path_origin(cross, node_paths.of(cross.column("node_id")), "xfile")


def external_names(files: Iterable[FileSummary], resolved: ResolveOutput) -> list[str]:
    """Qualnames of every EXTERNAL node: the targets of per-file and resolved edges."""
    names: set[str] = set()
    for s in files:
        names.update(s.externals)
    names.update(q for q in pc.unique(resolved.xedges.column("dst_qualname")).to_pylist() if q)
    return sorted(names)


# -- the streams ------------------------------------------------------------------------


def nodes_stream(files: Sequence[FileSummary], externals: list[str], repo: str) -> TableStream:
    """Nodes of ``files`` (origin file) and every EXTERNAL node (origin xfile), by id."""
    ext = external_nodes(externals)
    ext = _sorted(
        ext.append_column(ORIGIN_FIELD, const_strings("xfile", ext.num_rows)), ["node_id"]
    )

    def combine(group: list[FileSummary], extra: pa.Table) -> pa.Table:
        t = file_rows(group, "nodes")  # every file has at least its MODULE node
        if t is None:
            return extra
        return _sorted(pa.concat_tables([t, extra]), ["node_id"]) if extra.num_rows else t

    def produce() -> Iterator[Part]:
        groups = ((*span(g), g) for g in chunks(files, "nodes"))
        for part in merged(groups, ext, "node_id", combine):
            yield with_repo(part, repo, CPG_NODES_SCHEMA)

    return TableStream("cpg_nodes", CPG_NODES_SCHEMA, produce)


def edges_stream(files: Sequence[FileSummary], cross: pa.Table, repo: str) -> TableStream:
    """Per-file edges of ``files`` (origin file), then the cross-file edges (xfile)."""

    def produce() -> Iterator[Part]:
        for g in chunks(files, "edges"):
            t = file_rows(g, "edges", "xedges")
            if t is not None:
                yield with_repo(t, repo, CPG_EDGES_SCHEMA)
        yield with_repo(cross, repo, CPG_EDGES_SCHEMA)

    return TableStream("cpg_edges", CPG_EDGES_SCHEMA, produce)


def props_stream(files: Sequence[FileSummary], cross: pa.Table, repo: str) -> TableStream:
    """Per-file props of ``files`` (origin file), then the cross-file props (xfile)."""

    def produce() -> Iterator[Part]:
        for g in chunks(files, "props"):
            t = file_rows(g, "props")
            if t is not None:
                yield with_repo(t, repo, CPG_PROPS_SCHEMA)
        yield with_repo(cross, repo, CPG_PROPS_SCHEMA)

    return TableStream("cpg_props", CPG_PROPS_SCHEMA, produce)


def sorted_edges_stream(
    files: Sequence[FileSummary], cross: pa.Table, by: str, repo: str
) -> TableStream:
    """Edges in the order of ``by`` (``src_id`` or ``dst_id``), then kind, then the other
    end: per-file edges start and (but for edges to EXTERNAL nodes) end inside their
    file's id range, so a run of files plus the cross-file and EXTERNAL-bound edges whose
    key falls in its range sort on their own."""
    other = "dst_id" if by == "src_id" else "src_id"
    keys = [by, "kind", other]
    name = "cpg_edges_by_src" if by == "src_id" else "cpg_edges_by_dst"
    # edges to EXTERNAL nodes have their destination outside every file's range: for
    # the by-destination copy they join the cross-file rows that are merged in by id
    local_sections = ("edges", "xedges") if by == "src_id" else ("edges",)

    def produce() -> Iterator[Part]:
        if by == "dst_id":
            extra = _external_bound(files, cross, keys)
        else:
            extra = Ordered(cross, keys)

        def combine(group: list[FileSummary], inside: pa.Table) -> pa.Table:
            t = file_rows(group, *local_sections)
            parts = [p for p in (t, inside) if p is not None and p.num_rows]
            if not parts:
                return inside
            return _sorted(pa.concat_tables(parts), keys)

        groups = ((*span(g), g) for g in chunks(files, "edges"))
        for part in merged(groups, extra, by, combine):
            yield with_repo(part, repo, CPG_EDGES_SCHEMA)

    return TableStream(name, CPG_EDGES_SCHEMA, produce)


# the column of ``_external_bound``'s table that stands for path and origin
_SOURCE = "_source"


def _external_bound(files: Sequence[FileSummary], cross: pa.Table, keys: list[str]) -> Ordered:
    """The per-file edges to EXTERNAL nodes of ``files`` and the cross-file edges, in
    the order of ``keys``, for the by-destination copy. Held compactly: instead of a
    path and an origin string per row, one int32 code of its source (a file, or one
    distinct path of the cross-file rows), turned back into the two columns a slice at
    a time."""
    parts = []
    paths: list[str | None] = []
    for s in files:
        if not s.rows.get("xedges"):
            continue
        t = read_section(s, "xedges")
        if t.num_rows:
            code = pa.scalar(len(paths), pa.int32())
            parts.append(t.append_column(_SOURCE, pa.repeat(code, t.num_rows)))
            paths.append(s.path)
    in_files = len(paths)
    cross_paths = cross.column(PATH_FIELD.name).combine_chunks().dictionary_encode()
    paths += cross_paths.dictionary.to_pylist()
    paths.append(None)  # cross-file rows without a path
    codes = pc.fill_null(pc.add(cross_paths.indices, in_files), len(paths) - 1).cast(pa.int32())
    parts.append(
        cross.drop_columns([PATH_FIELD.name, ORIGIN_FIELD.name]).append_column(_SOURCE, codes)
    )
    table = pa.concat_tables(parts).combine_chunks()
    del parts
    path_of = pa.array(paths, pa.string())

    def finish(part: pa.Table) -> pa.Table:
        source = part.column(_SOURCE)
        path = pc.take(path_of, source)
        origin = pc.if_else(pc.less(source, in_files), "file", "xfile")
        part = part.drop_columns([_SOURCE])
        return part.append_column(PATH_FIELD, path).append_column(ORIGIN_FIELD, origin)

    return Ordered(table, keys, finish)


def props_map_stream(
    files: Sequence[FileSummary],
    others: Sequence[FileSummary],
    cross: pa.Table,
    repo: str,
) -> TableStream:
    """One map row per node: every node of ``files``, and every node of ``others``
    (files whose per-file rows are not rewritten) that has cross-file props, whose map
    is its file props (kept in the summary, ``FileSummary.xprops``) plus those."""
    cross = _sorted(cross, ["node_id"])  # stable: a node's props keep their order

    def produce() -> Iterator[Part]:
        in_files = np.zeros(cross.num_rows, dtype=bool)
        if cross.num_rows and files:
            file_keys = pa.array([s.base >> ids.ORDINAL_BITS for s in files], pa.int64())
            node_keys = pc.shift_right(cross.column("node_id"), ids.ORDINAL_BITS)
            in_files = np.asarray(pc.is_in(node_keys, value_set=file_keys))
        inside = cross.filter(pa.array(in_files))
        outside = cross.filter(pa.array(~in_files))
        outside_maps = _maps_outside(outside, others, repo)

        def combine(group: list[FileSummary], extra: pa.Table) -> pa.Table:
            t = file_rows(group, "props")
            parts = [p for p in (t, extra) if p is not None and p.num_rows]
            if not parts:
                return CPG_PROPS_MAP_SCHEMA.empty_table()
            return build_props_map(with_repo(pa.concat_tables(parts), repo, CPG_PROPS_SCHEMA))

        groups = ((*span(g), g) for g in chunks(files, "props"))
        chunk_maps = _with_spans(groups, inside, combine)
        yield from merged(chunk_maps, outside_maps, "node_id", _interleave)

    return TableStream("cpg_props_map", CPG_PROPS_MAP_SCHEMA, produce)


def _with_spans(
    groups: Iterable[tuple[int, int, Any]],
    extra: pa.Table,
    combine: Callable[[Any, pa.Table], pa.Table],
) -> Iterator[tuple[int, int, pa.Table]]:
    """``combine`` of each group with the rows of ``extra`` in its range (every row of
    ``extra`` lies in some group's range), keeping the ranges for a further merge."""
    keys = _keys(extra, "node_id")
    for lo, hi, payload in groups:
        start, end = _between(keys, lo, hi)
        yield lo, hi, combine(payload, extra.slice(start, end - start))


def _interleave(chunk: pa.Table, inside: pa.Table) -> pa.Table:
    if not inside.num_rows:
        return chunk
    return _sorted(pa.concat_tables([chunk, inside]), ["node_id"])


def _maps_outside(cross: pa.Table, others: Sequence[FileSummary], repo: str) -> pa.Table:
    """Map rows of nodes outside the rewritten files that have cross-file props: file
    props from the summaries, then the cross-file props, by node id."""
    if not cross.num_rows:
        return CPG_PROPS_MAP_SCHEMA.empty_table()
    nodes = pc.unique(cross.column("node_id"))
    parts = []
    for s in others:
        if s.xprops.num_rows:
            parts.append(with_path_origin(pa.Table.from_batches([s.xprops]), s.path, "file"))
    file_props = pa.concat_tables(parts) if parts else None
    if file_props is not None:
        file_props = file_props.filter(pc.is_in(file_props.column("node_id"), value_set=nodes))
    props = pa.concat_tables([t for t in (file_props, cross) if t is not None])
    return build_props_map(with_repo(props, repo, CPG_PROPS_SCHEMA))


def uncovered_files(
    cross_props: pa.Table, others: Sequence[FileSummary], node_paths: NodePaths
) -> set[str]:
    """Files among ``others`` with a node that got cross-file props but whose file props
    the summary does not carry (``fragments.XPROP_KINDS``): their maps need the
    fragment, so the caller treats them as rewritten files."""
    if not cross_props.num_rows or not others:
        return set()
    nodes = pc.unique(cross_props.column("node_id"))
    cand = pa.concat_arrays([s.xprop_nodes for s in others])
    missing = pc.filter(nodes, pc.invert(pc.is_in(nodes, value_set=cand)))
    paths = {p for p in node_paths.of(missing).to_pylist() if p is not None}
    return paths & {s.path for s in others}
