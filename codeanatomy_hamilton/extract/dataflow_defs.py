"""Definitions and uses per CFG node, and flow-sensitive reaching definitions.

Each CFG node gets its name events in CPython's evaluation order (value before
targets, ``x += v`` = use x, v, def x, walrus value before target, dict key before
value...), so a use sees the defs made earlier in the same statement. Events:

* USE: a ``Name`` load, the target of an augmented assignment, a ``del`` target;
* DEF: ``Name`` stores (assignment / for / with / walrus targets), ``arg`` (parameters,
  defined at CFG_ENTRY), import ``alias``, ``FunctionDef``/``ClassDef`` (their name),
  ``ExceptHandler`` (``as`` name), ``MatchAs``/``MatchStar``/``MatchMapping`` (captures);
* DEL: ``del x`` kills every def of x.

A DEF inside a conditionally evaluated part of the node (``a if c else (x := 1)``, the
right of ``and``/``or``, an ``assert`` message, a comprehension) may not happen: it
generates but does not kill.

Scopes: only the body's own local variables take part (symtable via ``scopes.py``:
function and class bodies: local or cell names; module body: names bound at module
level). Nested defs, lambdas and classes are their own bodies: their uses of this
body's variables are free variables and get no REACHING_DEF from here, and a
``nonlocal`` rebinding inside them is not a def here. Comprehensions run at once in
place, so their uses of the enclosing function's or module's variables are uses at the
statement that contains them; their own iteration variables are comprehension-local:
each target binding reaches the uses of its names in the later parts of the same
comprehension (the conditions of its clause, the later clauses, the element), nested
comprehensions included unless they rebind the name (COMP events, outside the CFG
dataflow). A comprehension walrus target is a (conditional) def of the enclosing body.
In a class body, comprehensions cannot see class variables: only their first iterable
is a use there.

PEP 695: a generic def's annotations and a generic class's bases and keywords run (at
the statement) in the type-parameters scope, where the type parameters are bound: uses
of those names there are not uses of this body's variables. Bounds, constraints and
defaults of type parameters and the value of a ``type X = v`` statement are evaluated
lazily (on first access), so they are no uses at the statement: ``type X = v`` is
just a def of X.
"""

from __future__ import annotations

import ast
from typing import Any

from codeanatomy_hamilton.extract.cfg import ENTRY, EXC, BodyCFG

USE = 0
DEF = 1
DEL = 2
# a comprehension's own variable reaching a use inside it: (COMP, name, (def, use),
# False), decided when the comprehension is walked (it runs at once, in place)
COMP = 3

Event = tuple[int, str, Any, bool]  # (kind, name, AST node, conditional)

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


_COMPS = (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)
# fields holding no expressions we care about
_SKIP = frozenset(("ctx", "op", "ops", "id", "attr", "kind", "conversion", "type_comment"))
_FIELDS: dict[type, tuple[str, ...]] = {}


class _All:
    """A set containing every name: inside a comprehension of a class body nothing
    refers to the class scope."""

    def __contains__(self, item: object) -> bool:
        return True


_ALL: Any = _All()


def _fields(cls: type) -> tuple[str, ...]:
    f = _FIELDS.get(cls)
    if f is None:
        f = _FIELDS[cls] = tuple(x for x in cls._fields if x not in _SKIP)
    return f


def _type_param_names(n: Any) -> set[str] | None:
    """Names a generic def's/class's type parameters bind (None: not generic)."""
    if not n.type_params:
        return None
    return {p.name for p in n.type_params}


def _targets(e: Any, out: set[str]) -> None:
    """Names bound by a comprehension target."""
    t = type(e)
    if t is ast.Name:
        out.add(e.id)
    elif t is ast.Tuple or t is ast.List:
        for x in e.elts:
            _targets(x, out)
    elif t is ast.Starred:
        _targets(e.value, out)


def _comp_uses(e: Any, cur: dict[str, list[Any]], out: list[Event]) -> None:
    """COMP events for the loads in ``e`` of the comprehension variables ``cur``."""
    stack = [e]
    while stack:
        x = stack.pop()
        t = type(x)
        if t is ast.Name:
            if type(x.ctx) is ast.Load:
                for d in cur.get(x.id, ()):
                    out.append((COMP, x.id, (d, x), False))
        elif t in _COMPS:
            _comp_links(x, cur, out)
        elif t is ast.Lambda or not isinstance(x, ast.AST):
            continue  # a lambda's body is its own scope
        else:
            for f in _fields(t):
                v = getattr(x, f)
                if type(v) is list:
                    stack.extend(y for y in v if isinstance(y, ast.AST))
                elif isinstance(v, ast.AST):
                    stack.append(v)


