"""Flow-sensitive reaching definitions over a body's CFG, from the name events of each
CFG node (``def_events.py`` says which events a construct makes and in which order).
"""

from __future__ import annotations

import ast
from typing import Any

from codeanatomy_hamilton.extract.cfg import ENTRY, EXC, BodyCFG
from codeanatomy_hamilton.extract.def_events import COMP, DEF, DEL, USE, Event

# nodes x defs of a body above which reaching definitions use sparse sets (see
# ``reaching_defs``): 2**24 bits is 2 MB per node array of bit sets
DENSE_LIMIT = 1 << 24
# sparse sets hold the reaching relation itself, which can be quadratic for real:
# ``if c: x = 1`` n times makes every def reach every later node (n**2 / 2 pairs),
# and a use after each makes as many edges. Past this many set entries (~30 bytes
# each) or result edges, the body's REACHING_DEF edges are left out and the file
# gets one ``too_large`` row (``ReachingDefsTooLarge``).
SPARSE_BUDGET = 10_000_000


class ReachingDefsTooLarge(Exception):
    """The reaching relation of one body is over ``SPARSE_BUDGET``."""


def reaching_defs(
    cfg: BodyCFG, events: list[list[Event]], is_local: Any
) -> list[tuple[Any, Any, str]]:
    """(def node, use node, variable) for every def that reaches a use of a local.

    Bit-vector dataflow: one bit per def site (Python ints as bit sets), gen/kill per
    CFG node, iterated in reverse post-order to a fixpoint. An ``exception`` edge (and a
    ``false`` edge out of a ``for`` or a ``case``) carries IN | GEN of its source: the
    node may stop before finishing its bindings, and a may-analysis keeps both. Edges
    leaving an ``except ... as e`` body kill e (CPython deletes it there).

    A bit set costs one bit per def of the body whatever few defs it holds, so the
    sets of all nodes take nodes x defs bits: 120,000 lines of ``x = 1`` would need
    gigabytes. Past ``DENSE_LIMIT`` (nodes x defs) the same analysis runs on sparse
    sets (:func:`_reaching_defs_sparse`), whose memory is the size of the reaching
    relation itself (one def per node for straight-line code)."""
    n = len(cfg.nodes)
    result: list[tuple[Any, Any, str]] = []
    if any(ev[0] == COMP for evs in events for ev in evs):
        for i, evs in enumerate(events):
            comp = [ev for ev in evs if ev[0] == COMP]
            if comp:
                result.extend((d, u, name) for _k, name, (d, u), _c in comp)
                events[i] = [ev for ev in evs if ev[0] != COMP]
    if n * sum(1 for evs in events for e in evs if e[0] == DEF) > DENSE_LIMIT:
        # a comprehension's own pairs (above) come first, as on the dense path
        return result + _reaching_defs_sparse(cfg, events, is_local)
    # number the defs of local variables; filter events to locals
    var_mask: dict[str, int] = {}
    def_nodes: list[Any] = []
    local_events: list[list[tuple[int, str, Any, bool, int]]] = []
    local_cache: dict[str, bool] = {}
    # per node: the local defs an exception from the node may follow (all but the
    # trailing ones: nothing after the final stores of a statement can raise; an
    # import raises per alias)
    exposed: list[int] = []
    for evs in events:
        le = []
        last_nondef = -1
        if evs:
            for j in range(len(evs) - 1, -1, -1):
                if evs[j][0] != DEF:
                    last_nondef = j
                    break
            if evs[-1][0] == DEF and type(evs[-1][2]) is ast.alias:
                last_nondef = len(evs) - 2  # import a, b: binding a precedes importing b
        x = 0
        for j, (kind, name, node, cond) in enumerate(evs):
            loc = local_cache.get(name)
            if loc is None:
                loc = local_cache[name] = bool(is_local(name))
            if not loc:
                continue
            bit = 0
            if kind == DEF:
                bit = 1 << len(def_nodes)
                def_nodes.append(node)
                var_mask[name] = var_mask.get(name, 0) | bit
                if j < last_nondef:
                    x |= bit
            le.append((kind, name, node, cond, bit))
        local_events.append(le)
        exposed.append(x)
    if not def_nodes:
        return result
    gen = [0] * n
    kill = [0] * n
    xgen = [0] * n
    nodes = cfg.nodes
    for i, le in enumerate(local_events):
        g = k = 0
        for kind, name, _node, cond, bit in le:
            if kind == DEF:
                if cond:
                    g |= bit
                else:
                    m = var_mask[name]
                    g = (g & ~m) | bit
                    k |= m
            elif kind == DEL:
                m = var_mask.get(name, 0)
                g &= ~m
                k |= m
        gen[i] = g
        kill[i] = k
        xgen[i] = g & exposed[i]

    # incoming edges: (pred, partial?, kill mask)
    span_kill: list[tuple[int, int, int]] = []
    for h, lo, hi in cfg.handler_spans:
        m = var_mask.get(h.name, 0)
        if m:
            span_kill.append((lo, hi, m))
    # how an edge carries facts: 0 = OUT; 1 = IN | xgen (the source raised);
    # 2 = IN | gen (a failed case may have bound names); 3 = OUT | IN | gen (both)
    preds: list[list[tuple[int, int, int]]] = [[] for _ in range(n)]
    succ: list[list[int]] = [[] for _ in range(n)]
    completed = cfg.completed
    for a, b, label in cfg.edges:
        if label == EXC:
            partial = 3 if (a, b) in completed else 1
        elif label == "false" and type(nodes[a]) is ast.match_case:
            partial = 2
        elif label == "false" and type(nodes[a]) in (ast.For, ast.AsyncFor):
            partial = 1
        else:
            partial = 0
        ek = 0
        for lo, hi, m in span_kill:
            if lo <= a < hi and not lo <= b < hi:
                ek |= m
        preds[b].append((a, partial, ek))
        succ[a].append(b)

    # reverse post-order from the entry (unreachable nodes keep IN = 0)
    order: list[int] = []
    seen = [False] * n
    seen[ENTRY] = True
    stack: list[tuple[int, int]] = [(ENTRY, 0)]
    while stack:
        v, i = stack[-1]
        s = succ[v]
        if i < len(s):
            stack[-1] = (v, i + 1)
            w = s[i]
            if not seen[w]:
                seen[w] = True
                stack.append((w, 0))
        else:
            stack.pop()
            order.append(v)
    order.reverse()

    IN = [0] * n
    OUT = [0] * n
    OUT[ENTRY] = gen[ENTRY]
    changed = True
    while changed:
        changed = False
        for v in order:
            x = 0
            for p, partial, ek in preds[v]:
                if partial == 0:
                    y = OUT[p]
                elif partial == 1:
                    y = IN[p] | xgen[p]
                elif partial == 2:
                    y = IN[p] | gen[p]
                else:
                    y = OUT[p] | IN[p] | gen[p]
                x |= y & ~ek if ek else y
            if v == ENTRY:
                x = 0
            o = (x & ~kill[v]) | gen[v]
            if x != IN[v] or o != OUT[v]:
                IN[v] = x
                OUT[v] = o
                changed = True

    for v in order:
        le = local_events[v]
        if not le:
            continue
        state = IN[v]
        for kind, name, node, cond, bit in le:
            if kind == DEF:
                state = state | bit if cond else (state & ~var_mask[name]) | bit
                continue
            m = var_mask.get(name, 0)
            if kind == USE:
                r = state & m
                while r:
                    low = r & -r
                    result.append((def_nodes[low.bit_length() - 1], node, name))
                    r ^= low
            else:
                state &= ~m
    return result


