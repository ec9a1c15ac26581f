"""The statement half of the per-file value-flow pass (``valueflow.ValueFlow`` mixes it
in): bodies and statements, ``from`` imports, dataclass fields, dead code after an
exit, function definitions (parameters, returns, decorators) and ``global``/``nonlocal``
cells."""

from __future__ import annotations

import ast
from typing import Any

from codeanatomy_hamilton.core.vocabulary import (
    VF_ATTR,
    VF_IMPLICIT,
    VF_PARAM,
    VF_RAISE,
    VF_RET,
    VF_TRY,
    EdgeKind,
    MethodKind,
    Val,
)
from codeanatomy_hamilton.extract.constfold import truth
from codeanatomy_hamilton.extract.context import FileContext

FUNC_TYPES = (ast.FunctionDef, ast.AsyncFunctionDef)


class BodyState:
    """The function (or module) body being walked."""

    __slots__ = ("cid", "key", "handlers", "catching", "count", "site", "free", "pending")

    def __init__(self, cid: int, key: str | None) -> None:
        self.cid = cid  # FUNCTION node ordinal; -1 for module/class bodies
        self.key = key  # points-to function key (generator container), None at module
        # allocation sites of locals bound once (decided when the body is done):
        # bindings per name, the call/display bound by ``name = ...``, names that are
        # parameters or global/nonlocal, and vf_attr rows waiting for the answer
        self.count: dict[str, int] = {}
        self.site: dict[str, int] = {}
        self.free: set[str] = set()
        self.pending: list[tuple[int, str]] = []
        # the handlers of the enclosing try bodies (outermost first), each as (handler
        # ordinal, named?, points-to keys of its types: None for a bare ``except:``)
        self.handlers: list[list[tuple[int, int, tuple[str | None, ...]]]] = []
        # the handlers whose bodies are being walked (innermost last): (handler
        # ordinal, its type keys), None for one without a name (``except T:``)
        self.catching: list[tuple[int, tuple[str | None, ...]] | None] = []


def deco_name(d: Any) -> str | None:
    """The name a decorator expression ends in (``@x.y(...)`` -> ``y``)."""
    if type(d) is ast.Call:
        d = d.func
    if type(d) is ast.Name:
        return d.id
    if type(d) is ast.Attribute:
        return d.attr
    return None


