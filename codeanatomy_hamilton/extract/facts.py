"""Per-file resolution facts: names as columns, for the relational cross-file pass.

One walk over the AST records, per scope, what a flow-insensitive points-to analysis
(PyCG-style assignment graph) needs, keyed by strings so that the repository-wide
pass (``resolve.pipeline``) joins them without ever looking at an AST again:

* *variable keys*: ``<scope key>.<name>`` where the scope key of a module is its
  contract qualname, of a class or def its qualname (lambdas and comprehensions get
  ``@<ordinal>`` for uniqueness). Class attributes share the class key, module
  attributes the module key, so ``mod.f`` and the global ``f`` of ``mod`` are one key.
* *expression keys*: ``#<node id>`` (plus a suffix for implicit sub-results).
* *call keys*: ``@<node id>`` hold the values a call site may invoke.
* *values*: ``f:<fkey>`` function, ``c:<qual>`` class, ``i:<qual>`` instance,
  ``m:<module>`` module, ``l:<key>`` container whose elements are ``<key>[]``,
  ``x:<dotted>`` external object (``xi:`` the result of calling one),
  ``b:<fkey>|<qual>`` bound method, ``s:<qual>|<qual>`` super proxy.
  The prefixes are ``core.vocabulary.Val``; the tables and their columns
  ``core.vocabulary.FACT_COLUMNS``.

Name binding follows CPython's ``symtable`` (shared through ``FileContext``).
Node references are global int64 node ids (``ids.file_base(path) + ordinal``).
"""

from __future__ import annotations

import ast
from typing import Any

from codeanatomy_hamilton.core import ids
from codeanatomy_hamilton.core.vocabulary import (
    FACT_COLUMNS,
    RS_ALL,
    RS_ANN,
    RS_ARG,
    RS_ASTORE,
    RS_ATTR,
    RS_BASE,
    RS_CALL,
    RS_CATTR,
    RS_DEF,
    RS_FLOW,
    RS_IMPORT,
    RS_INIT,
    RS_MBIND,
    RS_PARAM,
    RS_PROP,
    RS_SSTORE,
    RS_SUB,
    RS_SUPER,
    RS_USE,
    CallMode,
    ImportKind,
    Key,
    MethodKind,
    Val,
)
from codeanatomy_hamilton.extract.context import FileContext
from codeanatomy_hamilton.extract.scopes import get_scope_model

# builtins (and friends) that call a function they are given: name -> (position of the
# function or keyword name, positions of the iterables whose elements it receives)
HOF: dict[str, tuple[int | str, tuple[int, ...]]] = {
    "map": (0, (1, 2, 3)),
    "filter": (0, (1,)),
    "sorted": ("key", (0,)),
    "min": ("key", (0,)),
    "max": ("key", (0,)),
    "reduce": (0, (1, 1)),
    "functools.reduce": (0, (1, 1)),
}
# Keyed containers. A sequence whose positions are known (tuple/list literal without
# a starred element, the tuples of enumerate/zip) has a container key ending with
# TUPLE_MARK (+ its literal length, when known); a dict display with DICT_MARK. An
# element read with a constant key is an rs_sub row whose ``e`` ends with INDEX_MARK +
# ``const_token(key)``; the resolver reads ``<container>[<token>]`` (plus the wildcard
# slots that stores with unknown effect fill, see ``resolve.points_to.containers``) from keyed
# containers and ``<container>[]`` (every element) from the rest.
TUPLE_MARK = "@t"
DICT_MARK = "@d"
INDEX_MARK = "~i"
# ``rs_sstore.slot``: how a store changes a keyed container. None: unknown key;
# ``=<token>``: constant key; APPEND: at the end; SHIFT: positions of existing
# elements may change (insert, pop, remove, sort, del, slice stores, +=, ...)
APPEND = "+"
SHIFT = "!"
# list/deque methods that move existing elements (the stored value, if any, is last)
SHIFT_METHODS = frozenset(
    ("insert", "extend", "extendleft", "appendleft", "pop", "popleft", "remove", "sort")
    + ("reverse", "rotate", "__iadd__", "__delitem__")
)


def _int_token(v: int) -> str:
    """Decimal, or hex past CPython's int-to-str digit limit (a hex literal can be)."""
    try:
        return str(v)
    except ValueError:
        return hex(v)


