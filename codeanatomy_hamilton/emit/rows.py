"""Assembling the contract tables from per-file batches and cross-file results.

Everything here is columnar (pyarrow compute); no Python loop touches every row.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Protocol

import pyarrow as pa
import pyarrow.compute as pc

from codeanatomy_hamilton.core import ids
from codeanatomy_hamilton.core.errors import SourceError
from codeanatomy_hamilton.core.schema import (
    CPG_PROPS_MAP_SCHEMA,
    EDGE_SCHEMA,
    EXTRACT_ERRORS_SCHEMA,
    FILE_INDEX_SCHEMA,
    LOCAL_NODE_SCHEMA,
    XEDGE_SCHEMA,
)
from codeanatomy_hamilton.core.vocabulary import NodeKind
from codeanatomy_hamilton.extract.file import FileExtract
from codeanatomy_hamilton.fragments.store import CALL_SCHEMA, FileSummary
from codeanatomy_hamilton.resolve import ResolveConfig, ResolveInput
from codeanatomy_hamilton.scan.snapshot import RepoSnapshot


class FileLike(Protocol):
    """What the small per-file tables need: a ``FileExtract`` or a ``FileSummary``."""

    path: str
    module: str
    lines: int
    errors: list[SourceError]


def concat_batches(batches: Iterable[pa.RecordBatch], schema: pa.Schema) -> pa.Table:
    return pa.Table.from_batches([b for b in batches if b.num_rows], schema=schema)


def concat_facts(extracts: Sequence[FileExtract] | Sequence[FileSummary]) -> dict[str, pa.Table]:
    """Per fact table, the rows of every file in order (columns unified across files).

    Consecutive summaries served from one summary pack (``summary_pack``) are one run:
    one zero-copy slice of the pack's table instead of a piece per file."""
    by_name: dict[str, list[pa.RecordBatch]] = {}

    def add(name: str, batch: pa.RecordBatch) -> None:
        if batch.num_rows:
            by_name.setdefault(name, []).append(batch)

    pack: Any = None
    lo = hi = 0

    def flush() -> None:
        if pack is not None:
            for name in pack.fact_names:
                add(name, pack.facts(name, lo, hi))

    for ex in extracts:
        ref = getattr(ex, "pack", None)
        if ref is not None and ref.pack is pack and ref.index == hi:
            hi += 1
            continue
        flush()
        if ref is not None:
            pack, lo, hi = ref.pack, ref.index, ref.index + 1
            continue
        pack = None
        for name, batch in ex.facts.items():
            add(name, batch)
    flush()
    # combined: pieces sliced from a pack would otherwise keep (and pickle, when Hamilton
    # caches the resolver input) the pack's whole buffers once per piece
    return {name: _concat(batches).combine_chunks() for name, batches in by_name.items()}


def _concat(batches: list[pa.RecordBatch]) -> pa.Table:
    """The batches as one table: as they are when their schemas are equal (every fact
    table is built with its ``FACT_SCHEMAS`` types), else with the columns unified."""
    try:
        return pa.Table.from_batches(batches)
    except pa.ArrowInvalid:
        tables = [pa.Table.from_batches([b]) for b in batches]
        return pa.concat_tables(tables, promote_options="default")


def const_strings(value: str, n: int) -> pa.Array:
    """``n`` copies of ``value`` as a string array, built in Arrow: a Python list of
    millions of references (``[value] * n``) costs ~0.1 s per million rows."""
    return pa.repeat(pa.scalar(value, pa.string()), n)


def files_table(files: Sequence[FileLike]) -> pa.Table:
    """One row per file (path, module, has_errors): the resolver's module map input."""
    return pa.table(
        {
            "path": [f.path for f in files],
            "module": [f.module for f in files],
            "has_errors": [bool(f.errors) for f in files],
        }
    )


def resolve_input_from_summaries(
    summaries: Sequence[FileSummary], config: ResolveConfig | None = None
) -> ResolveInput:
    """The resolver's input from per-file summaries: facts, files and CALL nodes (the
    resolver reads no other node or edge rows; those stay in the fragments). The
    summaries' own facts and CALL nodes then become slices of it (``_share``)."""
    inp = ResolveInput(
        # one contiguous chunk: the calls of pack-served summaries are slices of the pack
        nodes=concat_batches((s.calls for s in summaries), CALL_SCHEMA).combine_chunks(),
        edges=EDGE_SCHEMA.empty_table(),
        xedges=XEDGE_SCHEMA.empty_table(),
        facts=concat_facts(summaries),
        files=files_table(summaries),
        config=config or ResolveConfig(),
    )
    _share(summaries, inp)
    return inp


