"""Control flow graphs of one body: a module, a def / async def / lambda, or a class body.

Nodes are the existing AST nodes (no copies): every statement is a node, and a
compound statement's own node stands for its header (``if``/``while`` test, ``with``
items, ``try:``). Finer nodes where they make the flow precise: ``for`` is two nodes,
the ``iter`` expression (evaluated once) and the ``For`` node (fetch the next item and
bind the target); each ``except`` clause is its ``ExceptHandler`` node (type test and
``as`` binding); each ``case`` its ``match_case`` node (pattern and guard); a lambda's
body expression is the one node of the lambda. Index 0 is CFG_ENTRY, 1 is CFG_EXIT.

Edge labels: ``true``/``false`` on if/while/for/case branches (``true`` = enter the
body / next item / case matched), ``exception`` on edges taken when a node raises, None
otherwise. A may-raise node gets ``exception`` edges to every ``ExceptHandler`` of the
innermost enclosing ``try`` (a typed handler whose test fails passes the exception to
the next clause, the last one onward; its type expression may raise onward too), else
to the first statement of the innermost ``finally``, else to CFG_EXIT.

``finally`` is modelled once, not duplicated (CPG nodes are real AST nodes): every way
into it (normal completion, exception, return, break, continue) enters its first
statement, and its last statement(s) leave towards each continuation that actually
entered it (the next statement, the enclosing handler / finally / exit with label
``exception``, the return path, the loop exit or loop head). Paths that enter by one
continuation and leave by another are therefore in the graph but infeasible; the
reaching-definitions pass accepts that (it over-approximates, never misses a def).

A ``with`` body's normal ends and the break/continue/return leaving it run ``__exit__``,
which may raise: they get ``exception`` edges (in BodyCFG.completed) to the enclosing
handler target.

An exception raised in a ``with`` body reaches ``__exit__``, which may suppress it
(``contextlib.suppress``, ``pytest.raises``, ``self.assertRaises``, any ``__exit__``
returning a true value): the raising node gets an ``exception`` edge to the statement
after the ``with`` as well as to the enclosing handler target. Only ``with open(...)``
(the built-in file object's ``__exit__`` returns None) is known not to suppress.

Not modelled: ``while`` tests other than literal constants being
always true (``while True:``/``while 1:`` have no ``false`` edge and their ``else`` is
unreachable), generator ``close()``/``throw()`` beyond ``yield`` being a may-raise node.
"""

from __future__ import annotations

import ast
from typing import Any

ENTRY = 0
EXIT = 1
EXC = "exception"

_DEF_TYPES = (ast.FunctionDef, ast.AsyncFunctionDef)
# statements that never raise whatever their operands (the rest may, see _can_raise);
# ``type X[T] = v`` only creates the alias (and its type variables): the value, bounds
# and defaults are evaluated lazily, on first access
_NEVER_RAISE = (ast.Pass, ast.Break, ast.Continue, ast.Global, ast.Nonlocal, ast.TypeAlias)


class BodyCFG:
    """The control flow graph of one body, over local node indices."""

    __slots__ = ("owner", "nodes", "edges", "index", "handler_spans", "completed")

    def __init__(self, owner: Any) -> None:
        self.owner = owner
        # local index -> AST node; ENTRY and EXIT have none
        self.nodes: list[Any] = [None, None]
        # (src, dst, label) in insertion order; a dict removes duplicates cheaply
        self.edges: dict[tuple[int, int, str | None], None] = {}
        self.index: dict[int, int] = {}  # id(ast node) -> local index
        # (ExceptHandler node, lo, hi): local indices [lo, hi) are the handler's body;
        # edges leaving that range unbind the ``as`` name (CPython deletes it)
        self.handler_spans: list[tuple[Any, int, int]] = []
        # ``exception`` edges taken after the source completed normally (the end of a
        # finally entered by an exception re-raises): dataflow carries OUT on them
        self.completed: set[tuple[int, int]] = set()


class _Loop:
    __slots__ = ("head", "breaks")

    def __init__(self, head: int) -> None:
        self.head = head
        self.breaks: list[tuple[int, str | None]] = []