def _reaching_defs_sparse(
    cfg: BodyCFG, events: list[list[Event]], is_local: Any
) -> list[tuple[Any, Any, str]]:
    """:func:`reaching_defs` with each set a frozenset of def numbers (a variable's
    defs are found through ``def_var``) instead of a bit set: the same equations, the
    same result in the same order, memory linear in the sets' actual sizes."""
    n = len(cfg.nodes)
    empty: frozenset[int] = frozenset()
    def_nodes: list[Any] = []
    def_var: list[str] = []
    local_events: list[list[tuple[int, str, Any, bool, int]]] = []
    local_cache: dict[str, bool] = {}
    exposed: list[frozenset[int]] = []
    for evs in events:
        le = []
        last_nondef = -1
        if evs:
            for j in range(len(evs) - 1, -1, -1):
                if evs[j][0] != DEF:
                    last_nondef = j
                    break
            if evs[-1][0] == DEF and type(evs[-1][2]) is ast.alias:
                last_nondef = len(evs) - 2
        x: list[int] = []
        for j, (kind, name, node, cond) in enumerate(evs):
            loc = local_cache.get(name)
            if loc is None:
                loc = local_cache[name] = bool(is_local(name))
            if not loc:
                continue
            d = -1
            if kind == DEF:
                d = len(def_nodes)
                def_nodes.append(node)
                def_var.append(name)
                if j < last_nondef:
                    x.append(d)
            le.append((kind, name, node, cond, d))
        local_events.append(le)
        exposed.append(frozenset(x) if x else empty)
    if not def_nodes:
        return []
    has_defs = set(def_var)

    def without(state: frozenset[int], names: frozenset[str] | set[str]) -> frozenset[int]:
        if not names or not state:
            return state
        return frozenset(d for d in state if def_var[d] not in names)

    gen: list[frozenset[int]] = [empty] * n
    kill: list[frozenset[str]] = [frozenset()] * n
    xgen: list[frozenset[int]] = [empty] * n
    nodes = cfg.nodes
    for i, le in enumerate(local_events):
        if not le:
            continue
        g: set[int] = set()
        k: set[str] = set()
        for kind, name, _node, cond, d in le:
            if kind == DEF:
                if not cond:
                    g = {e for e in g if def_var[e] != name}
                    k.add(name)
                g.add(d)
            elif kind == DEL and name in has_defs:
                g = {e for e in g if def_var[e] != name}
                k.add(name)
        gen[i] = frozenset(g) if g else empty
        kill[i] = frozenset(k)
        xgen[i] = gen[i] & exposed[i] if exposed[i] else empty

    span_kill: list[tuple[int, int, str]] = [
        (lo, hi, h.name) for h, lo, hi in cfg.handler_spans if h.name in has_defs
    ]
    preds: list[list[tuple[int, int, frozenset[str]]]] = [[] for _ in range(n)]
    succ: list[list[int]] = [[] for _ in range(n)]
    completed = cfg.completed
    for a, b, label in cfg.edges:
        if label == EXC:
            partial = 3 if (a, b) in completed else 1
        elif label == "false" and type(nodes[a]) is ast.match_case:
            partial = 2
        elif label == "false" and type(nodes[a]) in (ast.For, ast.AsyncFor):
            partial = 1
        else:
            partial = 0
        ek = frozenset(name for lo, hi, name in span_kill if lo <= a < hi and not lo <= b < hi)
        preds[b].append((a, partial, ek))
        succ[a].append(b)

    order: list[int] = []
    seen = [False] * n
    seen[ENTRY] = True
    stack: list[tuple[int, int]] = [(ENTRY, 0)]
    while stack:
        v, i = stack[-1]
        s = succ[v]
        if i < len(s):
            stack[-1] = (v, i + 1)
            w = s[i]
            if not seen[w]:
                seen[w] = True
                stack.append((w, 0))
        else:
            stack.pop()
            order.append(v)
    order.reverse()

    IN: list[frozenset[int]] = [empty] * n
    OUT: list[frozenset[int]] = [empty] * n
    OUT[ENTRY] = gen[ENTRY]
    held = len(OUT[ENTRY])
    changed = True
    while changed:
        changed = False
        for v in order:
            acc: frozenset[int] = empty
            for p, partial, ek in preds[v]:
                if partial == 0:
                    y = OUT[p]
                elif partial == 1:
                    y = IN[p] | xgen[p]
                elif partial == 2:
                    y = IN[p] | gen[p]
                else:
                    y = OUT[p] | IN[p] | gen[p]
                y = without(y, ek)
                acc = y if not acc else (acc if y <= acc else acc | y)
            if v == ENTRY:
                acc = empty
            o = without(acc, kill[v]) | gen[v] if gen[v] else without(acc, kill[v])
            if acc != IN[v] or o != OUT[v]:
                # a node that binds nothing passes its predecessor's set on as is:
                # a straight-line chain holds one small set per def, not per node
                held += len(acc) + len(o) - len(IN[v]) - len(OUT[v])
                if held > SPARSE_BUDGET:
                    raise ReachingDefsTooLarge(
                        f"reaching definitions of one body hold over {SPARSE_BUDGET:,} "
                        "pairs; its REACHING_DEF edges are left out"
                    )
                IN[v] = acc
                OUT[v] = o
                changed = True

    result: list[tuple[Any, Any, str]] = []
    for v in order:
        le = local_events[v]
        if not le:
            continue
        state = set(IN[v])
        for kind, name, node, cond, d in le:
            if kind == DEF:
                if not cond:
                    state = {e for e in state if def_var[e] != name}
                state.add(d)
                continue
            if kind == USE:
                for e in sorted(e for e in state if def_var[e] == name):
                    result.append((def_nodes[e], node, name))
                if len(result) > SPARSE_BUDGET:
                    raise ReachingDefsTooLarge(
                        f"one body has over {SPARSE_BUDGET:,} REACHING_DEF edges; they are left out"
                    )
            elif name in has_defs:
                state = {e for e in state if def_var[e] != name}
    return result
