"""Statement facts (``StatementFacts``, mixed into ``extract.facts.FactExtractor``):
stores to targets, defs (parameters, decorators, annotations), classes and the
statement walk."""

from __future__ import annotations

import ast
from typing import Any

from codeanatomy_hamilton.core.vocabulary import (
    RS_ANN,
    RS_ARG,
    RS_ASTORE,
    RS_BASE,
    RS_CALL,
    RS_CATTR,
    RS_DEF,
    RS_PARAM,
    RS_PROP,
    RS_SSTORE,
    CallMode,
    Key,
    MethodKind,
    Val,
)
from codeanatomy_hamilton.extract.fact_keys import (
    INDEX_MARK,
    PROPERTY_DECORATORS,
    PROPERTY_SUFFIXES,
    SHIFT,
    Scope,
    const_token,
    name_prefix,
)
from codeanatomy_hamilton.extract.facts_calls import CallFacts

_FUNC_TYPES = (ast.FunctionDef, ast.AsyncFunctionDef)


def _is_property(d: Any) -> bool:
    """Whether decorator ``d`` makes a property accessor of the def."""
    if type(d) is ast.Name:
        return d.id in PROPERTY_DECORATORS
    if type(d) is ast.Attribute:
        text = ast.unparse(d)
        return text in PROPERTY_DECORATORS or text.endswith(PROPERTY_SUFFIXES)
    return False


