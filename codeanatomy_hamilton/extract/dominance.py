"""Dominators, post-dominators and control dependence of one body's CFG.

* DOMINATE: immediate dominators on the full CFG (exception edges included: handlers
  are reachable only through them), rooted at CFG_ENTRY, computed by rustworkx.
* POST_DOMINATE and CDG use the *reduced CFG*: the CFG without the may-raise edges
  that leave the body (``exception`` edges to CFG_EXIT from a node that has another
  successor), plus the virtual edges below. Otherwise
  every statement after a call would post-dominate nothing and be control dependent on
  the previous call; dropping them keeps the structured control dependences (if, loops,
  handlers inside the body, ``raise``) that readers expect. A node whose only way out is
  an exception (``raise``) keeps its edge.
* Only nodes reachable from CFG_ENTRY take part; unreachable nodes get no edges.
* Nodes that cannot reach CFG_EXIT (infinite loops) get the standard augmentation: a
  virtual edge to CFG_EXIT from the first such node in statement order (a loop header),
  repeated until every node reaches the exit. Virtual edges are never emitted as CFG.
* CDG from post-dominance frontiers, computed by the Cytron/Ferrante walk over each
  branch edge a -> b (mark b and its post-dominator ancestors up to ipdom(a) as
  dependent on a); this is exactly rustworkx.dominance_frontiers on the reversed graph
  (checked in the tests) and it gives the branch label directly: the label of the edge
  a -> b, or None when a node depends on a through edges with different labels.

Straight-line shapes (every node has at most one predecessor except the root's
successors merging at CFG_EXIT) are common: there the immediate dominator of a node
with one predecessor is that predecessor, and only multi-predecessor nodes need the
general algorithm, so graphs where at most the exit merges are solved without building
a rustworkx graph (identical results, see tests).
"""

from __future__ import annotations

import rustworkx as rx

from codeanatomy_hamilton.extract.cfg import ENTRY, EXC, EXIT, BodyCFG


def _reachable(succ: list[list[int]], root: int) -> list[bool]:
    seen = [False] * len(succ)
    seen[root] = True
    stack = [root]
    while stack:
        n = stack.pop()
        for m in succ[n]:
            if not seen[m]:
                seen[m] = True
                stack.append(m)
    return seen


def idoms(n: int, succ: list[list[int]], pred: list[list[int]], root: int) -> dict[int, int]:
    """Immediate dominator of every node reachable from ``root`` (root excluded).

    ``succ``/``pred`` are adjacency lists without duplicates. Uses the single-predecessor
    shortcut when at most one reachable node has several reachable predecessors and
    that node is a sink; rustworkx otherwise."""
    seen = _reachable(succ, root)
    merge = -1
    for v in range(n):
        if v == root or not seen[v]:
            continue
        ps = pred[v]
        if len(ps) > 1 and sum(1 for p in ps if seen[p]) > 1:
            if merge >= 0 or succ[v]:
                return _rx_idoms(n, succ, seen, root)
            merge = v
    out: dict[int, int] = {}
    for v in range(n):
        if v != root and v != merge and seen[v]:
            for p in pred[v]:
                if seen[p]:
                    out[v] = p
                    break
    if merge >= 0:
        # the merge node's idom: the nearest common ancestor of its predecessors in the
        # (tree-shaped) dominator tree of the other nodes
        ps = [p for p in pred[merge] if seen[p]]
        anc: list[int] = []
        x = ps[0]
        while True:
            anc.append(x)
            if x == root:
                break
            x = out[x]
        depth = {a: i for i, a in enumerate(anc)}
        best = 0
        for p in ps[1:]:
            x = p
            while x not in depth:
                x = out[x]
            best = max(best, depth[x])
        out[merge] = anc[best]
    return out


def _rx_idoms(n: int, succ: list[list[int]], seen: list[bool], root: int) -> dict[int, int]:
    g = rx.PyDiGraph(multigraph=False)
    g.add_nodes_from(range(n))
    g.add_edges_from_no_data([(a, b) for a in range(n) if seen[a] for b in succ[a] if seen[b]])
    res = rx.immediate_dominators(g, root)
    return {v: d for v, d in res.items() if v != root and seen[v]}


def _sink_representatives(stuck: list[int], psucc: list[list[int]]) -> list[int]:
    """One node per terminal strongly connected component among the nodes that cannot
    reach the exit (an infinite loop): its lowest index, the loop header (headers are
    numbered before their bodies). Every stuck node reaches one of these."""
    g = rx.PyDiGraph()
    g.add_nodes_from(stuck)
    pos = {v: i for i, v in enumerate(stuck)}
    g.add_edges_from_no_data([(pos[v], pos[w]) for v in stuck for w in psucc[v] if w in pos])
    out = []
    for comp in rx.strongly_connected_components(g):
        members = set(comp)
        if all(w in members for c in comp for w in g.successor_indices(c)):
            if len(comp) > 1 or g.has_edge(comp[0], comp[0]):
                out.append(min(stuck[c] for c in comp))
            else:
                out.append(stuck[comp[0]])  # a dead end (no successor at all)
    return sorted(out)


def analyse(
    cfg: BodyCFG,
) -> tuple[dict[int, int], dict[int, int], list[tuple[int, int, str | None]]]:
    """(idom, ipdom, cdg) of a body: node -> immediate (post-)dominator, and control
    dependence edges (controller, dependent, label), over local indices."""
    n = len(cfg.nodes)
    succ: list[list[int]] = [[] for _ in range(n)]
    pred: list[list[int]] = [[] for _ in range(n)]
    for a, b, _label in cfg.edges:
        if b not in succ[a]:
            succ[a].append(b)
            pred[b].append(a)
    idom = idoms(n, succ, pred, ENTRY)
    fwd = _reachable(succ, ENTRY)

    # the post-dominance graph: reachable nodes, minus may-raise exits
    psucc: list[list[int]] = [[] for _ in range(n)]
    plabels: dict[tuple[int, int], set[str | None]] = {}
    for a, b, label in cfg.edges:
        if not (fwd[a] and fwd[b]):
            continue
        if b == EXIT and label == EXC and len(succ[a]) > 1:
            continue
        plabels.setdefault((a, b), set()).add(label)
        if b not in psucc[a]:
            psucc[a].append(b)
    ppred: list[list[int]] = [[] for _ in range(n)]
    for a in range(n):
        for b in psucc[a]:
            ppred[b].append(a)
    # augmentation: every reachable node must reach the exit
    back = _reachable(ppred, EXIT)
    stuck = [v for v in range(n) if fwd[v] and not back[v]]
    if stuck:
        for v in _sink_representatives(stuck, psucc):
            psucc[v].append(EXIT)
            ppred[EXIT].append(v)
    ipdom = idoms(n, ppred, psucc, EXIT)
    # only nodes reachable from the entry post-dominate / are post-dominated
    ipdom = {v: d for v, d in ipdom.items() if fwd[v]}

    cdg: dict[tuple[int, int], set[str | None]] = {}
    for a in range(n):
        if len(psucc[a]) < 2:
            continue
        stop = ipdom.get(a)
        for b in psucc[a]:
            labels = plabels.get((a, b), {None})
            x = b
            while x != stop and x != EXIT:
                cdg.setdefault((a, x), set()).update(labels)
                x = ipdom.get(x, EXIT)
    edges = [(a, x, next(iter(ls)) if len(ls) == 1 else None) for (a, x), ls in cdg.items()]
    return idom, ipdom, edges
