"""Call facts (``CallFacts``, mixed into ``extract.facts.FactExtractor``): call sites,
builtins and methods with known effects (containers, higher-order builtins,
callbacks, ``property``), implicit protocol calls."""

from __future__ import annotations

import ast
from typing import Any

from codeanatomy_hamilton.core.vocabulary import (
    RS_ARG,
    RS_ASTORE,
    RS_CALL,
    RS_PROP,
    RS_SSTORE,
    RS_SUPER,
    CallMode,
    Key,
    Val,
)
from codeanatomy_hamilton.extract.fact_keys import (
    APPEND,
    CALLABLE_ITER,
    CALLBACK_KEYWORDS,
    DICT_MARK,
    EXTEND_METHODS,
    FORMAT_DUNDER,
    HOF,
    PREFIX_MARK,
    READ_METHODS,
    SAME_METHODS,
    SHIFT,
    SHIFT_METHODS,
    STORE_METHODS,
    TUPLE_MARK,
    Scope,
    const_token,
    name_prefix,
)
from codeanatomy_hamilton.extract.facts_expr import ExpressionFacts

# builtins whose call runs a protocol method of their first argument
_BUILTIN_DUNDER: dict[str, tuple[str, ...]] = {
    "len": ("__len__",), "str": ("__str__", "__repr__"), "repr": ("__repr__",),
    "format": ("__format__", "__str__", "__repr__"), "bool": ("__bool__", "__len__"),
    "hash": ("__hash__",), "iter": ("__iter__",), "next": ("__next__",),
    "abs": ("__abs__",), "int": ("__int__", "__index__"), "float": ("__float__",),
    "complex": ("__complex__",), "reversed": ("__reversed__", "__len__", "__getitem__"),
    "round": ("__round__",), "divmod": ("__divmod__",), "list": ("__iter__",),
    "tuple": ("__iter__",), "set": ("__iter__",), "frozenset": ("__iter__",),
    "sorted": ("__iter__",), "sum": ("__iter__",), "any": ("__iter__",),
    "all": ("__iter__",), "enumerate": ("__iter__",), "dict": ("keys", "__getitem__"),
    "bytes": ("__bytes__",), "dir": ("__dir__",), "contains": ("__contains__",),
}  # fmt: skip
_CALLBACK_METHODS: dict[str, int] = {"add_done_callback": 0, "call_soon": 0, "submit": 0}
_CALLBACK_FUNCTIONS: dict[tuple[str, str], int] = {
    ("atexit", "register"): 0, ("signal", "signal"): 1, ("itertools", "starmap"): 0,
    ("itertools", "takewhile"): 0, ("itertools", "dropwhile"): 0,
    ("itertools", "filterfalse"): 0, ("itertools", "accumulate"): 1,
    ("functools", "partial"): 0, ("copyreg", "pickle"): 1, ("weakref", "finalize"): 1,
    ("collections", "defaultdict"): 0,
}  # fmt: skip
_CALLBACK_NAMES: dict[str, int] = {"defaultdict": 0, "starmap": 0, "takewhile": 0, "dropwhile": 0}
# builtins that build a new container of the values iterating their argument yields
_COPY_BUILTINS = frozenset(("list", "tuple", "set", "frozenset", "sorted"))
# builtins that compare or print the elements / arguments they are given
_ELEM_DUNDER: dict[str, tuple[str, ...]] = {
    "sorted": ("__lt__",),
    "min": ("__lt__",),
    "max": ("__gt__",),
}


def _literal_type(e: Any) -> str | None:
    """The builtin type of a literal (display) expression, else None."""
    t = type(e)
    if t is ast.Constant:
        v = e.value
        return type(v).__name__ if type(v) in (str, bytes, int, float, complex) else None
    if t is ast.JoinedStr:
        return "str"
    return _DISPLAY_TYPES.get(t)


