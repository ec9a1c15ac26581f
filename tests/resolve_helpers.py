"""Extracting and resolving in-memory sources, as the dataflow does, for tests and
benchmarks: the resolver's input from ``FileExtract``s, the call graph as (caller
qualname, callee qualname) pairs, and PyCG's spelling of those pairs for scoring the
call-graph cases (``tests/callgraph_cases``)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator, Mapping, Sequence

import pyarrow as pa

from codeanatomy_hamilton.core.schema import EDGE_SCHEMA, LOCAL_NODE_SCHEMA, XEDGE_SCHEMA
from codeanatomy_hamilton.emit.rows import concat_batches, concat_facts, files_table
from codeanatomy_hamilton.extract.file import FileExtract, extract_file
from codeanatomy_hamilton.resolve import ResolveConfig, ResolveInput, ResolveOutput, resolve_repo

_SCOPE_KINDS = ("FUNCTION", "MODULE")


def collect_resolve_input(
    extracts: Sequence[FileExtract], config: ResolveConfig | None = None
) -> ResolveInput:
    """All files' rows concatenated (zero-copy) into the tables resolution joins over."""
    return ResolveInput(
        nodes=concat_batches((e.nodes for e in extracts), LOCAL_NODE_SCHEMA),
        edges=concat_batches((e.edges for e in extracts), EDGE_SCHEMA),
        xedges=concat_batches((e.xedges for e in extracts), XEDGE_SCHEMA),
        facts=concat_facts(extracts),
        files=files_table(extracts),
        config=config or ResolveConfig(),
    )


def call_graph_pairs(
    nodes: pa.Table,
    edges: pa.Table,
    xedges: pa.Table | None = None,
    props: pa.Table | None = None,
) -> Iterator[tuple[str, str]]:
    """Distinct (caller, callee) qualname pairs of the CALL edges.

    ``nodes``/``edges`` are the per-file tables (or emitted ``cpg_*`` tables, where
    EXTERNAL nodes are already nodes); ``xedges`` the edges to EXTERNAL qualnames not
    yet materialised as nodes. The caller is the ``caller`` prop of the node that
    performs the call when present, else its nearest enclosing FUNCTION or MODULE
    along CONTAINS edges (class bodies run in their enclosing scope).
    """
    kind = dict(
        zip(nodes.column("node_id").to_pylist(), nodes.column("kind").to_pylist(), strict=False)
    )
    qual = dict(
        zip(nodes.column("node_id").to_pylist(), nodes.column("qualname").to_pylist(), strict=False)
    )
    parent: dict[int, int] = {}
    ek = edges.column("kind").to_pylist()
    es = edges.column("src_id").to_pylist()
    ed = edges.column("dst_id").to_pylist()
    calls: list[tuple[int, str]] = []
    for k, s, d in zip(ek, es, ed, strict=False):
        if k == "CONTAINS":
            parent[d] = s
        elif k == "CALL":
            q = qual.get(d)
            if q is not None:
                calls.append((s, q))
    if xedges is not None:
        for k, s, q in zip(
            xedges.column("kind").to_pylist(),
            xedges.column("src_id").to_pylist(),
            xedges.column("dst_qualname").to_pylist(),
            strict=False,
        ):
            if k == "CALL":
                calls.append((s, q))
    caller_prop: dict[int, str] = {}
    if props is not None:
        for n, k, v in zip(
            props.column("node_id").to_pylist(),
            props.column("key").to_pylist(),
            props.column("value").to_pylist(),
            strict=False,
        ):
            if k == "caller":
                caller_prop[n] = v

    def caller_of(n: int) -> str | None:
        if n in caller_prop:
            return caller_prop[n]
        cur = parent.get(n)
        while cur is not None and kind.get(cur) not in _SCOPE_KINDS:
            cur = parent.get(cur)
        return qual.get(cur) if cur is not None else None

    seen: set[tuple[str, str]] = set()
    for s, q in calls:
        c = caller_of(s)
        if c is None:
            continue
        pair = (c, q)
        if pair not in seen:
            seen.add(pair)
            yield pair


def resolve_sources(
    sources: Mapping[str, bytes | str], config: ResolveConfig | None = None
) -> tuple[ResolveInput, ResolveOutput]:
    """Extract every (path, source) and resolve the whole set, as the dataflow does."""
    extracts = []
    for path in sorted(sources):
        data = sources[path]
        extracts.append(extract_file(path, data.encode() if isinstance(data, str) else data))
    inp = collect_resolve_input(extracts, config)
    return inp, resolve_repo(inp)


def source_call_graph(
    sources: Mapping[str, bytes | str], config: ResolveConfig | None = None
) -> set[tuple[str, str]]:
    """(caller, callee) pairs of in-memory sources."""
    inp, out = resolve_sources(sources, config)
    edges = pa.concat_tables([inp.edges, out.edges])
    xedges = pa.concat_tables([inp.xedges, out.xedges])
    return set(call_graph_pairs(inp.nodes, edges, xedges, out.props))


def pycg_name(qualname: str) -> str:
    """A callee qualname in PyCG's ground-truth spelling (``<builtin>.print``)."""
    if qualname.startswith("builtins."):
        return "<builtin>." + qualname[len("builtins.") :]
    return qualname


def pycg_pairs(
    sources: Mapping[str, bytes | str], config: ResolveConfig | None = None
) -> set[tuple[str, str]]:
    """Call-graph pairs in PyCG's conventions: constructors count as their resolved
    ``__init__`` (CLASS targets dropped), builtins as ``<builtin>.name``."""
    inp, out = resolve_sources(sources, config)
    nodes = inp.nodes
    classes = {
        q
        for k, q in zip(
            nodes.column("kind").to_pylist(), nodes.column("qualname").to_pylist(), strict=False
        )
        if k == "CLASS"
    }
    edges = pa.concat_tables([inp.edges, out.edges])
    xedges = pa.concat_tables([inp.xedges, out.xedges])
    return {
        (caller, pycg_name(callee))
        for caller, callee in call_graph_pairs(nodes, edges, xedges, out.props)
        if callee not in classes
    }


def case_pairs(files: dict[str, str]) -> set[tuple[str, str]]:
    with tempfile.TemporaryDirectory() as tmp:
        for path, src in files.items():
            full = os.path.join(tmp, path)
            os.makedirs(os.path.dirname(full), exist_ok=True)
            with open(full, "w", encoding="utf-8") as fh:
                fh.write(src)
        sources: dict[str, bytes] = {}
        for d, _dirs, names in os.walk(tmp):
            for n in names:
                p = os.path.join(d, n)
                with open(p, "rb") as fh:
                    sources[os.path.relpath(p, tmp).replace(os.sep, "/")] = fh.read()
    return pycg_pairs(sources)


def expected_pairs(expected: dict[str, list[str]]) -> set[tuple[str, str]]:
    return {(c, t) for c, ts in expected.items() for t in ts}
