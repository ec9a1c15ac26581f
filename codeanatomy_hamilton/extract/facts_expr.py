"""Expression facts (``ExpressionFacts``, mixed into ``extract.facts.FactExtractor``):
``ev`` gives the points-to key of an expression and records its rows; comprehensions
open their own scope."""

from __future__ import annotations

import ast
from typing import Any

from codeanatomy_hamilton.core.vocabulary import (
    RS_CALL,
    CallMode,
    Key,
    Val,
)
from codeanatomy_hamilton.extract.fact_keys import (
    DICT_MARK,
    FORMAT_DUNDER,
    TUPLE_MARK,
    Scope,
    const_token,
)

_COMP_NAMES = {
    ast.ListComp: "listcomp",
    ast.SetComp: "setcomp",
    ast.DictComp: "dictcomp",
    ast.GeneratorExp: "genexpr",
}
_BINOP_DUNDER = {
    ast.Add: "add", ast.Sub: "sub", ast.Mult: "mul", ast.MatMult: "matmul",
    ast.Div: "truediv", ast.FloorDiv: "floordiv", ast.Mod: "mod", ast.Pow: "pow",
    ast.LShift: "lshift", ast.RShift: "rshift", ast.BitOr: "or", ast.BitXor: "xor",
    ast.BitAnd: "and",
}  # fmt: skip
# comparison -> (method of the left operand, reflected method of the right one)
_CMP_DUNDER = {
    ast.Eq: ("__eq__", "__eq__"), ast.NotEq: ("__ne__", "__ne__"),
    ast.Lt: ("__lt__", "__gt__"), ast.Gt: ("__gt__", "__lt__"),
    ast.LtE: ("__le__", "__ge__"), ast.GtE: ("__ge__", "__le__"),
}  # fmt: skip
_UNARY_DUNDER = {ast.USub: "__neg__", ast.UAdd: "__pos__", ast.Invert: "__invert__"}


