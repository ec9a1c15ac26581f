"""Value-flow paths over a built CPG: "where can the value at A go?".

The value at node A may become the value at node B when B is reachable from A over
the edge kinds in ``VALUE_FLOW_KINDS`` (REACHING_DEF plus the value-flow kinds of
docs/tables.md). ``find_flows`` selects the source and target nodes with SPECs, loads
the flow edges of one repo into a rustworkx graph and returns up to ``max_paths``
shortest paths (one per target node reached, shortest first, at most ``max_depth``
edges), so memory stays bounded by that repo's flow edges.

Nodes in code that cannot run (prop ``unreachable``: under a constant-false
condition) are never sources or targets. SPEC forms:

* ``call:QUAL`` the CALL nodes invoking QUAL (resolved callee qualname, or the callee
  text of an unresolved call); ``call:QUAL#arg0`` / ``call:QUAL#kw:NAME`` / ``call:QUAL#receiver``
  the argument / keyword value / receiver of those calls;
* ``param:QUAL.NAME`` the PARAMETER ``NAME`` of the function ``QUAL``;
* ``QUAL`` (a dotted qualname): as ``--from`` the calls of QUAL (their results); as
  ``--to`` the arguments and receivers of the calls of QUAL;
* anything else: a SQL boolean expression over the columns of ``cpg_nodes``
  (``kind = 'PARAMETER' AND name = 'cmd'``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import rustworkx as rx

from codeanatomy_hamilton.core.arrays import usort
from codeanatomy_hamilton.core.messages import first_line
from codeanatomy_hamilton.core.vocabulary import VALUE_FLOW_KINDS, EdgeKind, NodeKind
from codeanatomy_hamilton.store.delta import list_tables
from codeanatomy_hamilton.store.sql import QueryError, session

DEFAULT_MAX_PATHS = 10
DEFAULT_MAX_DEPTH = 60
_QUAL = re.compile(r"^[A-Za-z_][\w.]*$")


class FlowError(ValueError):
    """A flows query that cannot run (bad SPEC, unknown repo, missing warehouse)."""


@dataclass
class Step:
    node_id: int
    kind: str | None
    name: str | None
    path: str | None
    line: int | None
    code: str | None = None
    edge: str | None = None  # kind of the edge into this step (None for the first)

    def location(self) -> str:
        return f"{self.path or '<external>'}:{self.line if self.line is not None else '-'}"


@dataclass
class FlowResult:
    repo: str
    sources: int
    targets: int
    paths: list[list[Step]] = field(default_factory=list)


def _lit(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def _ids(ctx: Any, sql: str) -> np.ndarray:
    try:
        t = ctx.sql(sql).to_arrow_table()
    except Exception as exc:  # DataFusion raises plain Exceptions
        raise FlowError(f"cannot select nodes: {first_line(exc)}") from None
    if not t.num_rows:
        return np.zeros(0, np.int64)
    return usort(np.asarray(t.column(0).to_numpy(), np.int64))


def _in(ids: np.ndarray) -> str:
    return ", ".join(str(int(i)) for i in ids) if len(ids) else "NULL"


def _calls(ctx: Any, repo: str, qual: str) -> np.ndarray:
    """CALL nodes that invoke ``qual``: resolved (CALL edge to a node with that
    qualname) or unresolved with that callee text. Two steps with literal id lists,
    so that the edge copy clustered by destination prunes its files."""
    r = _lit(repo)
    q = _lit(qual)
    call = _lit(NodeKind.CALL)
    # one scan of the nodes: the callee(s) by qualname, unresolved calls by callee text
    try:
        t = ctx.sql(
            f"SELECT node_id, kind = {call} AND name = {q} AS named FROM cpg_nodes "
            f"WHERE repo = {r} AND (qualname = {q} OR (kind = {call} AND name = {q}))"
        ).to_arrow_table()
    except Exception as exc:  # DataFusion raises plain Exceptions
        raise FlowError(f"cannot select nodes: {str(exc).strip()[:200]}") from None
    ids = np.asarray(t.column("node_id").to_numpy(), np.int64)
    named = np.asarray(t.column("named").to_numpy(zero_copy_only=False), bool)
    resolved = _ids(
        ctx,
        f"SELECT src_id FROM cpg_edges_by_dst WHERE repo = {r} AND kind = {_lit(EdgeKind.CALL)} "
        f"AND dst_id IN ({_in(ids[~named])})",
    )
    return usort(np.concatenate([resolved, ids[named]]))


def _operands(ctx: Any, repo: str, calls: np.ndarray, cond: str) -> np.ndarray:
    """Destinations of the ARGUMENT / RECEIVER edges of ``calls`` matching ``cond``."""
    if not len(calls):
        return calls
    return _ids(
        ctx,
        f"SELECT dst_id FROM cpg_edges_by_src a WHERE a.repo = {_lit(repo)} AND {cond} "
        f"AND a.src_id IN ({_in(calls)})",
    )


def select_nodes(ctx: Any, repo: str, spec: str, role: str) -> np.ndarray:
    """Node ids a SPEC selects (``role``: ``from`` or ``to``)."""
    r = _lit(repo)
    spec = spec.strip()
    if not spec:
        raise FlowError("empty SPEC")
    if spec.startswith("call:"):
        qual, _, part = spec[5:].partition("#")
        calls = _calls(ctx, repo, qual)
        if not part:
            return calls
        if part == "receiver":
            cond = f"a.kind = {_lit(EdgeKind.RECEIVER)}"
        elif part.startswith("arg") and part[3:].isdigit():
            cond = f'a.kind = {_lit(EdgeKind.ARGUMENT)} AND a."index" = {int(part[3:])}'
        elif part.startswith("kw:"):
            cond = f"a.kind = {_lit(EdgeKind.ARGUMENT)} AND a.label = {_lit(part[3:])}"
        else:
            raise FlowError(f"bad SPEC {spec!r}: after '#' use argN, kw:NAME or receiver")
        return _operands(ctx, repo, calls, cond)
    if spec.startswith("param:"):
        qual, _, name = spec[6:].rpartition(".")
        if not qual or not name:
            raise FlowError(f"bad SPEC {spec!r}: want param:QUALNAME.PARAM")
        # FUNCTION -AST-> arguments -AST-> arg
        ast_ = _lit(EdgeKind.AST)
        return _ids(
            ctx,
            f"SELECT p.node_id FROM cpg_nodes f "
            f"JOIN cpg_edges e1 ON e1.repo = f.repo AND e1.src_id = f.node_id AND e1.kind = {ast_} "
            f"JOIN cpg_edges e2 ON e2.repo = f.repo AND e2.src_id = e1.dst_id AND e2.kind = {ast_} "
            f"JOIN cpg_nodes p ON p.repo = f.repo AND p.node_id = e2.dst_id "
            f"WHERE f.repo = {r} AND f.kind = {_lit(NodeKind.FUNCTION)} AND f.qualname = {_lit(qual)} "
            f"AND p.kind = {_lit(NodeKind.PARAMETER)} AND p.name = {_lit(name)}",
        )
    if "." in spec and _QUAL.match(spec):
        calls = _calls(ctx, repo, spec)
        if role == "from":
            return calls
        return _operands(
            ctx, repo, calls, f"a.kind IN ({_lit(EdgeKind.ARGUMENT)}, {_lit(EdgeKind.RECEIVER)})"
        )
    return _ids(ctx, f"SELECT node_id FROM cpg_nodes WHERE repo = {r} AND ({spec})")


def _live(ctx: Any, repo: str, ids: np.ndarray) -> np.ndarray:
    """``ids`` without the nodes of code that cannot run (prop ``unreachable``)."""
    if not len(ids):
        return ids
    t = ctx.sql(
        f"SELECT node_id FROM cpg_props WHERE repo = {_lit(repo)} AND key = 'unreachable'"
    ).to_arrow_table()
    dead = np.asarray(t.column(0).to_numpy(), np.int64) if t.num_rows else np.zeros(0, np.int64)
    return ids[~np.isin(ids, dead)]


def _repo(ctx: Any, repo: str | None) -> str:
    if repo is not None:
        return repo
    try:  # the small per-file table, when the warehouse has it
        t = ctx.sql("SELECT DISTINCT repo FROM file_index").to_arrow_table()
    except Exception:  # DataFusion raises plain Exceptions (no such table)
        t = ctx.sql("SELECT DISTINCT repo FROM cpg_nodes").to_arrow_table()
    repos = sorted(t.column(0).to_pylist())
    if len(repos) != 1:
        raise FlowError(
            f"the warehouse holds {len(repos)} repos ({', '.join(repos)}): pass --repo-id"
        )
    return repos[0]


def load_flow_graph(ctx: Any, repo: str) -> tuple[np.ndarray, np.ndarray]:
    """(src, dst) of every value-flow edge of ``repo``."""
    kinds = ", ".join(_lit(k) for k in VALUE_FLOW_KINDS)
    t = ctx.sql(
        f"SELECT src_id, dst_id FROM cpg_edges WHERE repo = {_lit(repo)} AND kind IN ({kinds})"
    ).to_arrow_table()
    src = np.asarray(t.column("src_id").to_numpy(), np.int64)
    dst = np.asarray(t.column("dst_id").to_numpy(), np.int64)
    return src, dst


def _levels(a: np.ndarray, b: np.ndarray, n: int, start: np.ndarray, depth: int) -> np.ndarray:
    """BFS distance (in edges, at most ``depth``; -1 beyond) from ``start`` over the
    edges ``a -> b`` of dense node indices ``< n``: a frontier at a time, in numpy."""
    o = np.argsort(a, kind="stable")
    a_s, b_s = a[o], b[o]
    dist = np.full(n, -1, np.int64)
    frontier = usort(start)
    dist[frontier] = 0
    for level in range(1, depth + 1):
        lo = np.searchsorted(a_s, frontier, "left")
        hi = np.searchsorted(a_s, frontier, "right")
        cnt = hi - lo
        if not cnt.sum():
            break
        idx = np.repeat(lo - np.cumsum(cnt) + cnt, cnt) + np.arange(int(cnt.sum()))
        nxt = usort(b_s[idx])
        nxt = nxt[dist[nxt] < 0]
        if not len(nxt):
            break
        dist[nxt] = level
        frontier = nxt
    return dist


def shortest_paths(
    src: np.ndarray,
    dst: np.ndarray,
    sources: np.ndarray,
    targets: np.ndarray,
    max_paths: int = DEFAULT_MAX_PATHS,
    max_depth: int = DEFAULT_MAX_DEPTH,
) -> list[list[int]]:
    """Up to ``max_paths`` shortest paths (node id lists) from any source to distinct
    targets, each at most ``max_depth`` edges, over the edges ``src -> dst``.

    Two depth-bounded BFS in numpy (forward from the sources, backward from the
    targets) keep only the edges on some short enough source -> target route; the
    paths are then computed with rustworkx on that subgraph."""
    if not len(sources) or not len(targets) or not len(src):
        return []
    ids = usort(np.concatenate([src, dst, sources, targets]))
    n = len(ids)
    s = np.searchsorted(ids, src)
    d = np.searchsorted(ids, dst)
    si = np.searchsorted(ids, sources)
    ti = np.searchsorted(ids, targets)
    fwd = _levels(s, d, n, si, max_depth)
    bwd = _levels(d, s, n, ti, max_depth)
    ok = (fwd[s] >= 0) & (bwd[d] >= 0) & (fwd[s] + 1 + bwd[d] <= max_depth)
    hit = ti[(fwd[ti] > 0)]
    if not len(hit) or not ok.any():
        return []
    keep = usort(np.concatenate([s[ok], d[ok]]))
    g = rx.PyDiGraph(check_cycle=False, multigraph=False)
    g.add_nodes_from(keep.tolist())
    ks = np.searchsorted(keep, s[ok])
    kd = np.searchsorted(keep, d[ok])
    g.extend_from_edge_list(list(zip(ks.tolist(), kd.tolist(), strict=True)))
    root = g.add_node(-1)
    starts = np.searchsorted(keep, si[np.isin(si, keep)])
    g.extend_from_edge_list([(root, int(i)) for i in usort(starts)])
    paths = rx.digraph_dijkstra_shortest_paths(g, root, default_weight=1.0)
    out: list[list[int]] = []
    for t in usort(hit).tolist():
        k = int(np.searchsorted(keep, t))
        if k >= len(keep) or keep[k] != t or k not in paths:
            continue
        nodes = [int(ids[keep[x]]) for x in list(paths[k])[1:]]  # drop the virtual root
        if 1 <= len(nodes) - 1 <= max_depth:
            out.append(nodes)
    out.sort(key=lambda p: (len(p), p[-1]))
    return out[:max_paths]


def _edge_kinds(ctx: Any, repo: str, pairs: set[tuple[int, int]]) -> dict[tuple[int, int], str]:
    """The kind of each (src, dst) edge used by the paths (the first of parallel
    kinds in ``VALUE_FLOW_KINDS`` order)."""
    if not pairs:
        return {}
    srcs = ", ".join(str(a) for a in {a for a, _b in pairs})
    kinds = ", ".join(_lit(k) for k in VALUE_FLOW_KINDS)
    t = ctx.sql(
        f"SELECT src_id, dst_id, kind FROM cpg_edges WHERE repo = {_lit(repo)} "
        f"AND kind IN ({kinds}) AND src_id IN ({srcs})"
    ).to_arrow_table()
    rank = {k: i for i, k in enumerate(VALUE_FLOW_KINDS)}
    out: dict[tuple[int, int], str] = {}
    for a, b, k in zip(
        t.column(0).to_pylist(), t.column(1).to_pylist(), t.column(2).to_pylist(), strict=True
    ):
        if (a, b) in pairs and ((a, b) not in out or rank[k] < rank[out[(a, b)]]):
            out[(a, b)] = k
    return out


def _describe(ctx: Any, repo: str, nodes: Sequence[int]) -> dict[int, dict[str, Any]]:
    if not nodes:
        return {}
    idlist = ", ".join(str(int(n)) for n in set(nodes))
    t = ctx.sql(
        f"SELECT node_id, kind, name, path, start_line FROM cpg_nodes "
        f"WHERE repo = {_lit(repo)} AND node_id IN ({idlist})"
    ).to_arrow_table()
    return {r["node_id"]: r for r in t.to_pylist()}


class _Lines:
    """Source lines of the repository's files (``source`` folder), read once each."""

    def __init__(self, source: str | None) -> None:
        self.root = Path(source).resolve() if source else None
        self.cache: dict[str, list[str] | None] = {}

    def get(self, path: str | None, line: int | None) -> str | None:
        if self.root is None or path is None or line is None:
            return None
        if path not in self.cache:
            f = (self.root / path).resolve()
            try:
                ok = f.is_relative_to(self.root) and not (self.root / path).is_symlink()
                self.cache[path] = (
                    f.read_bytes().decode("utf-8", "replace").splitlines() if ok else None
                )
            except OSError:
                self.cache[path] = None
        lines = self.cache[path]
        if lines is None or not 1 <= line <= len(lines):
            return None
        return lines[line - 1].strip()