class _With:
    __slots__ = ("depth",)

    def __init__(self, depth: int) -> None:
        # len(exc) at the with statement: where an exception of __exit__ goes
        self.depth = depth


class _Suppress:
    """On the handler stack inside a ``with`` body whose ``__exit__`` may suppress:
    exceptions raised there also continue after the ``with`` (``preds``)."""

    __slots__ = ("preds",)

    def __init__(self) -> None:
        self.preds: dict[int, None] = {}


def _may_suppress(s: ast.With | ast.AsyncWith) -> bool:
    """Whether some item's ``__exit__`` may return a true value: all but ``open()``."""
    for item in s.items:
        e = item.context_expr
        if not (type(e) is ast.Call and type(e.func) is ast.Name and e.func.id == "open"):
            return True
    return False


class _Finally:
    __slots__ = ("entry", "kinds")

    def __init__(self, entry: int) -> None:
        self.entry = entry
        # continuations that entered the finally other than normal completion
        self.kinds: set[str] = set()


Frontier = list[tuple[int, "str | None"]]


def _safe_expr(e: Any) -> bool:
    """Expressions whose evaluation cannot raise: literals only (a Name load may raise
    NameError/UnboundLocalError, everything else may call user code)."""
    return e is None or type(e) is ast.Constant


def can_raise(s: Any, in_function: bool = True) -> bool:
    """Whether a statement (as a CFG node: compound statements = their header) may raise.

    Everything may raise except pass/break/continue/global/nonlocal/``type``, a constant
    expression statement (docstrings), ``return`` of nothing or a constant, a def with no
    decorators/defaults/annotations, ``try:`` headers, and assignments of a constant to
    plain names. Annotations of ``AnnAssign`` are ignored in function bodies (not
    evaluated there); module and class bodies (``in_function`` false) evaluate them.
    """
    t = type(s)
    if t in _NEVER_RAISE or t is ast.Try or t is ast.TryStar:
        return False
    if t is ast.Expr or t is ast.Return:
        return not _safe_expr(s.value)
    if t is ast.Assign:
        if not _safe_expr(s.value):
            return True
        return any(type(x) is not ast.Name for x in s.targets)
    if t is ast.AnnAssign:
        if not in_function and not _safe_expr(s.annotation):
            return True
        return not (type(s.target) is ast.Name and _safe_expr(s.value))
    if t is ast.If or t is ast.While:
        return not _safe_expr(s.test)
    if t in _DEF_TYPES:
        a = s.args
        if s.decorator_list or a.defaults or s.returns is not None:
            return True
        if any(d is not None for d in a.kw_defaults):
            return True
        for arg in (*a.posonlyargs, *a.args, *a.kwonlyargs, a.vararg, a.kwarg):
            if arg is not None and arg.annotation is not None:
                return True
        return False
    return True


def _irrefutable(case: ast.match_case) -> bool:
    """A case that always matches: ``case _`` / ``case x`` without a guard (also inside
    an or-pattern)."""
    if case.guard is not None:
        return False
    p = case.pattern
    while type(p) is ast.MatchAs and p.pattern is not None:
        p = p.pattern
    if type(p) is ast.MatchAs:
        return True
    if type(p) is ast.MatchOr:
        return any(type(q) is ast.MatchAs and q.pattern is None for q in p.patterns)
    return False


def _completed(preds: Frontier) -> Frontier:
    """``preds`` as sources of an exception raised after they completed (by a with's
    __exit__): the edges are ``exception`` whatever branch label the frontier has."""
    return [(src, None) for src, _ in preds]


def _const_true(e: Any) -> bool:
    return type(e) is ast.Constant and bool(e.value) and e.value is not Ellipsis


