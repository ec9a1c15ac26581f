"""The key grammar of the per-file resolution facts (``extract.facts``): the marks
that key suffixes and slot tokens use (read back by ``resolve.points_to``), constant
tokens, the method tables (builtins calling functions, container methods, dunder
protocols, callbacks) and the per-body scope (``Scope``)."""

from __future__ import annotations

import ast
from typing import Any

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

# decorators that make a def a property accessor (``@x.setter`` etc. by suffix)
PROPERTY_DECORATORS = frozenset(
    ("property", "cached_property", "functools.cached_property", "abstractproperty")
    + ("abc.abstractproperty", "types.DynamicClassAttribute", "DynamicClassAttribute")
)
PROPERTY_SUFFIXES = (".setter", ".getter", ".deleter")
# formatting a value (f-string, ``str.format``, ``format()``): ``__format__``, whose
# default (``object.__format__``) is ``str()``, whose default is ``__repr__``
FORMAT_DUNDER = ("__format__", "__str__", "__repr__")
# callbacks handed to code outside the repository (``callbacks``): keyword names,
# methods / module functions / names and the position of the function they call
CALLBACK_KEYWORDS = (
    "key", "target", "object_hook", "object_pairs_hook", "parse_float", "parse_int",
    "parse_constant", "callback", "default_factory",
)  # fmt: skip


# ``iter(f, sentinel)``: a container ``l:<res>CALLABLE_ITER`` whose iteration calls
# what the key ``<res>CALLABLE_ITER + "f"`` holds
CALLABLE_ITER = "~ci"
# an attribute name read by prefix (``getattr(x, "visit_" + name)``): the attribute
# row's name is the prefix followed by this mark (never part of an identifier)
PREFIX_MARK = "*"


def name_prefix(node: Any) -> str | None:
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


class Scope:
    __slots__ = ("key", "kind", "node", "parent", "caller", "cache", "cls", "fn", "prefix")

    def __init__(self, key: str, kind: str, node: Any, parent: Scope | None, caller: str) -> None:
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