_DISPLAY_TYPES = {
    ast.List: "list", ast.ListComp: "list", ast.Tuple: "tuple", ast.Dict: "dict",
    ast.DictComp: "dict", ast.Set: "set", ast.SetComp: "set",
}  # fmt: skip


# ``property``'s methods called explicitly (``property.__get__(self, obj)`` in a
# subclass): the accessor slot each one calls; ``__init__`` stores them
_PROPERTY_SLOTS = {"__init__": "", "__get__": "fget", "__set__": "fset", "__delete__": "fdel"}
# dict/set methods that look their first argument up by its hash
_HASH_METHODS = frozenset(("get", "setdefault", "pop", "add", "discard", "fromkeys"))


class CallFacts(ExpressionFacts):
    """The call rules of ``FactExtractor``."""

    def property_method(
        self,
        gid: int,
        res: str,
        meth: str,
        argkeys: list[str | None],
        kwkeys: dict[str, str | None],
        sc: Scope,
    ) -> None:
        """``property.__init__(self, fget, fset, fdel, doc)`` stores the accessors on
        ``self``; ``property.__get__(self, obj)`` calls ``self.fget(obj)``,
        ``__set__(self, obj, value)`` ``self.fset(obj, value)`` and ``__delete__``
        ``self.fdel(obj)`` (the data model's descriptor HowTo gives property's
        equivalent in Python): how subclasses of ``property`` reach their accessors."""
        recv = argkeys[0] if argkeys else None
        if recv is None:
            return
        if meth == "__init__":
            for i, name in enumerate(("fget", "fset", "fdel")):
                v = argkeys[i + 1] if i + 1 < len(argkeys) else kwkeys.get(name)
                if v is not None:
                    self.row(RS_ASTORE, recv, name, v)
            return
        slot = _PROPERTY_SLOTS[meth]
        a = f"{res}{slot}"
        self.attr(a, recv, slot)
        ck = f"@{gid}{slot}"
        self.flow(ck, a)
        self.row(RS_CALL, gid, ck, res, CallMode.CALL, sc.caller)
        for i, v in enumerate(argkeys[1 : 3 if meth == "__set__" else 2]):
            if v is not None:
                self.row(RS_ARG, ck, i, None, v, 0)

    def hashed(self, gid: int, suffix: str, key: str | None, sc: Scope) -> None:
        """Node ``gid`` uses ``key`` as a dict or set key (a subscript, ``in``, a
        display, ``d.get(k)``): looking it up or storing it runs its ``__hash__`` (only
        a method of the repository counts, as for every protocol)."""
        self.proto(gid, suffix + "h", key, ("__hash__",), sc)

    def formatting(self, node: ast.BinOp, fmt: str, sc: Scope) -> None:
        """``fmt % operands``: each operand's ``__str__`` (``%r``, and ``object.__str__``:
        ``__repr__``)."""
        meths = ("__str__", "__repr__")
        g = self.base + node._cid
        r = node.right
        if type(r) is ast.Tuple:
            for i, e in enumerate(r.elts):
                self.proto(g, f"m{i}", self.ev(e, sc), meths, sc)
        else:
            self.proto(g, "m", self.ev(r, sc), meths, sc)

    def call(self, node: ast.Call, sc: Scope) -> str:
        gid = self.base + node._cid
        func = node.func
        # a called attribute is a method call, not a property read (``x.f()`` reading
        # a property that returns a callable is rare; it is then missed)
        self._callee = func
        fk = self.ev(func, sc)
        # the receiver key of ``x.m(...)``: the attr row ev() just appended
        recv = self._attr["base"][-1] if fk is not None and type(func) is ast.Attribute else None
        ck = "@" + str(gid)
        res = "#" + str(gid)
        self.flow(ck, fk)
        self.row(RS_CALL, gid, ck, res, CallMode.CALL, sc.caller)
        if type(func) is ast.Attribute:
            lit = _literal_type(func.value)
            if lit is not None:
                # ``" ".join(xs)``, ``{}.items()``: a method of the builtin type
                self.init(ck, f"{Val.EXT}builtins.{lit}.{func.attr}")
        argkeys: list[str | None] = []
        for i, a in enumerate(node.args):
            if type(a) is ast.Starred:
                v = self.ev(a.value, sc)
                s = "#" + str(self.base + a._cid)
                self.sub(s, v)
                self.row(RS_ARG, ck, -1, None, s, 1)
                argkeys.append(None)
            else:
                v = self.ev(a, sc)
                argkeys.append(v)
                if v is not None:
                    self.row(RS_ARG, ck, i, None, v, 0)
        kwkeys: dict[str, str | None] = {}
        for kw in node.keywords:
            v = self.ev(kw.value, sc)
            if kw.arg is None:
                s = "#" + str(self.base + kw._cid)
                self.sub(s, v)
                self.row(RS_ARG, ck, -1, None, s, 2)
            else:
                kwkeys[kw.arg] = v
                if v is not None:
                    self.row(RS_ARG, ck, -1, kw.arg, v, 0)
        ft = type(func)
        if ft is ast.Name:
            if func.id == "super" and fk == "builtins.super":
                fs = sc
                while fs is not None and fs.kind == "comp":
                    fs = fs.parent
                if fs is not None and fs.fn is not None and fs.fn.get("selfkey"):
                    self.row(RS_SUPER, res, fs.fn["selfkey"], fs.fn["cls"])
            text = func.id if fk == "builtins." + func.id else None
            if text is None and fk is not None:
                # ``from functools import reduce``: the library function by its name
                lib = self.from_names.get(self.resolve(sc, func.id))
                text = lib if lib in HOF else None
        elif ft is ast.Attribute:
            text = "functools.reduce" if func.attr == "reduce" else None
            base = recv
            m = func.attr
            if base is not None:
                # how the store moves keys/positions of a keyed container
                slot: str | None = None
                if m == "append":
                    slot = APPEND
                elif m in SHIFT_METHODS:
                    slot = SHIFT
                elif m == "setdefault" and len(node.args) == 2:
                    tok = const_token(node.args[0])
                    slot = None if tok is None else "=" + tok
                if m in STORE_METHODS and argkeys:
                    last = argkeys[-1]
                    if last is not None:
                        self.row(RS_SSTORE, base, last, slot)
                if m in EXTEND_METHODS and argkeys and argkeys[0] is not None:
                    s = res + "x"
                    self.sub(s, argkeys[0])
                    self.row(RS_SSTORE, base, s, slot)
                if slot == SHIFT and m not in STORE_METHODS and m not in EXTEND_METHODS:
                    # pop/remove/sort/...: no new element, existing ones move
                    self.row(RS_SSTORE, base, None, SHIFT)
                if m in _HASH_METHODS and argkeys:
                    self.hashed(gid, "", argkeys[0], sc)
                if m == "get" and node.args and not node.keywords:
                    # ``d.get(<constant>)`` reads that key (its default is no element)
                    got = self.keyed_sub(res, base, node.args[0], sc)
                    self.flow(res, got if got != res else None)
                elif m in READ_METHODS:
                    self.sub(res, base)
                if m in SAME_METHODS:
                    self.flow(res, base)
                if m == "sort" and "key" in kwkeys:
                    self.hof(gid, ck, kwkeys["key"], [self.elem(res + "k", base)], sc)
        else:
            text = None
        if text == "enumerate" and argkeys:
            self.tuples_of(res, [None, argkeys[0]])
        elif text == "zip" and argkeys:
            self.tuples_of(res, argkeys)
        elif ft is ast.Attribute and recv is not None and func.attr == "items" and not argkeys:
            # dict keys are not tracked (only values are the dict's elements)
            self.tuples_of(res, [None, recv])
        if text is not None and argkeys and argkeys[0] is not None:
            # next(it) is one element of the iterator; iter/reversed keep the elements
            if text == "next":
                self.sub(res, argkeys[0])
            elif text == "iter" and len(node.args) == 2:
                # ``iter(f, sentinel)``: iterating it calls ``f`` until the sentinel
                # (a callable iterator, ``CALLABLE_ITER``; the resolver's
                # ``output._generator_resumes`` turns its iteration into calls of f)
                self.init(res, Val.CONTAINER + res + CALLABLE_ITER)
                self.flow(res + CALLABLE_ITER + "f", argkeys[0])
            elif text in ("iter", "reversed"):
                self.flow(res, argkeys[0])
        if (
            ft is ast.Attribute
            and func.attr == "format"
            and type(func.value) is ast.Constant
            and type(func.value.value) is str
        ):
            # ``"{}".format(x)``: each argument's ``__format__`` (object's: ``str()``)
            vals = [*argkeys, *kwkeys.values()]
            for j, a in enumerate(vals):
                self.proto(gid, f"f{j}", a, FORMAT_DUNDER, sc)
        if text in _COPY_BUILTINS and argkeys and argkeys[0] is not None:
            self.copy_elements(gid, res, argkeys[0], sc)
        elif text == "dict":
            self.dict_call(res, argkeys, kwkeys)
        if text is not None and argkeys:
            meths = _BUILTIN_DUNDER.get(text)
            if meths is not None and text not in _COPY_BUILTINS:
                self.proto(gid, "b", argkeys[0], meths, sc)
            meths = _ELEM_DUNDER.get(text)
            if meths is not None and argkeys[0] is not None:
                self.proto(gid, "e", self.elem(res + "q", argkeys[0]), meths, sc)
            if text == "print":
                for j, a in enumerate(argkeys):
                    self.proto(gid, f"p{j}", a, ("__str__", "__repr__"), sc)
        if text == "type" and len(node.args) == 1 and argkeys[0] is not None:
            # ``type(x)`` is ``x.__class__``: ``type(self)(...)`` makes any subclass
            a = res + "c"
            self.attr(a, argkeys[0], "__class__")
            self.flow(res, a)
        if (
            ft is ast.Attribute
            and func.attr in _PROPERTY_SLOTS
            and type(func.value) is ast.Name
            and fk is not None
            and self.resolve(sc, func.value.id) == "builtins.property"
        ):
            self.property_method(gid, res, func.attr, argkeys, kwkeys, sc)
        if text == "property":
            # ``property(fget, fset, fdel)``: the accessors stay reachable through
            # the attribute and are property accessors
            for a in node.args[:3]:
                if type(a) is ast.Name:
                    self.flow(res, self.resolve(sc, a.id))
                    self.row(RS_PROP, self.resolve(sc, a.id))
        if (
            text in ("getattr", "hasattr")
            and len(node.args) >= 2
            and argkeys[0] is not None
            and type(node.args[1]) is ast.Constant
            and type(node.args[1].value) is str
        ):
            # a constant attribute name: ``getattr(x, "f")`` reads ``x.f`` (running
            # a property getter, as ``hasattr`` does)
            a = res + "g"
            self.attr(a, argkeys[0], node.args[1].value)
            self.row(RS_CALL, gid, a, None, CallMode.PROP, sc.caller)
            if text == "getattr":
                self.flow(res, a)
        elif text == "getattr" and len(node.args) >= 2 and argkeys[0] is not None:
            name = node.args[1]
            prefix = name_prefix(name)
            if prefix is None and type(name) is ast.Name:
                # ``n = "_handle_%s" % kind; getattr(self, n)``: a name bound (so far)
                # only to such expressions
                prefix = self.prefix_binds.get(self.resolve(sc, name.id))
            if prefix:
                # dispatch by name: ``getattr(self, "visit_" + kind)`` may read any
                # attribute named ``visit_...`` (``PREFIX_MARK``, see the resolver)
                a = res + "g"
                self.attr(a, argkeys[0], prefix + PREFIX_MARK)
                self.flow(res, a)
        if text == "getattr" and len(node.args) == 3:
            self.flow(res, argkeys[2])  # the default
        if text is not None and text in HOF:
            fpos, ipos = HOF[text]
            f = (
                kwkeys.get(fpos)
                if isinstance(fpos, str)
                else (argkeys[fpos] if fpos < len(argkeys) else None)
            )
            elems = [
                self.elem(res + "e" + str(j), argkeys[p]) if p < len(argkeys) else None
                for j, p in enumerate(ipos)
            ]
            if f is not None:
                cmp = _ELEM_DUNDER.get(text) if isinstance(fpos, str) else None
                kres = res + "k" if cmp is not None else None
                self.hof(gid, ck, f, elems, sc, res=kres)
                if cmp is not None and kres is not None:
                    # ``sorted(xs, key=f)`` compares what ``f`` returns (a tuple: its
                    # elements, in order)
                    self.proto(gid, "k", kres, cmp, sc)
                    self.proto(gid, "ke", self.elem(kres + "e", kres), ("__eq__", *cmp), sc)
        else:
            self.callbacks(node, gid, ck, argkeys, kwkeys, sc)
        return res

    def callbacks(
        self,
        node: ast.Call,
        gid: int,
        ck: str,
        argkeys: list[str | None],
        kwkeys: dict[str, str | None],
        sc: Scope,
    ) -> None:
        """Functions handed to code outside the repository that calls them back
        (``re.sub(p, f, s)``, ``pattern.sub(f, s)``, ``Thread(target=f)``,
        ``json.loads(s, object_hook=f)``, ``key=f``, ``atexit.register(f)``): the
        call performs a call of each (recognised by the callee's spelling)."""
        got: list[str | None] = [kwkeys.get(k) for k in CALLBACK_KEYWORDS if k in kwkeys]
        func = node.func
        if type(func) is ast.Attribute:
            pos = _CALLBACK_METHODS.get(func.attr)
            owner = func.value.id if type(func.value) is ast.Name else None
            if func.attr in ("sub", "subn"):
                pos = 1 if owner == "re" else 0
            elif owner is not None and (owner, func.attr) in _CALLBACK_FUNCTIONS:
                pos = _CALLBACK_FUNCTIONS[(owner, func.attr)]
            if pos is not None and pos < len(argkeys):
                got.append(argkeys[pos])
        elif type(func) is ast.Name and func.id in _CALLBACK_NAMES:
            p = _CALLBACK_NAMES[func.id]
            if p < len(argkeys):
                got.append(argkeys[p])
        for i, f in enumerate(got):
            self.hof(gid, ck, f, [], sc, f"~c{i}")

    def tuples_of(self, res: str, parts: list[str | None]) -> None:
        """``res`` is an iterable of tuples whose position i holds the elements of
        ``parts[i]`` (enumerate, zip, dict.items), so ``for i, f in ...`` unpacks
        by position."""
        c = res + "z"
        t = c + TUPLE_MARK
        self.init(res, Val.CONTAINER + c)
        self.init(c + Key.ELEMS, Val.CONTAINER + t)
        for i, p in enumerate(parts):
            e = self.elem(f"{c}{i}", p)
            if e is not None:
                self.flow(f"{t}[{i}]", e)
                self.flow(t + Key.ELEMS, e)

    def elem(self, e: str, base: str | None) -> str | None:
        if base is None:
            return None
        self.sub(e, base)
        return e

    def hof(
        self,
        gid: int,
        ck: str,
        f: str | None,
        elems: list[str | None],
        sc: Scope,
        suffix: str = "~",
        res: str | None = None,
    ) -> None:
        """The builtin at call ``gid`` calls ``f`` with the elements of its iterables
        (``res``: the key of what ``f`` returns, where the builtin uses it)."""
        if f is None:
            return
        hk = ck + suffix
        self.flow(hk, f)
        self.row(RS_CALL, gid, hk, res, CallMode.HOF, sc.caller)
        for j, e in enumerate(elems):
            if e is not None:
                self.row(RS_ARG, hk, j, None, e, 0)

    def implicit_call(
        self, gid: int, suffix: str, recv: str | None, meth: str, sc: Scope
    ) -> str | None:
        """``recv.meth()`` performed implicitly by node ``gid`` (for, with, ...)."""
        if recv is None:
            return None
        a = "#" + str(gid) + suffix + "a"
        self.attr(a, recv, meth)
        ck = "@" + str(gid) + suffix
        res = "#" + str(gid) + suffix + "r"
        self.flow(ck, a)
        self.row(RS_CALL, gid, ck, res, CallMode.IMPLICIT, sc.caller)
        return res

    def proto(
        self, gid: int, suffix: str, recv: str | None, meths: tuple[str, ...], sc: Scope
    ) -> None:
        """Node ``gid`` runs protocol method(s) ``meths`` of ``recv`` (``a + b``,
        ``x[k]``, ``len(x)``, ...): each is an attribute read whose value is called
        (an ``rs_call`` row of mode ``proto`` keyed by the attribute's key)."""
        if recv is None:
            return
        for i, m in enumerate(meths):
            a = f"#{gid}{suffix}{i}p"
            self.attr(a, recv, m)
            self.row(RS_CALL, gid, a, None, CallMode.PROTO, sc.caller)

    def iterate(self, gid: int, itk: str | None, target: Any, sc: Scope, tsc: Scope) -> None:
        if itk is None:
            self.store(target, None, tsc)
            return
        it = self.implicit_call(gid, "i", itk, "__iter__", sc)
        nx = self.implicit_call(gid, "n", it, "__next__", sc)
        tk = "#" + str(gid) + "t"
        self.sub(tk + "e", itk)
        self.flow(tk, tk + "e")
        self.flow(tk, nx)
        # what ``__iter__`` returns may be a container or generator: its elements
        self.flow(tk, self.elem(tk + "g", it))
        self.store(target, tk, tsc)

    def proto_result(
        self, gid: int, suffix: str, recv: str | None, meth: str, sc: Scope
    ) -> str | None:
        """``recv.meth()`` run implicitly by node ``gid`` as a protocol (like ``proto``:
        only methods of the repository count as calls), and the key of its result."""
        if recv is None:
            return None
        a = f"#{gid}{suffix}0p"
        res = f"#{gid}{suffix}r"
        self.attr(a, recv, meth)
        self.row(RS_CALL, gid, a, res, CallMode.PROTO, sc.caller)
        return res

    def copy_elements(self, gid: int, res: str, src: str, sc: Scope) -> None:
        """``list(x)``, ``tuple(x)``, ``sorted(x)``, ...: ``res`` is a new container of
        what iterating ``x`` yields (the data model's iteration protocol): the elements
        of a container, and for an instance of a class of the repository what its
        ``__iter__`` returns yields (a generator's values, the elements of a container)
        or what the returned iterator's ``__next__`` returns."""
        self.init(res, Val.CONTAINER + res)
        ek = res + Key.ELEMS
        self.sub(ek, src)
        it = self.proto_result(gid, "bi", src, "__iter__", sc)
        self.flow(ek, self.elem(ek + "g", it))
        self.flow(ek, self.proto_result(gid, "bn", it, "__next__", sc))

    def dict_call(self, res: str, argkeys: list[str | None], kwkeys: dict[str, str | None]) -> None:
        """``dict(mapping_or_pairs, **kwargs)``: a new dict holding the keyword values
        under their names and the values of the positional argument (as elements of
        unknown key)."""
        ck = res + DICT_MARK
        self.init(res, Val.CONTAINER + ck)
        ek = ck + Key.ELEMS
        if argkeys and argkeys[0] is not None:
            s = res + "v"
            self.sub(s, argkeys[0])
            self.flow(ek, s)
            self.flow(ck + "[*]", s)
        for name, v in kwkeys.items():
            tok = "s" + name.encode("utf-8", "surrogatepass").hex()
            self.flow(ek, v)
            self.flow(f"{ck}[{tok}]", v)