def const_token(node: Any) -> str | None:
    """The slot token of a constant subscript key (str or int; bool and float keys
    hash like ints, so they are left unknown), else None."""
    if type(node) is ast.UnaryOp and type(node.op) is ast.USub:
        inner = node.operand
        if type(inner) is ast.Constant and type(inner.value) is int:
            return _int_token(-inner.value)
        return None
    if type(node) is not ast.Constant:
        return None
    v = node.value
    if type(v) is int:
        return _int_token(v)
    if type(v) is str:
        # hex keeps the token free of brackets and of the INDEX_MARK
        return "s" + v.encode("utf-8", "surrogatepass").hex()
    return None


# container methods that store their (last) argument as an element / read an element
STORE_METHODS = frozenset(("append", "add", "insert", "appendleft", "setdefault"))
EXTEND_METHODS = frozenset(("extend", "update", "extendleft"))
READ_METHODS = frozenset(("get", "pop", "popleft", "popitem", "setdefault"))
SAME_METHODS = frozenset(("values", "copy", "__iter__"))

_COMP_NAMES = {
    ast.ListComp: "listcomp",
    ast.SetComp: "setcomp",
    ast.DictComp: "dictcomp",
    ast.GeneratorExp: "genexpr",
}
_FUNC_TYPES = (ast.FunctionDef, ast.AsyncFunctionDef)

# decorators that make a def a property accessor (``@x.setter`` etc. by suffix)
PROPERTY_DECORATORS = frozenset(
    ("property", "cached_property", "functools.cached_property", "abstractproperty")
    + ("abc.abstractproperty", "types.DynamicClassAttribute", "DynamicClassAttribute")
)
PROPERTY_SUFFIXES = (".setter", ".getter", ".deleter")
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
# formatting a value (f-string, ``str.format``, ``format()``): ``__format__``, whose
# default (``object.__format__``) is ``str()``, whose default is ``__repr__``
_FORMAT_DUNDER = ("__format__", "__str__", "__repr__")
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
# callbacks handed to code outside the repository (``callbacks``): keyword names,
# methods / module functions / names and the position of the function they call
CALLBACK_KEYWORDS = (
    "key", "target", "object_hook", "object_pairs_hook", "parse_float", "parse_int",
    "parse_constant", "callback", "default_factory",
)  # fmt: skip
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


# ``iter(f, sentinel)``: a container ``l:<res>CALLABLE_ITER`` whose iteration calls
# what the key ``<res>CALLABLE_ITER + "f"`` holds
CALLABLE_ITER = "~ci"
# an attribute name read by prefix (``getattr(x, "visit_" + name)``): the attribute
# row's name is the prefix followed by this mark (never part of an identifier)
PREFIX_MARK = "*"


def _name_prefix(node: Any) -> str | None:
    """The constant start of a computed attribute name: ``"visit_" + name``,
    ``f"visit_{name}"``, ``"do_%s" % name``, ``"get_{}".format(name)``; None when it
    does not start with an identifier-like prefix."""
    t = type(node)
    pre: Any = None
    if t is ast.BinOp and type(node.left) is ast.Constant:
        lv = node.left.value
        if type(node.op) is ast.Add:
            pre = lv
        elif type(node.op) is ast.Mod and type(lv) is str:
            pre = lv.split("%", 1)[0]
    elif t is ast.JoinedStr and node.values and type(node.values[0]) is ast.Constant:
        pre = node.values[0].value
    elif (
        t is ast.Call
        and type(node.func) is ast.Attribute
        and node.func.attr == "format"
        and type(node.func.value) is ast.Constant
    ):
        fmt = node.func.value.value
        pre = fmt.split("{", 1)[0] if type(fmt) is str else None
    if type(pre) is not str or not pre or not (pre + "x").isidentifier():
        return None
    return pre


# ``property``'s methods called explicitly (``property.__get__(self, obj)`` in a
# subclass): the accessor slot each one calls; ``__init__`` stores them
_PROPERTY_SLOTS = {"__init__": "", "__get__": "fget", "__set__": "fset", "__delete__": "fdel"}
# dict/set methods that look their first argument up by its hash
_HASH_METHODS = frozenset(("get", "setdefault", "pop", "add", "discard", "fromkeys"))


