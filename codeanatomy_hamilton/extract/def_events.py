"""Definitions and uses per CFG node: the events reaching definitions are computed from
(``dataflow_defs.py``).

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

Scopes: only the body's own local variables take part (symtable via ``scope_model.py``:
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

USE = 0
DEF = 1
DEL = 2
# a comprehension's own variable reaching a use inside it: (COMP, name, (def, use),
# False), decided when the comprehension is walked (it runs at once, in place)
COMP = 3

Event = tuple[int, str, Any, bool]  # (kind, name, AST node, conditional)

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