def _share(summaries: Sequence[FileSummary], inp: ResolveInput) -> None:
    """Points each freshly extracted summary's facts and CALL nodes at zero-copy slices
    of the concatenated input (the same rows), so that the build holds them once: the
    per-file batches and their concatenation were two copies through resolution and
    the writes (~0.5 GiB on the whole stdlib). Summaries served from the summary pack
    are slices of the pack already and stay as they are."""
    tables = {"calls": inp.nodes, **inp.facts}
    offsets = dict.fromkeys(tables, 0)
    # each table as its one record batch (None: not one chunk), sliced per file below
    # (a slice of a batch is cheaper than a batch of a table's slice)
    whole = {name: _one_chunk(t) for name, t in tables.items()}
    for s in summaries:
        fresh = s.pack is None
        parts = {"calls": s.calls, **s.facts}
        shared: dict[str, pa.RecordBatch] = {}
        for name, batch in parts.items():
            n = batch.num_rows
            if not n:
                continue
            at = offsets.get(name, 0)
            offsets[name] = at + n
            b = whole.get(name)
            if fresh and b is not None and b.schema.equals(batch.schema):
                shared[name] = b.slice(at, n)
        if fresh and shared:
            if "calls" in shared:
                s.calls = shared.pop("calls")
            s.facts = {name: shared.get(name, b) for name, b in s.facts.items()}
    _share_xprops([s for s in summaries if s.pack is None])


def _share_xprops(fresh: Sequence[FileSummary]) -> None:
    """The fresh summaries' file props and prop candidates moved into one buffer each
    (zero-copy slices per summary). They are the last per-file Arrow buffers a build
    holds after the resolver's input is made: left scattered, they pin the allocator's
    pages of everything else extraction allocated and freed around them (sharing them
    gave back 31 MiB of RSS on the standard library without tests)."""
    props = [s.xprops for s in fresh if s.xprops.num_rows]
    if props:
        table = pa.Table.from_batches(props).combine_chunks()
        at = 0
        for s in fresh:
            n = s.xprops.num_rows
            if n:
                piece = table.slice(at, n).to_batches()
                at += n
                if len(piece) == 1:
                    s.xprops = piece[0]
    nodes = [s.xprop_nodes for s in fresh if len(s.xprop_nodes)]
    if nodes:
        column = pa.concat_arrays(nodes)
        at = 0
        for s in fresh:
            n = len(s.xprop_nodes)
            if n:
                s.xprop_nodes = column.slice(at, n)
                at += n


def _one_chunk(table: pa.Table) -> pa.RecordBatch | None:
    """The rows of ``table`` as one record batch (zero-copy), None if it has several."""
    batches = table.to_batches()
    return batches[0] if len(batches) == 1 else None


def with_repo(table: pa.Table, repo: str, schema: pa.Schema) -> pa.Table:
    col = const_strings(repo, table.num_rows)
    out = table.add_column(0, pa.field("repo", pa.string(), nullable=False), col)
    return out.cast(schema)


def external_nodes(names: Sequence[str]) -> pa.Table:
    """One EXTERNAL node per qualname (``names``: distinct, sorted)."""
    n = len(names)
    return pa.table(
        {
            "node_id": pa.array([ids.external_id(q) for q in names], pa.int64()),
            "kind": pa.array([NodeKind.EXTERNAL] * n, pa.string()),
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


def build_errors(extracts: Sequence[FileLike], snapshot: RepoSnapshot, repo: str) -> pa.Table:
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


def build_file_index(extracts: Sequence[FileLike], snapshot: RepoSnapshot, repo: str) -> pa.Table:
    by_path = {f.path: f for f in snapshot.files}
    return pa.table(
        {
            "repo": [repo] * len(extracts),
            "path": [e.path for e in extracts],
            "blob_sha": [by_path[e.path].blob_sha for e in extracts],
            "size": [by_path[e.path].size for e in extracts],
            "lines": [e.lines for e in extracts],
            "module": [e.module for e in extracts],
        },
        schema=FILE_INDEX_SCHEMA,
    )