def _module_from_imports(tree: Any, module: str) -> dict[str, str]:
    """Variable key -> ``<module>.<name>`` of every absolute ``from m import name`` at
    module level (also inside top-level ``if``/``try``), so that a call of the bound
    name is recognised as that library function (``reduce`` of ``functools``)."""
    out: dict[str, str] = {}
    todo = list(tree.body)
    while todo:
        n = todo.pop()
        t = type(n)
        if t is ast.ImportFrom and not n.level and n.module:
            for a in n.names:
                if a.name != "*":
                    out[module + "." + (a.asname or a.name)] = n.module + "." + a.name
        elif t is ast.If or t is ast.Try or t is ast.TryStar:
            todo.extend(n.body)
            todo.extend(n.orelse)
            for h in getattr(n, "handlers", ()):
                todo.extend(h.body)
            todo.extend(getattr(n, "finalbody", ()))
    return out


def _is_property(d: Any) -> bool:
    """Whether decorator ``d`` makes a property accessor of the def."""
    if type(d) is ast.Name:
        return d.id in PROPERTY_DECORATORS
    if type(d) is ast.Attribute:
        text = ast.unparse(d)
        return text in PROPERTY_DECORATORS or text.endswith(PROPERTY_SUFFIXES)
    return False


class _Scope:
    __slots__ = ("key", "kind", "node", "parent", "caller", "cache", "cls", "fn", "prefix")

    def __init__(self, key: str, kind: str, node: Any, parent: _Scope | None, caller: str) -> None:
        self.key = key
        self.kind = kind  # module | class | function | comp
        self.node = node  # the AST node that opens the scope (for the scope model)
        self.parent = parent
        self.caller = caller  # qualname of the FUNCTION/MODULE that runs this code
        self.cache: dict[str, str] = {}
        self.cls: str | None = None  # class qualname for class scopes / methods
        self.fn: dict[str, Any] | None = None  # method info: selfkey, generator flag
        # private-name mangling prefix (``_Cls``) of the innermost enclosing class
        if kind == "class":
            stripped = node.name.lstrip("_")
            self.prefix: str | None = "_" + stripped if stripped else None
        else:
            self.prefix = parent.prefix if parent is not None else None

    def mangle(self, name: str) -> str:
        """``__x`` in code inside a class is ``_Cls__x`` (names and attributes alike)."""
        p = self.prefix
        if p is None or name[:2] != "__" or name[-2:] == "__" or "." in name:
            return name
        return p + name