class StatementFacts(CallFacts):
    """The statement rules of ``FactExtractor``."""

    # -- stores ------------------------------------------------------------
    def store(
        self, target: Any, vkey: str | None, sc: Scope, vnode: Any = None, dnode: Any = None
    ) -> None:
        """``target = <vkey>`` (``vnode``: the value's AST, ``dnode``: the binding
        node of a made-up ``Name``: def, class, ``except ... as``)."""
        t = type(target)
        if t is ast.Name:
            k = self.resolve(sc, target.id)
            self.flow(self.def_key(sc, target.id, k, target if dnode is None else dnode), vkey)
            if hasattr(target, "_cid"):
                self.store_keys.append((target._cid, k))
            pre = name_prefix(vnode) if vnode is not None else None
            self.prefix_binds[k] = pre if self.prefix_binds.get(k, pre) == pre else None
            tok = const_token(vnode) if vnode is not None and vkey is None else None
            if tok is None:
                self.other_binds.add(k)
            else:
                self.const_binds.setdefault(k, []).append(tok)
            if sc.kind == "class":
                self.row(RS_CATTR, sc.cls, sc.mangle(target.id))
            return
        if t is ast.Attribute:
            b = self.ev(target.value, sc)
            name = sc.mangle(target.attr)
            if b is not None and vkey is not None:
                self.row(RS_ASTORE, b, name, vkey)
            if b is not None:
                # a property's setter runs: read what the attribute holds
                gid = self.base + target._cid
                self.attr("#" + str(gid), b, name)
                self.row(RS_CALL, gid, "#" + str(gid), None, CallMode.PROP, sc.caller)
            fs = sc
            while fs is not None and fs.kind == "comp":
                fs = fs.parent
            if (
                fs is not None
                and fs.fn is not None
                and fs.fn.get("selfkey") is not None
                and b == fs.fn["selfkey"]
            ):
                self.row(RS_CATTR, fs.fn["cls"], name)
            return
        if t is ast.Subscript:
            b = self.ev(target.value, sc)
            sk = self.ev(target.slice, sc)
            if type(target.slice) is not ast.Slice:
                self.hashed(self.base + target._cid, "", sk, sc)
            if b is None:
                return
            if type(target.slice) is ast.Slice:
                # ``x[i:j] = seq`` stores the elements of seq and moves the others
                s = None
                if vkey is not None:
                    s = "#" + str(self.base + target._cid) + "s"
                    self.sub(s, vkey)
                self.row(RS_SSTORE, b, s, SHIFT)
            elif vkey is not None:
                self.keyed_store(b, vkey, target.slice, sc)
            if self._slots:
                self._slot_val[id(target)] = vkey
            self.proto(self.base + target._cid, "s", b, ("__setitem__",), sc)
            return
        if t is ast.Tuple or t is ast.List:
            elts = target.elts
            keys = self.elt_keys.get(id(vnode)) if vnode is not None else None
            if keys is not None and len(keys) == len(elts) and None not in keys:
                # nested literals keep their shape: ``x, (y, z) = a, (b, c)``
                for e, k, vn in zip(elts, keys, vnode.elts, strict=False):
                    self.store(e, k, sc, vn)
                return
            starred = False
            for i, e in enumerate(elts):
                if type(e) is ast.Starred:
                    starred = True
                    self.store(e.value, vkey, sc)
                elif vkey is None:
                    self.store(e, None, sc)
                else:
                    ek = "#" + str(self.base + e._cid) + "u"
                    if not starred:
                        ek += INDEX_MARK + str(i)
                    self.sub(ek, vkey)
                    self.store(e, ek, sc)
            return
        if t is ast.Starred:
            self.store(target.value, vkey, sc)

    def pattern(self, p: Any, vkey: str | None, sc: Scope) -> None:
        """The captures of a ``case`` pattern matched against ``vkey`` (language
        reference, "The match statement"): a capture or ``as`` binds the value matched
        there, a sequence pattern's items the elements (by position before a star),
        a star capture a new list of them, a mapping pattern's values the values of
        their keys, a class pattern's keyword patterns the attributes they name
        (positional ones go through ``__match_args__``: left unknown)."""
        t = type(p)
        if t is ast.MatchAs:
            if p.pattern is not None:
                self.pattern(p.pattern, vkey, sc)
            if p.name is not None:
                self.store(ast.Name(id=p.name, ctx=ast.Store()), vkey, sc, dnode=p)
        elif t is ast.MatchOr:
            for q in p.patterns:
                self.pattern(q, vkey, sc)
        elif t is ast.MatchSequence:
            starred = False
            for i, q in enumerate(p.patterns):
                g = "#" + str(self.base + q._cid)
                if type(q) is ast.MatchStar:
                    starred = True
                    if q.name is not None:
                        s = None
                        if vkey is not None:
                            s = g + "s"
                            self.init(s, Val.CONTAINER + s)
                            self.flow(s + Key.ELEMS, self.elem(g + "e", vkey))
                        self.store(ast.Name(id=q.name, ctx=ast.Store()), s, sc, dnode=q)
                    continue
                ek = None
                if vkey is not None:
                    ek = g + "u" + ("" if starred else INDEX_MARK + str(i))
                    self.sub(ek, vkey)
                self.pattern(q, ek, sc)
        elif t is ast.MatchMapping:
            for key, q in zip(p.keys, p.patterns, strict=False):
                ek = None
                if vkey is not None:
                    ek = self.keyed_sub("#" + str(self.base + q._cid) + "m", vkey, key, sc)
                self.pattern(q, ek, sc)
            if p.rest is not None:
                # ``**rest``: a new dict of the other items (of unknown keys here)
                s = None
                if vkey is not None:
                    s = "#" + str(self.base + p._cid) + "r"
                    self.init(s, Val.CONTAINER + s)
                    self.flow(s + Key.ELEMS, self.elem(s + "e", vkey))
                self.store(ast.Name(id=p.rest, ctx=ast.Store()), s, sc, dnode=p)
        elif t is ast.MatchClass:
            for q in p.patterns:
                self.pattern(q, None, sc)
            for name, q in zip(p.kwd_attrs, p.kwd_patterns, strict=False):
                a = None
                if vkey is not None:
                    a = "#" + str(self.base + q._cid) + "a"
                    self.attr(a, vkey, sc.mangle(name))
                self.pattern(q, a, sc)

    # -- scopes ------------------------------------------------------------
    def function(self, node: Any, sc: Scope) -> str:
        """A def or lambda: its parameters, body, and the key holding its value."""
        cid = node._cid
        gid = self.base + cid
        is_lambda = type(node) is ast.Lambda
        qual = self.quals[cid] or node.__class__.__name__
        key = f"{qual}@{cid}" if is_lambda else qual
        fsc = Scope(key, "function", node, sc, qual)
        self.key_of[id(node)] = key
        fsc.fn = {"gen": False}
        mkind = None
        args = node.args
        if sc.kind == "class" and not is_lambda:
            decos = {d.id if type(d) is ast.Name else ast.unparse(d) for d in node.decorator_list}
            if "staticmethod" in decos or node.name == "__new__":
                mkind = MethodKind.STATIC
            elif "classmethod" in decos or node.name in ("__init_subclass__", "__class_getitem__"):
                mkind = MethodKind.CLASS
            else:
                mkind = MethodKind.METHOD
            fsc.fn["cls"] = sc.cls
            positional = args.posonlyargs + args.args
            if mkind != MethodKind.STATIC and positional:
                fsc.fn["selfkey"] = key + "." + fsc.mangle(positional[0].arg)
        elif sc.kind in ("function", "comp") and sc.fn is not None and sc.fn.get("selfkey"):
            # nested functions keep seeing the method's self (closures over self)
            fsc.fn["selfkey"] = sc.fn["selfkey"]
            fsc.fn["cls"] = sc.fn["cls"]
        fval = Val.FUNC + key
        self.row(RS_DEF, gid, fval, qual, mkind, sc.cls if mkind else None)
        if mkind is not None and any(_is_property(d) for d in node.decorator_list):
            self.row(RS_PROP, key)
        # parameters: defaults are evaluated in the enclosing scope; a parameter the
        # body rebinds has a key of its own (``def_key``), which the resolver fills
        positional = args.posonlyargs + args.args
        pdefaults = [None] * (len(positional) - len(args.defaults)) + list(args.defaults)
        for i, (a, d) in enumerate(zip(positional, pdefaults, strict=False)):
            pk = self.def_key(fsc, a.arg, key + "." + fsc.mangle(a.arg), a)
            self.row(RS_PARAM, key, i, a.arg, pk, "p")
            if d is not None:
                self.flow(pk, self.ev(d, sc))
            self.annotation(pk, a.annotation, sc)
        for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=False):
            pk = self.def_key(fsc, a.arg, key + "." + fsc.mangle(a.arg), a)
            self.row(RS_PARAM, key, -1, a.arg, pk, "k")
            if d is not None:
                self.flow(pk, self.ev(d, sc))
            self.annotation(pk, a.annotation, sc)
        for a, kind in ((args.vararg, "v"), (args.kwarg, "w")):
            if a is not None:
                pk = self.def_key(fsc, a.arg, key + "." + fsc.mangle(a.arg), a)
                self.row(RS_PARAM, key, -1, a.arg, pk, kind)
                self.init(pk, Val.CONTAINER + pk)
        if is_lambda:
            self.flow(key + Key.RET, self.ev(node.body, fsc))
            k = "#" + str(gid)
            self.init(k, fval)
        else:
            if node.returns is not None:
                self.ev(node.returns, sc)
            self.body(node.body, fsc)
            k = "#" + str(gid) + "f"
            self.init(k, fval)
            k = self.decorate(node, k, sc)
            self.store(ast.Name(id=node.name, ctx=ast.Store()), k, sc, dnode=node)
        if fsc.fn["gen"]:
            self.init(key + Key.RET, Val.CONTAINER + key + Key.GEN)
        return k

    def annotation(self, pk: str, ann: Any, sc: Scope) -> None:
        if ann is None:
            return
        if type(ann) is ast.Constant and isinstance(ann.value, str):
            try:
                expr = ast.parse(ann.value, mode="eval").body
            except SyntaxError:
                return
            if type(expr) is ast.Name:
                self.row(RS_ANN, pk, self.resolve(sc, expr.id))
            return
        a = self.ev(ann, sc)
        if a is not None:
            self.row(RS_ANN, pk, a)

    def decorate(self, node: Any, k: str, sc: Scope) -> str:
        """Apply decorators innermost first; each application is a call performed by
        the decorator expression node."""
        for d in reversed(node.decorator_list):
            dk = self.ev(d, sc)
            if dk is None:
                continue
            dg = self.base + d._cid
            ck = "@" + str(dg) + "d"
            res = "#" + str(dg) + "d"
            self.flow(ck, dk)
            self.row(RS_CALL, dg, ck, res, CallMode.DECO, sc.caller)
            self.row(RS_ARG, ck, 0, None, k, 0)
            if type(d) is ast.Attribute and d.attr in ("setter", "getter", "deleter"):
                # ``@x.setter`` returns a property holding the decorated accessor
                self.flow(res, k)
            k = res
        return k

    def classdef(self, node: ast.ClassDef, sc: Scope) -> None:
        cid = node._cid
        gid = self.base + cid
        qual = self.quals[cid] or node.name
        for i, b in enumerate(node.bases):
            bk = self.ev(b, sc)
            self.row(RS_BASE, qual, i, bk, ast.unparse(b) if bk is None else None)
        for kw in node.keywords:
            self.ev(kw.value, sc)
        csc = Scope(qual, "class", node, sc, sc.caller)
        self.key_of[id(node)] = qual
        csc.cls = qual
        self.row(RS_DEF, gid, Val.CLASS + qual, qual, None, None)
        self.body(node.body, csc)
        k = "#" + str(gid) + "f"
        self.init(k, Val.CLASS + qual)
        k = self.decorate(node, k, sc)
        self.store(ast.Name(id=node.name, ctx=ast.Store()), k, sc, dnode=node)

    # -- statements ----------------------------------------------------------
    def body(self, stmts: list[Any], sc: Scope) -> None:
        for s in stmts:
            self.stmt(s, sc)

    def stmt(self, node: Any, sc: Scope) -> None:  # noqa: C901 - one dispatch
        t = type(node)
        if t is ast.Expr:
            self.ev(node.value, sc)
        elif t is ast.Assign:
            v = self.ev(node.value, sc)
            for tg in node.targets:
                self.store(tg, v, sc, node.value)
            if sc.kind == "module":
                for tg in node.targets:
                    if type(tg) is ast.Name and tg.id == "__all__":
                        self.all_names(node.value)
        elif t is ast.AugAssign:
            v = self.ev(node.value, sc)
            self.store(node.target, v, sc)
            tg = node.target
            if type(tg) is ast.Name:
                # ``x += v`` may return x itself (a list): the new binding also holds
                # what reached x
                k = self.resolve(sc, tg.id)
                dk = self.def_key(sc, tg.id, k, tg)
                if dk != k:
                    self.flow(dk, self.load_key(sc, tg, k))
            # ``xs += ys`` extends xs in place (moving no position, but ``+=`` on a
            # tuple makes a new one): the target's containers lose their positions
            tk = self.ev(node.target, sc) if type(node.target) is ast.Name else None
            if tk is not None:
                s = None
                if v is not None:
                    s = "#" + str(self.base + node._cid) + "a"
                    self.sub(s, v)
                self.row(RS_SSTORE, tk, s, SHIFT)
            if sc.kind == "module" and type(node.target) is ast.Name:
                if node.target.id == "__all__":
                    self.all_names(node.value)
        elif t is ast.AnnAssign:
            if node.value is not None:
                self.store(node.target, self.ev(node.value, sc), sc, node.value)
            elif sc.kind == "class" and type(node.target) is ast.Name:
                self.row(RS_CATTR, sc.cls, sc.mangle(node.target.id))
        elif t in _FUNC_TYPES:
            self.function(node, sc)
        elif t is ast.ClassDef:
            self.classdef(node, sc)
        elif t is ast.Return:
            if node.value is not None:
                v = self.ev(node.value, sc)
                fs = sc
                while fs is not None and fs.kind not in ("function", "module"):
                    fs = fs.parent
                if fs is not None and fs.kind == "function":
                    self.flow(fs.key + Key.RET, v)
        elif t is ast.If or t is ast.While:
            v = self.ev(node.test, sc)
            if type(node.test) in (ast.Name, ast.Attribute, ast.Call, ast.Subscript):
                self.proto(self.base + node._cid, "t", v, ("__bool__", "__len__"), sc)
            self.body(node.body, sc)
            self.body(node.orelse, sc)
        elif t is ast.For or t is ast.AsyncFor:
            itk = self.ev(node.iter, sc)
            self.iterate(self.base + node._cid, itk, node.target, sc, sc)
            self.body(node.body, sc)
            self.body(node.orelse, sc)
        elif t is ast.With or t is ast.AsyncWith:
            for item in node.items:
                ck = self.ev(item.context_expr, sc)
                g = self.base + item._cid
                r = self.implicit_call(g, "e", ck, "__enter__", sc)
                self.implicit_call(g, "x", ck, "__exit__", sc)
                if item.optional_vars is not None:
                    self.store(item.optional_vars, r, sc)
            self.body(node.body, sc)
        elif t is ast.Raise:
            if node.exc is not None:
                g = self.base + node._cid
                ck = "@" + str(g)
                if type(node.exc) is ast.Call:
                    self.call(node.exc, sc)
                    self.flow(ck, "@" + str(self.base + node.exc._cid))
                else:
                    self.flow(ck, self.ev(node.exc, sc))
                self.row(RS_CALL, g, ck, None, CallMode.RAISE, sc.caller)
            if node.cause is not None:
                self.ev(node.cause, sc)
        elif t is ast.Try or t is ast.TryStar:
            self.body(node.body, sc)
            for h in node.handlers:
                if h.type is not None:
                    v = self.ev(h.type, sc)
                    if h.name:
                        hk = "#" + str(self.base + h._cid)
                        self.row(RS_ANN, hk, v)
                        self.store(ast.Name(id=h.name, ctx=ast.Store()), hk, sc, dnode=h)
                self.body(h.body, sc)
            self.body(node.orelse, sc)
            self.body(node.finalbody, sc)
        elif t is ast.Import or t is ast.ImportFrom:
            self.imports(node, sc)
        elif t is ast.Match:
            subj = self.ev(node.subject, sc)
            for case in node.cases:
                self.pattern(case.pattern, subj, sc)
                if case.guard is not None:
                    self.ev(case.guard, sc)
                self.body(case.body, sc)
        elif t in (ast.Pass, ast.Break, ast.Continue, ast.Global, ast.Nonlocal):
            pass
        elif t is ast.TypeAlias:
            # ``type X = v`` binds a TypeAliasType (its value is evaluated lazily)
            self.store(node.name, None, sc)
        elif t is ast.Delete:
            for tg in node.targets:
                if type(tg) is ast.Subscript:
                    # ``del xs[i]`` moves the later elements of a sequence
                    b = self.ev(tg.value, sc)
                    sk = self.ev(tg.slice, sc)
                    if type(tg.slice) is not ast.Slice:
                        self.hashed(self.base + tg._cid, "", sk, sc)
                    if b is not None:
                        self.row(RS_SSTORE, b, None, SHIFT)
                        self.proto(self.base + tg._cid, "d", b, ("__delitem__",), sc)
                else:
                    self.ev(tg, sc)
        else:
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.expr):
                    self.ev(child, sc)
                elif isinstance(child, ast.stmt):
                    self.stmt(child, sc)