class ExpressionFacts:
    """The expression rules of ``FactExtractor`` (its state and emitters: ``extract.facts``)."""

    # -- expressions ---------------------------------------------------------
    def ev(self, node: Any, sc: Scope) -> str | None:  # noqa: C901 - one dispatch
        t = type(node)
        if t is ast.Name:
            k = self.resolve(sc, node.id)
            if type(node.ctx) is ast.Load:
                self.uses.append((node._cid, k))
                return self.load_key(sc, node, k)
            return k
        if t is ast.Constant:
            return None
        if t is ast.Attribute:
            callee = self._callee is node
            b = self.ev(node.value, sc)
            if b is None:
                return None
            gid = self.base + node._cid
            k = "#" + str(gid)
            self.attr(k, b, sc.mangle(node.attr))
            if not callee:
                # the read also holds what a property getter returns (the resolver
                # keeps only accessors' results: ``PointsTo.accessors``)
                self.row(RS_CALL, gid, k, k, CallMode.PROP, sc.caller)
            return k
        if t is ast.Call:
            return self.call(node, sc)
        if t is ast.Lambda:
            return self.function(node, sc)
        if t is ast.List or t is ast.Tuple or t is ast.Set:
            k = "#" + str(self.base + node._cid)
            # elements of a tuple/list literal may be read by position (``x, y =
            # pair()``, ``fs[-1]``) unless a starred element hides the positions; the
            # key ``@t<n>`` says so and records the length (reads past it can only
            # see appended elements). Sets have no positions.
            fixed = t is not ast.Set and not any(type(e) is ast.Starred for e in node.elts)
            n = len(node.elts)
            ck = k + TUPLE_MARK + str(n) if fixed else k
            self.init(k, Val.CONTAINER + ck)
            ek = ck + Key.ELEMS
            keys: list[str | None] = []
            for i, elt in enumerate(node.elts):
                if type(elt) is ast.Starred:
                    v = self.ev(elt.value, sc)
                    s = "#" + str(self.base + elt._cid)
                    self.sub(s, v)
                    self.flow(ek, s)
                    keys.append(None)
                    fixed = False  # positions after a starred element are unknown
                else:
                    v = self.ev(elt, sc)
                    self.flow(ek, v)
                    if t is ast.Set:
                        self.hashed(self.base + node._cid, str(i), v, sc)
                    if fixed:
                        self.flow(f"{ck}[{i}]", v)
                        self.flow(f"{ck}[{i - n}]", v)
                    keys.append(v)
            self.elt_keys[id(node)] = keys
            return k
        if t is ast.Dict:
            k = "#" + str(self.base + node._cid)
            ck = k + DICT_MARK
            self.init(k, Val.CONTAINER + ck)
            ek = ck + Key.ELEMS
            # a later equal key replaces the value of an earlier one
            last: dict[str, str | None] = {}
            for i, (key, value) in enumerate(zip(node.keys, node.values, strict=False)):
                v = self.ev(value, sc)
                if key is None:  # {**other}: its keys are unknown
                    s = "#" + str(self.base + value._cid) + "s"
                    self.sub(s, v)
                    self.flow(ek, s)
                    self.flow(ck + "[*]", s)
                else:
                    self.hashed(self.base + node._cid, str(i), self.ev(key, sc), sc)
                    self.flow(ek, v)
                    tok = const_token(key)
                    if tok is None:
                        self.flow(ck + "[*]", v)
                    else:
                        last[tok] = v
                        if self._slots:
                            self._slot_val[id(value)] = v
            for tok, v in last.items():
                self.flow(f"{ck}[{tok}]", v)
            return k
        if t is ast.Subscript:
            b = self.ev(node.value, sc)
            sk = self.ev(node.slice, sc)
            if type(node.slice) is not ast.Slice:
                self.hashed(self.base + node._cid, "", sk, sc)
            if b is None:
                return None
            k = "#" + str(self.base + node._cid)
            sl = node.slice
            if type(sl) is ast.Slice:
                # a slice is a container of the same elements, not one of them; only
                # ``x[:]`` keeps their positions
                if sl.lower is None and sl.upper is None and sl.step is None:
                    return b
                self.init(k, Val.CONTAINER + k)
                self.sub(k + "s", b)
                self.flow(k + Key.ELEMS, k + "s")
                self.flow(k, self.proto_result(self.base + node._cid, "g", b, "__getitem__", sc))
                return k
            # an instance of a class of the repository: what its ``__getitem__`` returns
            got = self.proto_result(self.base + node._cid, "g", b, "__getitem__", sc)
            k2 = self.keyed_sub(k, b, sl, sc)
            self.flow(k2, got)
            return self.slot_read(node, k2) if self._slots else k2
        if t is ast.IfExp:
            self.ev(node.test, sc)
            k = "#" + str(self.base + node._cid)
            self.flow(k, self.ev(node.body, sc))
            self.flow(k, self.ev(node.orelse, sc))
            return k
        if t is ast.BoolOp:
            k = "#" + str(self.base + node._cid)
            for v in node.values:
                self.flow(k, self.ev(v, sc))
            return k
        if t is ast.NamedExpr:
            v = self.ev(node.value, sc)
            self.store(node.target, v, sc)
            return v
        if t is ast.Await or t is ast.Starred:
            return self.ev(node.value, sc)
        if t in _COMP_NAMES:
            return self.comprehension(node, sc)
        if t is ast.Yield or t is ast.YieldFrom:
            fs = sc
            while fs is not None and fs.kind not in ("function", "module"):
                fs = fs.parent
            v = self.ev(node.value, sc) if node.value is not None else None
            if fs is not None and fs.kind == "function" and fs.fn is not None:
                fs.fn["gen"] = True
                gk = fs.key + Key.GEN + Key.ELEMS
                if t is ast.Yield:
                    self.flow(gk, v)
                else:
                    s = "#" + str(self.base + node._cid)
                    self.sub(s, v)
                    self.flow(gk, s)
            return None
        if t is ast.BinOp:
            lt = node.left
            if type(node.op) is ast.Mod and type(lt) is ast.Constant and type(lt.value) is str:
                # printf-style formatting converts its operands with str() / repr()
                self.formatting(node, lt.value, sc)
                return None
            left, right = self.ev(lt, sc), self.ev(node.right, sc)
            op = _BINOP_DUNDER.get(type(node.op))
            if op is not None:
                g = self.base + node._cid
                self.proto(g, "l", left, (f"__{op}__",), sc)
                self.proto(g, "r", right, (f"__r{op}__",), sc)
            return None
        if t is ast.Compare:
            g = self.base + node._cid
            left = self.ev(node.left, sc)
            for i, (op, comp) in enumerate(zip(node.ops, node.comparators, strict=False)):
                right = self.ev(comp, sc)
                ot = type(op)
                if ot in _CMP_DUNDER:
                    fwd, rev = _CMP_DUNDER[ot]
                    # ``!=`` falls back to ``not __eq__`` (object.__ne__)
                    extra = ("__eq__",) if ot is ast.NotEq else ()
                    self.proto(g, f"c{i}l", left, (fwd, *extra), sc)
                    self.proto(g, f"c{i}r", right, (rev, *extra), sc)
                elif ot is ast.In or ot is ast.NotIn:
                    self.proto(g, f"c{i}r", right, ("__contains__",), sc)
                    # a dict or set looks the left operand up by its hash
                    self.proto(g, f"c{i}h", left, ("__hash__",), sc)
                left = right
            return None
        if t is ast.UnaryOp:
            v = self.ev(node.operand, sc)
            ut = type(node.op)
            g = self.base + node._cid
            if ut is ast.Not:
                self.proto(g, "u", v, ("__bool__", "__len__"), sc)
            elif ut in _UNARY_DUNDER:
                self.proto(g, "u", v, (_UNARY_DUNDER[ut],), sc)
            return None
        if t is ast.FormattedValue:
            v = self.ev(node.value, sc)
            if node.format_spec is not None:
                self.ev(node.format_spec, sc)
            meths = ("__repr__",) if node.conversion == 114 else FORMAT_DUNDER
            self.proto(self.base + node._cid, "f", v, meths, sc)
            return None
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.expr):
                self.ev(child, sc)
            elif isinstance(child, ast.comprehension):  # pragma: no cover - in comps
                pass
        return None

    def comprehension(self, node: Any, sc: Scope) -> str:
        gid = self.base + node._cid
        name = _COMP_NAMES[type(node)]
        csc = Scope(f"{sc.key}.<{name}>@{node._cid}", "comp", node, sc, sc.caller)
        self.key_of[id(node)] = csc.key
        csc.fn = None
        k = "#" + str(gid)
        self.init(k, Val.CONTAINER + k)
        for i, gen in enumerate(node.generators):
            itk = self.ev(gen.iter, sc if i == 0 else csc)
            self.iterate(self.base + gen._cid, itk, gen.target, csc, csc)
            for cond in gen.ifs:
                self.ev(cond, csc)
        if type(node) is ast.DictComp:
            self.ev(node.key, csc)
            self.flow(k + Key.ELEMS, self.ev(node.value, csc))
        else:
            self.flow(k + Key.ELEMS, self.ev(node.elt, csc))
        return k