def find_flows(
    warehouse: str,
    source: str,
    target: str,
    repo: str | None = None,
    max_paths: int = DEFAULT_MAX_PATHS,
    max_depth: int = DEFAULT_MAX_DEPTH,
    source_dir: str | None = None,
) -> FlowResult:
    """Value-flow paths from the nodes ``source`` selects to those ``target`` selects
    (SPECs, see the module docstring). ``source_dir``: a checkout of the repository,
    for the code of each step's line (otherwise the node's name stands in)."""
    if not Path(warehouse).is_dir():
        raise FlowError(f"warehouse does not exist: {warehouse}")
    if max_paths < 1 or max_depth < 1:
        raise FlowError("--max-paths and the depth limit must be at least 1")
    if not {"cpg_nodes", "cpg_edges"} <= set(list_tables(warehouse)):
        raise FlowError(f"no CPG in warehouse {warehouse}")
    try:
        ctx = session(warehouse)
    except QueryError as exc:
        raise FlowError(str(exc)) from None
    repo = _repo(ctx, repo)
    srcs = _live(ctx, repo, select_nodes(ctx, repo, source, "from"))
    tgts = _live(ctx, repo, select_nodes(ctx, repo, target, "to"))
    s, d = load_flow_graph(ctx, repo)
    paths = shortest_paths(s, d, srcs, tgts, max_paths, max_depth)
    pairs = {(a, b) for p in paths for a, b in zip(p, p[1:], strict=False)}
    ekind = _edge_kinds(ctx, repo, pairs)
    info = _describe(ctx, repo, [n for p in paths for n in p])
    lines = _Lines(source_dir)
    out = FlowResult(repo, len(srcs), len(tgts))
    for p in paths:
        steps = []
        for i, n in enumerate(p):
            r = info.get(n, {})
            st = Step(
                n,
                r.get("kind"),
                r.get("name"),
                r.get("path"),
                r.get("start_line"),
                edge=ekind.get((p[i - 1], n)) if i else None,
            )
            st.code = lines.get(st.path, st.line) or st.name
            steps.append(st)
        out.paths.append(_squash(steps))
    return out