def _comp_links(e: Any, outer: dict[str, list[Any]], out: list[Event]) -> None:
    """COMP events of comprehension ``e`` whose enclosing comprehensions bind ``outer``
    (the first iterable runs outside it: it sees ``outer`` only)."""
    cur = dict(outer)
    for i, g in enumerate(e.generators):
        _comp_uses(g.iter, outer if i == 0 else cur, out)
        names: list[Any] = []
        _target_names(g.target, names)
        for n in names:
            cur[n.id] = [n]
        for c in g.ifs:
            _comp_uses(c, cur, out)
    if type(e) is ast.DictComp:
        _comp_uses(e.key, cur, out)
        _comp_uses(e.value, cur, out)
    else:
        _comp_uses(e.elt, cur, out)


def _target_names(e: Any, out: list[Any]) -> None:
    """Name nodes bound by a comprehension target."""
    t = type(e)
    if t is ast.Name:
        out.append(e)
    elif t is ast.Tuple or t is ast.List:
        for x in e.elts:
            _target_names(x, out)
    elif t is ast.Starred:
        _target_names(e.value, out)


class EventCollector:
    """Walks the expressions of CFG nodes; collects name events and nested scopes."""

    def __init__(self, owner: Any, future_annotations: bool, nested: list[Any]) -> None:
        self.owner = owner
        self.is_class = type(owner) is ast.ClassDef
        self.module_or_class = self.is_class or type(owner) is ast.Module
        self.future = future_annotations
        self.nested = nested  # scopes found here (defs, classes, lambdas) to do next
        self.out: list[Event] = []

    # -- expressions ---------------------------------------------------------
    def expr(self, e: Any, cond: bool, bound: Any) -> None:
        t = type(e)
        if t is ast.Name:
            if bound is not None and e.id in bound:
                return
            c = type(e.ctx)
            if c is ast.Load:
                self.out.append((USE, e.id, e, cond))
            elif c is ast.Store:
                self.out.append((DEF, e.id, e, cond))
            else:
                self.out.append((USE, e.id, e, cond))
                self.out.append((DEL, e.id, e, cond))
            return
        if t is ast.Constant:
            return
        if t is ast.Attribute:
            self.expr(e.value, cond, bound)
            return
        if t is ast.Call:
            self.expr(e.func, cond, bound)
            for a in e.args:
                self.expr(a, cond, bound)
            for k in e.keywords:
                self.expr(k.value, cond, bound)
            return
        if t is ast.NamedExpr:
            self.expr(e.value, cond, bound)
            tgt = e.target
            # a walrus in a comprehension binds in the enclosing body, maybe never
            self.out.append((DEF, tgt.id, tgt, cond or bound is not None))
            return
        if t is ast.BoolOp:
            vals = e.values
            self.expr(vals[0], cond, bound)
            for v in vals[1:]:
                self.expr(v, True, bound)
            return
        if t is ast.IfExp:
            self.expr(e.test, cond, bound)
            self.expr(e.body, True, bound)
            self.expr(e.orelse, True, bound)
            return
        if t is ast.Dict:
            for k, v in zip(e.keys, e.values, strict=True):
                if k is not None:
                    self.expr(k, cond, bound)
                self.expr(v, cond, bound)
            return
        if t in _COMPS:
            self.comprehension(e, cond, bound)
            return
        if t is ast.Lambda:
            self.defaults(e.args, cond, bound, annotations=False)
            self.nested.append(e)
            return
        for f in _fields(t):
            v = getattr(e, f)
            if type(v) is list:
                for x in v:
                    if isinstance(x, ast.AST):
                        self.expr(x, cond, bound)
            elif v is not None and isinstance(v, ast.AST):
                self.expr(v, cond, bound)

    def comprehension(self, e: Any, cond: bool, bound: Any) -> None:
        if bound is None:  # the outermost comprehension links all nested ones
            _comp_links(e, {}, self.out)
        gens = e.generators
        # the first iterable is evaluated in the enclosing scope, before anything else
        self.expr(gens[0].iter, cond, bound)
        if self.is_class:
            inner: Any = _ALL
        else:
            names: set[str] = set()
            for g in gens:
                _targets(g.target, names)
            inner = names if bound is None else (names | bound)
        for i, g in enumerate(gens):
            if i:
                self.expr(g.iter, True, inner)
            self.expr(g.target, True, inner)
            for c in g.ifs:
                self.expr(c, True, inner)
        if type(e) is ast.DictComp:
            self.expr(e.key, True, inner)
            self.expr(e.value, True, inner)
        else:
            self.expr(e.elt, True, inner)

    def defaults(
        self, a: ast.arguments, cond: bool, bound: Any, annotations: bool, tparams: Any = None
    ) -> None:
        for d in a.defaults:
            self.expr(d, cond, bound)
        for d in a.kw_defaults:
            if d is not None:
                self.expr(d, cond, bound)
        if annotations and not self.future:
            for arg in (*a.posonlyargs, *a.args, a.vararg, *a.kwonlyargs, a.kwarg):
                if arg is not None and arg.annotation is not None:
                    self.expr(arg.annotation, cond, tparams)

    def pattern(self, p: Any) -> None:
        t = type(p)
        if t is ast.MatchAs:
            if p.pattern is not None:
                self.pattern(p.pattern)
            if p.name is not None:
                self.out.append((DEF, p.name, p, False))
        elif t is ast.MatchStar:
            if p.name is not None:
                self.out.append((DEF, p.name, p, False))
        elif t is ast.MatchValue:
            self.expr(p.value, False, None)
        elif t is ast.MatchSequence:
            for q in p.patterns:
                self.pattern(q)
        elif t is ast.MatchMapping:
            for k in p.keys:
                self.expr(k, False, None)
            for q in p.patterns:
                self.pattern(q)
            if p.rest is not None:
                self.out.append((DEF, p.rest, p, False))
        elif t is ast.MatchClass:
            self.expr(p.cls, False, None)
            for q in p.patterns:
                self.pattern(q)
            for q in p.kwd_patterns:
                self.pattern(q)
        elif t is ast.MatchOr:
            # one alternative matches; every alternative binds the same names
            start = len(self.out)
            for q in p.patterns:
                self.pattern(q)
            out = self.out
            for i in range(start, len(out)):
                k, n, node, _ = out[i]
                if k == DEF:
                    out[i] = (k, n, node, True)

    # -- CFG nodes -----------------------------------------------------------
    def node(self, n: Any) -> list[Event]:
        """The events of one CFG node (compound statements: their header only)."""
        self.out = []
        t = type(n)
        ex = self.expr
        if t is ast.Expr or t is ast.Return:
            if n.value is not None:
                ex(n.value, False, None)
        elif t is ast.Assign:
            ex(n.value, False, None)
            for tg in n.targets:
                ex(tg, False, None)
        elif t is ast.AugAssign:
            tg = n.target
            if type(tg) is ast.Name:
                self.out.append((USE, tg.id, tg, False))
                ex(n.value, False, None)
                self.out.append((DEF, tg.id, tg, False))
            else:
                ex(tg, False, None)
                ex(n.value, False, None)
        elif t is ast.AnnAssign:
            if n.value is not None:
                ex(n.value, False, None)
            if self.module_or_class and not self.future:
                ex(n.annotation, False, None)
            tg = n.target
            if type(tg) is ast.Name:
                if n.value is not None:
                    self.out.append((DEF, tg.id, tg, False))
            else:
                ex(tg, False, None)
        elif t is ast.If or t is ast.While:
            ex(n.test, False, None)
        elif t is ast.For or t is ast.AsyncFor:
            ex(n.target, False, None)  # the iterable is its own CFG node
        elif t is ast.With or t is ast.AsyncWith:
            for item in n.items:
                ex(item.context_expr, False, None)
                if item.optional_vars is not None:
                    ex(item.optional_vars, False, None)
        elif t is ast.FunctionDef or t is ast.AsyncFunctionDef:
            for d in n.decorator_list:
                ex(d, False, None)
            tp = _type_param_names(n)
            self.defaults(n.args, False, None, annotations=True, tparams=tp)
            if n.returns is not None and not self.future:
                ex(n.returns, False, tp)
            self.out.append((DEF, n.name, n, False))
            self.nested.append(n)
        elif t is ast.ClassDef:
            for d in n.decorator_list:
                ex(d, False, None)
            tp = _type_param_names(n)
            for b in n.bases:
                ex(b, False, tp)
            for k in n.keywords:
                ex(k.value, False, tp)
            self.out.append((DEF, n.name, n, False))
            self.nested.append(n)
        elif t is ast.TypeAlias:
            self.out.append((DEF, n.name.id, n.name, False))
        elif t is ast.Import or t is ast.ImportFrom:
            for a in n.names:
                if a.asname is not None:
                    self.out.append((DEF, a.asname, a, False))
                elif a.name != "*":
                    self.out.append((DEF, a.name.partition(".")[0], a, False))
        elif t is ast.ExceptHandler:
            if n.type is not None:
                ex(n.type, False, None)
            if n.name is not None:
                self.out.append((DEF, n.name, n, False))
        elif t is ast.Match:
            ex(n.subject, False, None)
        elif t is ast.match_case:
            self.pattern(n.pattern)
            if n.guard is not None:
                ex(n.guard, False, None)
        elif t is ast.Assert:
            ex(n.test, False, None)
            if n.msg is not None:
                ex(n.msg, True, None)
        elif t is ast.Try or t is ast.TryStar:
            pass
        elif isinstance(n, ast.AST):
            # Delete, Raise, Global/Nonlocal/Pass/..., a for-iterable or lambda body
            ex(n, False, None)
        return self.out


def parameters(owner: Any) -> list[Event]:
    """DEF events of a def's or lambda's parameters (made at CFG_ENTRY)."""
    if type(owner) not in (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda):
        return []
    a = owner.args
    out: list[Event] = []
    for arg in (*a.posonlyargs, *a.args, a.vararg, *a.kwonlyargs, a.kwarg):
        if arg is not None:
            out.append((DEF, arg.arg, arg, False))
    return out


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