class _Builder:
    def __init__(self, owner: Any) -> None:
        self.g = BodyCFG(owner)
        self.frames: list[Any] = []  # _Loop / _Finally / _With, innermost last
        self.exc: list[Any] = []  # tuple of handler indices / _Finally, innermost last
        # module and class bodies evaluate variable annotations, functions do not
        self.in_function = type(owner) in (*_DEF_TYPES, ast.Lambda)

    # -- helpers -----------------------------------------------------------
    def node(self, n: Any) -> int:
        idx = self.g.index.get(id(n))
        if idx is None:
            g = self.g
            idx = g.index[id(n)] = len(g.nodes)
            g.nodes.append(n)
        return idx

    def connect(self, preds: Frontier, dst: int) -> None:
        edges = self.g.edges
        for src, label in preds:
            edges[(src, dst, label)] = None

    def raise_from(
        self, preds: Frontier, completed: bool = False, depth: int | None = None
    ) -> None:
        """Exception edges from ``preds`` to the innermost handler target (of the
        first ``depth`` entries of the handler stack when given); ``completed``: the
        sources finished normally (a finally re-raising, a with's __exit__ raising),
        see BodyCFG.completed."""
        exc = self.exc if depth is None else self.exc[:depth]
        if exc and type(exc[-1]) is _Suppress:
            # __exit__ may swallow it (continue after the with) or let it propagate
            exc[-1].preds.update(dict.fromkeys(src for src, _label in preds))
            self.raise_from(preds, completed, len(exc) - 1)
            return
        if not exc:
            targets: tuple[int, ...] = (EXIT,)
        else:
            target = exc[-1]
            if type(target) is tuple:
                targets = target
            else:
                target.kinds.add(EXC)
                targets = (target.entry,)
        edges = self.g.edges
        done = self.g.completed
        for src, label in preds:
            for t in targets:
                edges[(src, t, label or EXC)] = None
                if completed:
                    done.add((src, t))

    def jump(self, kind: str, preds: Frontier) -> None:
        """Route a return/break/continue through the enclosing finally blocks (and the
        __exit__ of the with bodies it leaves)."""
        for fr in reversed(self.frames):
            if type(fr) is _With:
                # leaving a with body runs __exit__, which may raise
                self.raise_from(_completed(preds), completed=True, depth=fr.depth)
                continue
            if type(fr) is _Finally:
                fr.kinds.add(kind)
                self.connect(preds, fr.entry)
                return
            if kind == "break":
                fr.breaks.extend(preds)
                return
            if kind == "continue":
                self.connect(preds, fr.head)
                return
        if kind == "return":
            self.connect(preds, EXIT)
        # break/continue outside a loop is a SyntaxError; nothing to connect

    # -- statements --------------------------------------------------------
    def block(self, stmts: list[Any], preds: Frontier) -> Frontier:
        for s in stmts:
            preds = self.stmt(s, preds)
        return preds

    def stmt(self, s: Any, preds: Frontier) -> Frontier:
        t = type(s)
        if t is ast.For or t is ast.AsyncFor:
            return self.for_(s, preds)
        idx = self.node(s)
        self.connect(preds, idx)
        here: Frontier = [(idx, None)]
        if t is ast.If:
            if not _safe_expr(s.test):
                self.raise_from(here)
            out = self.block(s.body, [(idx, "true")])
            if s.orelse:
                return out + self.block(s.orelse, [(idx, "false")])
            return out + [(idx, "false")]
        if t is ast.While:
            return self.while_(s, idx)
        if t is ast.Try or t is ast.TryStar:
            return self.try_(s, idx)
        if t is ast.With or t is ast.AsyncWith:
            self.raise_from(here)
            self.frames.append(_With(len(self.exc)))
            sup = _Suppress() if _may_suppress(s) else None
            if sup is not None:
                self.exc.append(sup)
            out = self.block(s.body, here)
            if sup is not None:
                self.exc.pop()
            self.frames.pop()
            # __exit__ runs after the body completes and may raise
            self.raise_from(_completed(out), completed=True)
            if sup is not None:
                out = out + [(src, EXC) for src in sup.preds]
            return out
        if t is ast.Match:
            return self.match_(s, idx)
        if t is ast.Return:
            if not _safe_expr(s.value):
                self.raise_from(here)
            self.jump("return", here)
            return []
        if t is ast.Raise:
            self.raise_from(here)
            return []
        if t is ast.Break:
            self.jump("break", here)
            return []
        if t is ast.Continue:
            self.jump("continue", here)
            return []
        if can_raise(s, self.in_function):
            self.raise_from(here)
        return here

    def for_(self, s: Any, preds: Frontier) -> Frontier:
        it = self.node(s.iter)
        self.connect(preds, it)
        self.raise_from([(it, None)])
        idx = self.node(s)
        self.g.edges[(it, idx, None)] = None
        self.raise_from([(idx, None)])
        loop = _Loop(idx)
        self.frames.append(loop)
        out = self.block(s.body, [(idx, "true")])
        self.connect(out, idx)
        self.frames.pop()
        if s.orelse:
            return self.block(s.orelse, [(idx, "false")]) + loop.breaks
        return [(idx, "false"), *loop.breaks]

    def while_(self, s: Any, idx: int) -> Frontier:
        forever = _const_true(s.test)
        if not _safe_expr(s.test):
            self.raise_from([(idx, None)])
        loop = _Loop(idx)
        self.frames.append(loop)
        out = self.block(s.body, [(idx, "true")])
        self.connect(out, idx)
        self.frames.pop()
        if forever:
            # the else of ``while True`` never runs; still give its statements nodes
            self.block(s.orelse, [])
            return loop.breaks
        if s.orelse:
            return self.block(s.orelse, [(idx, "false")]) + loop.breaks
        return [(idx, "false"), *loop.breaks]

    def try_(self, s: Any, idx: int) -> Frontier:
        fin = _Finally(self.node(s.finalbody[0])) if s.finalbody else None
        if fin is not None:
            self.frames.append(fin)
            self.exc.append(fin)
        hidx = tuple(self.node(h) for h in s.handlers)
        if hidx:
            self.exc.append(hidx)
        out = self.block(s.body, [(idx, None)])
        if hidx:
            self.exc.pop()
        normal = self.block(s.orelse, out) if s.orelse else out
        star = type(s) is ast.TryStar
        n = len(hidx)
        for i, (h, hi) in enumerate(zip(s.handlers, hidx, strict=True)):
            if h.type is not None:
                # the type expression raises (outward), or no match: the exception
                # goes on to the next clause's test, after the last one outward
                self.raise_from([(hi, None)])
                if i + 1 < n:
                    self.g.edges[(hi, hidx[i + 1], EXC)] = None
                elif star and n > 1:
                    # except*: once earlier clauses took the whole group, the last
                    # test still runs, matches nothing and the try completes
                    normal = normal + [(hi, None)]
            lo = len(self.g.nodes)
            hout = self.block(h.body, [(hi, None)])
            if h.name is not None:
                self.g.handler_spans.append((h, lo, len(self.g.nodes)))
            if star and i + 1 < n:
                # except*: the remaining sub-groups go on to the next clauses
                for hj in hidx[i + 1 :]:
                    self.connect(hout, hj)
            normal = normal + hout
        if fin is None:
            return normal
        self.frames.pop()
        self.exc.pop()
        fout = self.block(s.finalbody, normal)
        for kind in sorted(fin.kinds):
            if kind == EXC:
                self.raise_from(fout, completed=True)
            else:
                self.jump(kind, fout)
        return fout if normal else []

    def match_(self, s: Any, idx: int) -> Frontier:
        if not _safe_expr(s.subject):
            self.raise_from([(idx, None)])
        prev: Frontier = [(idx, None)]
        out: Frontier = []
        for case in s.cases:
            ci = self.node(case)
            self.connect(prev, ci)
            irrefutable = _irrefutable(case)
            if not irrefutable:
                self.raise_from([(ci, None)])
            out += self.block(case.body, [(ci, "true")])
            if irrefutable:
                prev = []
                break
            prev = [(ci, "false")]
        return out + prev


def build_cfg(owner: Any) -> BodyCFG:
    """The CFG of ``owner``'s body (Module, FunctionDef, AsyncFunctionDef, Lambda,
    ClassDef). Nested defs and classes are single nodes here."""
    b = _Builder(owner)
    if type(owner) is ast.Lambda:
        body = b.node(owner.body)
        b.g.edges[(ENTRY, body, None)] = None
        if not _safe_expr(owner.body):
            b.g.edges[(body, EXIT, EXC)] = None
        b.g.edges[(body, EXIT, None)] = None
        return b.g
    out = b.block(owner.body, [(ENTRY, None)])
    b.connect(out, EXIT)
    return b.g