def _squash(steps: list[Step]) -> list[Step]:
    """Consecutive steps on the same line collapse to the last one (an expression's
    operands and its value are one line of the report), keeping the kind of the edge
    that entered the line; the first step stays."""
    out: list[Step] = []
    for st in steps:
        if len(out) >= 2 and (out[-1].path, out[-1].line) == (st.path, st.line):
            st.edge = out[-1].edge
            out[-1] = st
        else:
            out.append(st)
    return out


def format_flows(result: FlowResult, fmt: str = "table") -> str:
    if fmt == "json":
        import json

        return json.dumps(
            {
                "repo": result.repo,
                "sources": result.sources,
                "targets": result.targets,
                "paths": [
                    [
                        {
                            "node_id": s.node_id,
                            "kind": s.kind,
                            "name": s.name,
                            "path": s.path,
                            "line": s.line,
                            "code": s.code,
                            "edge": s.edge,
                        }
                        for s in p
                    ]
                    for p in result.paths
                ],
            }
        )
    out = [
        f"{len(result.paths)} path(s) in {result.repo} "
        f"({result.sources} source node(s), {result.targets} target node(s))"
    ]
    for i, p in enumerate(result.paths, 1):
        out.append(f"path {i} ({len(p)} steps)")
        for s in p:
            via = f"[{s.edge}] " if s.edge else ""
            out.append(f"  {s.location():<40} {via}{s.code or ''}")
    return "\n".join(out)


__all__ = [
    "DEFAULT_MAX_DEPTH",
    "DEFAULT_MAX_PATHS",
    "FlowError",
    "FlowResult",
    "Step",
    "find_flows",
    "format_flows",
    "load_flow_graph",
    "select_nodes",
    "shortest_paths",
    "pa",
]