class FactExtractor:
    """Walks one module and fills the ``rs_*`` fact columns."""

    def __init__(self, ctx: FileContext) -> None:
        self.ctx = ctx
        self.base = ids.file_base(ctx.path)
        self.module = ctx.module
        self.quals = ctx.builder.n_qualname
        self.cols: dict[str, dict[str, list[Any]]] = {
            t: {c: [] for c in cs} for t, cs in FACT_COLUMNS.items()
        }
        c = self.cols
        self._flow_d, self._flow_s = c[RS_FLOW]["dst"], c[RS_FLOW]["src"]
        self._init_k, self._init_v = c[RS_INIT]["key"], c[RS_INIT]["val"]
        self._attr = c[RS_ATTR]
        self._sub = c[RS_SUB]
        self.uses: list[tuple[int, str]] = []
        self._callee: Any = None
        # (ordinal, key) of every Name store target (read by ``extract.valueflow``)
        self.store_keys: list[tuple[int, str]] = []
        self.import_bind: dict[str, list[str]] = {}
        self.elt_keys: dict[int, list[str | None]] = {}
        # "a name bound once to a literal" as a subscript key: constant bindings per
        # variable key, keys bound otherwise, and the rs_sub/rs_sstore rows whose key
        # is such a name (patched in ``run`` once every binding of the file is seen)
        self.const_binds: dict[str, list[str | None]] = {}
        self.other_binds: set[str] = set()
        self.pending_sub: list[tuple[int, str]] = []
        self.pending_sstore: list[tuple[int, str]] = []
        # variable key -> the constant prefix of the computed names bound to it (None
        # once bound to anything else), for ``getattr(x, name)`` dispatch
        self.prefix_binds: dict[str, str | None] = {}
        p = ctx.path
        self.pkg = (
            self.module
            if p.endswith(("/__init__.py", "/__init__.pyi")) or p in ("__init__.py",)
            else (self.module.rsplit(".", 1)[0] if "." in self.module else "")
        )
        self.model = get_scope_model(ctx)
        # id(scope node) -> its key (module, class, def, lambda, comprehension)
        self.key_of: dict[int, str] = {id(ctx.tree): self.module}
        st = ctx.symtable
        self.mod_bound: set[str] = set()
        for sym in st.get_symbols():
            if sym.is_assigned() or sym.is_imported():
                self.mod_bound.add(sym.get_name())
        self.from_names = _module_from_imports(ctx.tree, self.module)

    # -- small emitters ------------------------------------------------------
    def row(self, table: str, *values: Any) -> None:
        cols = self.cols[table]
        for name, v in zip(FACT_COLUMNS[table], values, strict=False):
            cols[name].append(v)

    def flow(self, dst: str, src: str | None) -> None:
        if src is not None:
            self._flow_d.append(dst)
            self._flow_s.append(src)

    def init(self, key: str, val: str) -> None:
        self._init_k.append(key)
        self._init_v.append(val)

    def attr(self, e: str, base: str, name: str) -> None:
        a = self._attr
        a["e"].append(e)
        a["base"].append(base)
        a["attr"].append(name)

    def sub(self, e: str, base: str | None) -> None:
        if base is not None:
            self._sub["e"].append(e)
            self._sub["base"].append(base)

    def keyed_sub(self, k: str, base: str, key: Any, sc: _Scope) -> str:
        """``k = base[key]``: with a constant key (or a name bound once to one, decided
        in ``run``) the read names its slot. Returns the key holding the result."""
        tok = const_token(key)
        if tok is not None:
            k += INDEX_MARK + tok
            self.sub(k, base)
            return k
        self.sub(k, base)
        if type(key) is ast.Name:
            self.pending_sub.append((len(self._sub["e"]) - 1, self.resolve(sc, key.id)))
        return k

    def keyed_store(self, base: str, src: str | None, key: Any, sc: _Scope) -> None:
        """``base[key] = src``: a constant key names the slot written."""
        tok = const_token(key)
        if tok is not None:
            self.row(RS_SSTORE, base, src, "=" + tok)
            return
        self.row(RS_SSTORE, base, src, None)
        if type(key) is ast.Name:
            n = len(self.cols[RS_SSTORE]["base"]) - 1
            self.pending_sstore.append((n, self.resolve(sc, key.id)))

    def gid(self, node: Any) -> int:
        return self.base + node._cid

    # -- names -------------------------------------------------------------
    def resolve(self, sc: _Scope, name: str) -> str:
        """The variable key a use of ``name`` in scope ``sc`` denotes: where the scope
        model (``extract.scopes``, CPython's symtable) binds it, under the mangled
        name (``__h`` in a method of ``A`` is ``A.f._A__h``)."""
        r = sc.cache.get(name)
        if r is not None:
            return r
        try:
            target, binding = self.model.resolve(sc.node, name)
        except KeyError:  # a scope the model has no record of: the module's binding
            target, binding = None, "unresolved"
        m = sc.mangle(name)
        if binding == "builtin":
            r = "builtins." + name
        else:
            k = self.key_of.get(id(target)) if target is not None else None
            r = (k or self.module) + "." + m
        sc.cache[name] = r
        return r

    # -- expressions ---------------------------------------------------------
    def ev(self, node: Any, sc: _Scope) -> str | None:  # noqa: C901 - one dispatch
        t = type(node)
        if t is ast.Name:
            k = self.resolve(sc, node.id)
            if type(node.ctx) is ast.Load:
                self.uses.append((node._cid, k))
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
            return k2
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
            meths = ("__repr__",) if node.conversion == 114 else _FORMAT_DUNDER
            self.proto(self.base + node._cid, "f", v, meths, sc)
            return None
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.expr):
                self.ev(child, sc)
            elif isinstance(child, ast.comprehension):  # pragma: no cover - in comps
                pass
        return None

    def property_method(
        self,
        gid: int,
        res: str,
        meth: str,
        argkeys: list[str | None],
        kwkeys: dict[str, str | None],
        sc: _Scope,
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

    def hashed(self, gid: int, suffix: str, key: str | None, sc: _Scope) -> None:
        """Node ``gid`` uses ``key`` as a dict or set key (a subscript, ``in``, a
        display, ``d.get(k)``): looking it up or storing it runs its ``__hash__`` (only
        a method of the repository counts, as for every protocol)."""
        self.proto(gid, suffix + "h", key, ("__hash__",), sc)

    def formatting(self, node: ast.BinOp, fmt: str, sc: _Scope) -> None:
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

    def call(self, node: ast.Call, sc: _Scope) -> str:
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
                lib = self.from_names.get(fk)
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
                self.proto(gid, f"f{j}", a, _FORMAT_DUNDER, sc)
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
            prefix = _name_prefix(name)
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
        sc: _Scope,
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
        sc: _Scope,
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
        self, gid: int, suffix: str, recv: str | None, meth: str, sc: _Scope
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
        self, gid: int, suffix: str, recv: str | None, meths: tuple[str, ...], sc: _Scope
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

    def iterate(self, gid: int, itk: str | None, target: Any, sc: _Scope, tsc: _Scope) -> None:
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
        self, gid: int, suffix: str, recv: str | None, meth: str, sc: _Scope
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

    def copy_elements(self, gid: int, res: str, src: str, sc: _Scope) -> None:
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

    def comprehension(self, node: Any, sc: _Scope) -> str:
        gid = self.base + node._cid
        name = _COMP_NAMES[type(node)]
        csc = _Scope(f"{sc.key}.<{name}>@{node._cid}", "comp", node, sc, sc.caller)
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

    # -- stores ------------------------------------------------------------
    def store(self, target: Any, vkey: str | None, sc: _Scope, vnode: Any = None) -> None:
        t = type(target)
        if t is ast.Name:
            k = self.resolve(sc, target.id)
            self.flow(k, vkey)
            if hasattr(target, "_cid"):
                self.store_keys.append((target._cid, k))
            pre = _name_prefix(vnode) if vnode is not None else None
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

    # -- scopes ------------------------------------------------------------
    def function(self, node: Any, sc: _Scope) -> str:
        """A def or lambda: its parameters, body, and the key holding its value."""
        cid = node._cid
        gid = self.base + cid
        is_lambda = type(node) is ast.Lambda
        qual = self.quals[cid] or node.__class__.__name__
        key = f"{qual}@{cid}" if is_lambda else qual
        fsc = _Scope(key, "function", node, sc, qual)
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
        # parameters: defaults are evaluated in the enclosing scope
        positional = args.posonlyargs + args.args
        pdefaults = [None] * (len(positional) - len(args.defaults)) + list(args.defaults)
        for i, (a, d) in enumerate(zip(positional, pdefaults, strict=False)):
            pk = key + "." + fsc.mangle(a.arg)
            self.row(RS_PARAM, key, i, a.arg, pk, "p")
            if d is not None:
                self.flow(pk, self.ev(d, sc))
            self.annotation(pk, a.annotation, sc)
        for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=False):
            pk = key + "." + fsc.mangle(a.arg)
            self.row(RS_PARAM, key, -1, a.arg, pk, "k")
            if d is not None:
                self.flow(pk, self.ev(d, sc))
            self.annotation(pk, a.annotation, sc)
        for a, kind in ((args.vararg, "v"), (args.kwarg, "w")):
            if a is not None:
                pk = key + "." + fsc.mangle(a.arg)
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
            self.store(ast.Name(id=node.name, ctx=ast.Store()), k, sc)
        if fsc.fn["gen"]:
            self.init(key + Key.RET, Val.CONTAINER + key + Key.GEN)
        return k

    def annotation(self, pk: str, ann: Any, sc: _Scope) -> None:
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

    def decorate(self, node: Any, k: str, sc: _Scope) -> str:
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

    def classdef(self, node: ast.ClassDef, sc: _Scope) -> None:
        cid = node._cid
        gid = self.base + cid
        qual = self.quals[cid] or node.name
        for i, b in enumerate(node.bases):
            bk = self.ev(b, sc)
            self.row(RS_BASE, qual, i, bk, ast.unparse(b) if bk is None else None)
        for kw in node.keywords:
            self.ev(kw.value, sc)
        csc = _Scope(qual, "class", node, sc, sc.caller)
        self.key_of[id(node)] = qual
        csc.cls = qual
        self.row(RS_DEF, gid, Val.CLASS + qual, qual, None, None)
        self.body(node.body, csc)
        k = "#" + str(gid) + "f"
        self.init(k, Val.CLASS + qual)
        k = self.decorate(node, k, sc)
        self.store(ast.Name(id=node.name, ctx=ast.Store()), k, sc)

    # -- statements ----------------------------------------------------------
    def body(self, stmts: list[Any], sc: _Scope) -> None:
        for s in stmts:
            self.stmt(s, sc)

    def stmt(self, node: Any, sc: _Scope) -> None:  # noqa: C901 - one dispatch
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
                        self.store(ast.Name(id=h.name, ctx=ast.Store()), hk, sc)
                self.body(h.body, sc)
            self.body(node.orelse, sc)
            self.body(node.finalbody, sc)
        elif t is ast.Import or t is ast.ImportFrom:
            self.imports(node, sc)
        elif t is ast.Match:
            self.ev(node.subject, sc)
            for case in node.cases:
                if case.guard is not None:
                    self.ev(case.guard, sc)
                self.body(case.body, sc)
        elif t in (ast.Pass, ast.Break, ast.Continue, ast.Global, ast.Nonlocal):
            pass
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

    def all_names(self, value: Any) -> None:
        if type(value) in (ast.List, ast.Tuple):
            for e in value.elts:
                if type(e) is ast.Constant and isinstance(e.value, str):
                    self.row(RS_ALL, self.module, e.value)

    def imports(self, node: Any, sc: _Scope) -> None:
        sid = self.base + node._cid
        if type(node) is ast.Import:
            for a in node.names:
                g = self.base + a._cid
                ak = "#" + str(g)
                top = a.asname is None
                bind = self.resolve(sc, a.asname or a.name.split(".")[0])
                self.row(
                    RS_IMPORT,
                    sid,
                    g,
                    self.module,
                    ImportKind.IMPORT,
                    0,
                    a.name,
                    None,
                    top,
                    ak,
                    self.pkg,
                    self.ctx.path,
                )
                self.flow(bind, ak)
                self.import_bind.setdefault(bind, []).append(ak)
            return
        level = node.level or 0
        for a in node.names:
            g = self.base + a._cid
            ak = "#" + str(g)
            if a.name == "*":
                self.row(
                    RS_IMPORT,
                    sid,
                    g,
                    self.module,
                    ImportKind.STAR,
                    level,
                    node.module or "",
                    "*",
                    False,
                    ak,
                    self.pkg,
                    self.ctx.path,
                )
                continue
            bind = self.resolve(sc, a.asname or a.name)
            self.row(
                RS_IMPORT,
                sid,
                g,
                self.module,
                ImportKind.FROM,
                level,
                node.module or "",
                a.name,
                False,
                ak,
                self.pkg,
                self.ctx.path,
            )
            self.flow(bind, ak)
            self.import_bind.setdefault(bind, []).append(ak)

    # -- driver ------------------------------------------------------------
    def patch_name_keys(self) -> None:
        """Subscripts keyed by a name that is bound exactly once in the file, to a
        str/int literal (no other assignment, parameter, import, loop target, ...)
        read/write that literal's slot."""
        if not self.pending_sub and not self.pending_sstore:
            return
        bound_else = self.other_binds | set(self._flow_d) | set(self._init_k)
        bound_else.update(self.cols[RS_PARAM]["key"])
        toks: dict[str, str] = {}
        for k, ts in self.const_binds.items():
            if len(ts) == 1 and ts[0] is not None and k not in bound_else:
                toks[k] = ts[0]
        e = self._sub["e"]
        for i, k in self.pending_sub:
            tok = toks.get(k)
            if tok is not None:
                # the read row names the slot; the expression key keeps its name
                self.flow(e[i], e[i] + INDEX_MARK + tok)
                e[i] += INDEX_MARK + tok
        slots = self.cols[RS_SSTORE]["slot"]
        for i, k in self.pending_sstore:
            tok = toks.get(k)
            if tok is not None:
                slots[i] = "=" + tok

    def run(self) -> None:
        tree = self.ctx.tree
        msc = _Scope(self.module, "module", tree, None, self.module)
        self.body(tree.body, msc)
        for name in sorted(self.mod_bound):
            self.row(RS_MBIND, self.module, name)
        self.patch_name_keys()
        ib = self.import_bind
        if ib:
            for cid, k in self.uses:
                aks = ib.get(k)
                if aks:
                    for ak in aks:
                        self.row(RS_USE, self.base + cid, ak)
        facts = self.ctx.builder.facts
        for table, cols in self.cols.items():
            if cols[FACT_COLUMNS[table][0]]:
                facts[table] = cols


def run_facts_pass(ctx: FileContext) -> None:
    """Record the ``rs_*`` fact tables of one file (see module docstring)."""
    fx = FactExtractor(ctx)
    fx.run()
    # the points-to keys of Name loads and stores, for the value-flow pass
    ctx.shared["fact_name_keys"] = (fx.uses, fx.store_keys)