class StatementFlow:
    """Methods of ``valueflow.ValueFlow``; the expression half and the state they
    share (``b``, ``rows``, ``base``, ``module_key``, the emitters) are there."""

    ctx: FileContext

    # -- exceptions ----------------------------------------------------------
    def handler_spec(self, h: ast.ExceptHandler) -> tuple[int, int, tuple[str | None, ...]]:
        """(ordinal, named?, type keys) of an ``except`` clause: one key per type of a
        literal tuple, None for a bare ``except:``, "" for a type without a key."""
        if h.type is None:
            types: tuple[str | None, ...] = (None,)
        elif type(h.type) is ast.Tuple:
            types = tuple(self.key_of(e) or "" for e in h.type.elts) or ("",)
        else:
            types = (self.key_of(h.type) or "",)
        return h._cid, int(bool(h.name)), types

    def guarded(self, site: int, fn: BodyState) -> None:
        """``vf_try`` rows of a call or raise ``site`` inside try bodies: every handler
        that may see an exception raised there, innermost try first and in clause
        order (``ord``), one row per handler type."""
        o = 0
        for hs in reversed(fn.handlers):
            for hid, named, types in hs:
                for tk in types:
                    self.row(VF_TRY, site, self.base + hid, o, tk, named)
                o += 1

    # -- statements ----------------------------------------------------------
    def body(self, stmts: list[Any], fn: BodyState) -> None:
        for s in stmts:
            self.stmt(s, fn)

    def stmt(self, node: Any, fn: BodyState) -> None:  # noqa: C901 - one dispatch
        t = type(node)
        if t is ast.Expr:
            self.expr(node.value, fn)
        elif t is ast.Assign:
            self.expr(node.value, fn)
            for tg in node.targets:
                self.assign(tg, node.value, fn)
        elif t is ast.AugAssign:
            self.expr(node.value, fn)
            self.edge(node.value, node.target)
            self.store_target(node.target, fn)
        elif t is ast.AnnAssign:
            if node.value is not None:
                self.expr(node.value, fn)
                self.assign(node.target, node.value, fn)
        elif t in FUNC_TYPES:
            fn.count[node.name] = fn.count.get(node.name, 0) + 2
            self.function(node, fn)
        elif t is ast.ClassDef:
            fn.count[node.name] = fn.count.get(node.name, 0) + 2
            for s in node.body:
                if type(s) in FUNC_TYPES:
                    self.method_ids.add(s._cid)
            for d in node.decorator_list:
                self.expr(d, fn)
            self.decorators(node)
            for b in node.bases:
                self.expr(b, fn)
            self.body(node.body, BodyState(-1, None))
            if any(deco_name(d) == "dataclass" for d in node.decorator_list):
                self.dataclass_fields(node)
        elif t is ast.Return:
            if node.value is not None:
                self.expr(node.value, fn)
                if fn.cid >= 0:
                    self.row(VF_RET, self.base + fn.cid, "r", self.gid(node.value))
        elif t is ast.If or t is ast.While:
            c = truth(node.test)
            self.expr(node.test, fn)
            for arm, live in ((node.body, c is not False), (node.orelse, c is not True)):
                if live:
                    self.body(arm, fn)
                else:
                    self.dead(arm)
        elif t is ast.For or t is ast.AsyncFor:
            self.expr(node.iter, fn)
            self.iterate(node.iter, node.target, fn, node)
            self.body(node.body, fn)
            self.body(node.orelse, fn)
        elif t is ast.With or t is ast.AsyncWith:
            for item in node.items:
                self.expr(item.context_expr, fn)
                if item.optional_vars is not None:
                    self.assign(item.optional_vars, item.context_expr, fn)
                    ov, ce = item.optional_vars, item.context_expr
                    self.row(VF_IMPLICIT, self.gid(item), self.gid(ov), self.gid(ce))
            self.body(node.body, fn)
        elif t is ast.Raise:
            if node.exc is not None:
                self.expr(node.exc, fn)
                # matched to handlers by type when the call graph and classes are known
                # (``resolve.valueflow``); a module-level raise only reaches its own try
                if fn.cid >= 0 or fn.handlers:
                    fnode = self.base + fn.cid if fn.cid >= 0 else -1
                    site = self.gid(node)
                    key = self.key_of(node.exc)
                    self.row(VF_RAISE, fnode, self.gid(node.exc), key, site, 0)
                    self.guarded(site, fn)
            elif fn.catching and fn.catching[-1] is not None and (fn.cid >= 0 or fn.handlers):
                # a bare ``raise`` in ``except T as e`` re-raises ``e``: an instance of T
                # or of a subclass of T (``sub`` 1), one row per type of the handler
                hid, types = fn.catching[-1]
                fnode = self.base + fn.cid if fn.cid >= 0 else -1
                site = self.gid(node)
                for tk in types:
                    self.row(VF_RAISE, fnode, self.base + hid, tk, site, 1)
                self.guarded(site, fn)
            if node.cause is not None:
                self.expr(node.cause, fn)
        elif t is ast.Try or t is ast.TryStar:
            fn.handlers.append([self.handler_spec(h) for h in node.handlers])
            self.body(node.body, fn)
            fn.handlers.pop()
            for h in node.handlers:
                if h.name:
                    fn.count[h.name] = fn.count.get(h.name, 0) + 2
                if h.type is not None:
                    self.expr(h.type, fn)
                spec = self.handler_spec(h)
                fn.catching.append((spec[0], spec[2]) if h.name else None)
                self.body(h.body, fn)
                fn.catching.pop()
            self.body(node.orelse, fn)
            self.body(node.finalbody, fn)
        elif t is ast.Match:
            self.expr(node.subject, fn)
            for case in node.cases:
                if case.guard is not None:
                    self.expr(case.guard, fn)
                self.body(case.body, fn)
        elif t is ast.Global or t is ast.Nonlocal:
            fn.free.update(node.names)
        elif t is ast.Import or t is ast.ImportFrom:
            for a in node.names:
                bound = (a.asname or a.name).split(".")[0]
                fn.count[bound] = fn.count.get(bound, 0) + 2
            if t is ast.ImportFrom:
                self.import_from(node, fn)
        elif t is ast.Pass:
            return
        else:
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.expr):
                    self.expr(child, fn)
                elif isinstance(child, ast.stmt):
                    self.stmt(child, fn)

    def import_from(self, node: ast.ImportFrom, fn: BodyState) -> None:
        """``from m import X``: the alias (the definition REACHING_DEF starts from)
        reads attribute ``X`` of module ``m``, so FLOW_ATTR links the stores of ``X``
        in ``m`` to it; at module level the alias is also a store of the global ``X``
        (FLOW_GLOBAL to its loads in the functions of this file)."""
        mod = self.absolute(node)
        for a in node.names:
            if a.name == "*":
                continue
            if mod:
                self.row(VF_ATTR, self.base + a._cid, 0, None, Val.MODULE + mod, a.name, 0, 0)
            if fn.cid == -2:
                key = self.module_key + "." + (a.asname or a.name)
                self.cell_st.setdefault(key, []).append((a._cid, fn.cid))

    def absolute(self, node: ast.ImportFrom) -> str:
        """The module a ``from`` import names, relative imports made absolute from
        this file's package (empty when they climb above the repository root)."""
        if not node.level:
            return node.module or ""
        path = self.ctx.path
        mod = self.module_key
        is_pkg = path.endswith(("/__init__.py", "/__init__.pyi")) or path in (
            "__init__.py",
            "__init__.pyi",
        )
        parts = mod.split(".") if mod else []
        if not is_pkg:
            parts = parts[:-1]
        up = node.level - 1
        if up > len(parts):
            return ""
        parts = parts[: len(parts) - up]
        if node.module:
            parts.append(node.module)
        return ".".join(parts)

    def dataclass_fields(self, node: ast.ClassDef) -> None:
        """The generated ``__init__`` of a dataclass: its fields, in order, are the
        parameters of the class (after ``self``) and class-attribute stores, so that a
        constructor argument reaches ``obj.field`` (one object per class)."""
        qual = self.b.n_qualname[node._cid] or node.name
        g = self.base + node._cid
        pos = 1
        for st in node.body:
            if type(st) is not ast.AnnAssign or type(st.target) is not ast.Name:
                continue
            if "ClassVar" in (self.b.segment(st.annotation) or ""):
                continue
            tg = st.target
            self.row(VF_PARAM, g, "p", pos, tg.id, self.gid(tg), None, qual)
            if st.value is None:
                self.row(VF_ATTR, self.gid(tg), 1, None, Val.CLASS + qual, tg.id, 0, 0)
            pos += 1

    def dead(self, stmts: list[Any]) -> None:
        """Code under a constant-false condition: prop ``unreachable`` on its nodes."""
        add = self.b.add_prop
        for s in stmts:
            for n in ast.walk(s):
                cid = getattr(n, "_cid", None)  # the shared Load/Store singletons
                if cid is not None:
                    add(cid, "unreachable", "true", "bool")

    # -- scopes ------------------------------------------------------------
    def function(self, node: Any, outer: BodyState) -> None:
        cid = node._cid
        is_lambda = type(node) is ast.Lambda
        qual = self.b.n_qualname[cid] or node.__class__.__name__
        key = f"{qual}@{cid}" if is_lambda else qual
        fn = BodyState(cid, key)
        args = node.args
        mkind = None
        if not is_lambda:
            for d in node.decorator_list:
                self.expr(d, outer)
            self.decorators(node)
            if outer.cid < 0 and outer.key is None and self._in_class(node):
                names = {
                    d.id if type(d) is ast.Name else getattr(d, "attr", "")
                    for d in node.decorator_list
                }
                if "staticmethod" in names:
                    mkind = MethodKind.STATIC
                elif "classmethod" in names or node.name in ("__new__", "__init_subclass__"):
                    mkind = MethodKind.CLASS
                else:
                    mkind = MethodKind.METHOD
        g = self.base + cid
        positional = args.posonlyargs + args.args
        pdefaults = [None] * (len(positional) - len(args.defaults)) + list(args.defaults)
        row = self.row
        for i, (a, d) in enumerate(zip(positional, pdefaults, strict=True)):
            row(VF_PARAM, g, "p", i, a.arg, self.gid(a), mkind, qual)
            if d is not None:
                self.expr(d, outer)
                self.edge(d, a)
        for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=True):
            row(VF_PARAM, g, "k", -1, a.arg, self.gid(a), mkind, qual)
            if d is not None:
                self.expr(d, outer)
                self.edge(d, a)
        if args.vararg is not None:
            row(VF_PARAM, g, "v", -1, args.vararg.arg, self.gid(args.vararg), mkind, qual)
        if args.kwarg is not None:
            row(VF_PARAM, g, "w", -1, args.kwarg.arg, self.gid(args.kwarg), mkind, qual)
        if is_lambda:
            self.expr(node.body, fn)
            row(VF_RET, g, "r", self.gid(node.body))
            return
        fn.free.update(a.arg for a in (*positional, *args.kwonlyargs))
        for a in (args.vararg, args.kwarg):
            if a is not None:
                fn.free.add(a.arg)
        self.body(node.body, fn)
        self.settle(fn)

    def _in_class(self, node: Any) -> bool:
        return node._cid in self.method_ids

    def cells(self) -> None:
        """FLOW_GLOBAL: a store to a variable -> its loads in other bodies (module
        globals, ``global`` and ``nonlocal`` names; names local to one body meet
        only there, where REACHING_DEF already links them). Module-level and class
        body stores are also attribute stores of the module / class object."""
        add = self.add_edge
        mod = self.module_key
        for k, stores in self.cell_st.items():
            loads = self.cell_ld.get(k, ())
            for s, sb in stores:
                for ld, lb in loads:
                    if lb != sb:
                        add(s, ld, EdgeKind.FLOW_GLOBAL)
            owner, _, name = k.rpartition(".")
            bval = None
            if owner == mod:
                bval = Val.MODULE + mod
            elif any(sb == -1 for _s, sb in stores):
                bval = Val.CLASS + owner
            if bval is not None:
                for s, _sb in stores:
                    self.row(VF_ATTR, self.base + s, 1, None, bval, name, 0, 0)
