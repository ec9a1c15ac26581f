"""Per-file value flow: the ``FLOW`` and ``FLOW_GLOBAL`` edges and the ``vf_*`` facts
from which ``resolve.valueflow`` derives the cross-file value-flow edges.

"The value at node A may become the value at node B" is reachability over
REACHING_DEF plus the value-flow kinds (see docs/tables.md, "Value-flow edges").
This pass emits what one file decides on its own:

* ``FLOW``: an operand, element or branch -> the value of the expression that combines
  it (operators, f-strings, ``a or b``, ``x if c else y``, literals of containers,
  comprehensions, ``await``, ``*x``); an assigned value -> each store target (``=``,
  ``+=``, annotated, walrus, ``with ... as``, literal unpacking by position); a
  parameter default -> the PARAMETER; a ``for`` target tuple -> its names.
* ``FLOW_GLOBAL``: a store to a module variable (also through ``global``) or to a
  ``nonlocal`` cell -> the loads of that variable in other function bodies of the file.
* ``FLOW_EXC``: the value of ``raise X`` -> each ``except ... as e`` handler whose
  ``try`` body holds the raise in the same function.

Everything that needs another file, the call graph or points-to is a fact row:
``vf_arg`` (arguments and receivers of calls), ``vf_param``, ``vf_ret`` (returned and
yielded values), ``vf_attr`` (attribute stores and loads), ``vf_elem`` (container
element stores and loads), ``vf_try`` (calls inside ``try`` bodies with named
handlers). Bases are named by their points-to key (``extract.facts``), read from the
facts pass through ``FileContext.shared``.

Code under a constant-false condition (``if False:``, ``if 0:``, ``while 0``, the dead
arm of ``x if 1 else y``) cannot run: nothing inside it gets a value-flow edge or fact,
and its nodes (of statements) get the prop ``unreachable`` = true, so that queries
never start or end a flow there.
"""

from __future__ import annotations

import ast
import operator
from typing import Any

import pyarrow as pa

from codeanatomy_hamilton.core import ids
from codeanatomy_hamilton.core.vocabulary import (
    VF_ARG,
    VF_ATTR,
    VF_ELEM,
    VF_IMPLICIT,
    VF_PARAM,
    VF_RAISE,
    VF_RET,
    VF_TRY,
    EdgeKind,
    Key,
    MethodKind,
    Val,
)
from codeanatomy_hamilton.extract.context import FileContext
from codeanatomy_hamilton.extract.fact_keys import INDEX_MARK, const_token

# fact tables of this pass, with their Arrow types (registered in extract.fact_schemas)
_I64, _I32, _STR = pa.int64(), pa.int32(), pa.string()
VF_FACT_SCHEMAS: dict[str, pa.Schema] = {
    # one row per argument / receiver of a call: kind p (positional, ``pos``), k
    # (keyword ``kw``), s (``*x`` at ``pos``), w (``**x``), r (receiver); ``meth`` the
    # attribute name of ``x.meth(...)`` (on every row of the call); ``key`` the
    # operand's points-to key (a container passed whole to an external call)
    VF_ARG: pa.schema(
        [
            ("callid", _I64),
            ("kind", _STR),
            ("pos", _I32),
            ("kw", _STR),
            ("node_id", _I64),
            ("meth", _STR),
            ("key", _STR),
        ]
    ),
    # one row per parameter: kind p (positional, ``pos``), k (keyword-only), v (*args),
    # w (**kwargs); ``mkind`` m/c/s for methods (first parameter bound or not)
    VF_PARAM: pa.schema(
        [
            ("fnode", _I64),
            ("kind", _STR),
            ("pos", _I32),
            ("name", _STR),
            ("node_id", _I64),
            ("mkind", _STR),
            ("qual", _STR),
        ]
    ),
    # returned (kind r) and yielded (y) value nodes of each function
    VF_RET: pa.schema([("fnode", _I64), ("kind", _STR), ("node_id", _I64)]),
    # attribute access: ``store`` 1 for a store (``node_id`` is the value stored), 0 for
    # a load (``node_id`` the Attribute); ``base`` the points-to key of the object or
    # ``bval`` the object itself (module / class bodies); ``alloc`` the allocation site
    # (call or display node) a local variable base was bound to once, 0 when unknown
    VF_ATTR: pa.schema(
        [
            ("node_id", _I64),
            ("store", _I32),
            ("base", _STR),
            ("bval", _STR),
            ("attr", _STR),
            ("base_node", _I64),
            ("alloc", _I64),
        ]
    ),
    # container elements: a store of the value at ``node_id`` (slot ``=tok`` or null
    # for unknown), a load into ``node_id`` (slot ``tok`` or null for any element)
    VF_ELEM: pa.schema(
        [
            ("node_id", _I64),
            ("store", _I32),
            ("base", _STR),
            ("bval", _STR),
            ("slot", _STR),
            ("base_node", _I64),
        ]
    ),
    # raised values per function, and calls inside try bodies -> named handlers
    VF_RAISE: pa.schema([("fnode", _I64), ("node_id", _I64)]),
    VF_TRY: pa.schema([("callid", _I64), ("node_id", _I64)]),
    # implicit calls: ``for``/comprehension iteration (``__iter__``/``__next__``) and
    # ``with`` (``__enter__``), by the node performing them: the target their result
    # reaches and the receiver (the iterated object / context manager)
    VF_IMPLICIT: pa.schema([("callid", _I64), ("node_id", _I64), ("recv", _I64)]),
}

# displays of more constants than this are data tables (codec maps, Unicode tables),
# not configuration: their elements get no FLOW edge or element store (a constant is
# never tainted; small displays keep theirs, so a constant from a config dict or list
# still reaches a sink)
BIG_TABLE = 64
_FUNCS = (ast.FunctionDef, ast.AsyncFunctionDef)
_DISPLAYS = (ast.List, ast.Tuple, ast.Set, ast.Dict, ast.ListComp, ast.SetComp, ast.DictComp)
_ALLOCS = (ast.Call, *_DISPLAYS)
_COMPS = (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)
_BINOPS: dict[type, Any] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.BitAnd: operator.and_,
    ast.BitOr: operator.or_,
}
_CMPS: dict[type, Any] = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
}
_NO = object()


def fold(node: Any) -> Any:
    """The value of a constant expression (literals combined by arithmetic,
    comparisons, ``not``, ``and``/``or``), else ``_NO``. Small ints and short strings
    only, so folding never builds a huge value."""
    t = type(node)
    if t is ast.Constant:
        v = node.value
        return v if isinstance(v, (int, float, str, bool, type(None))) else _NO
    if t is ast.UnaryOp:
        v = fold(node.operand)
        if v is _NO:
            return _NO
        if type(node.op) is ast.Not:
            return not v
        if type(node.op) is ast.USub and isinstance(v, (int, float)):
            return -v
        return _NO
    if t is ast.BinOp:
        op = _BINOPS.get(type(node.op))
        a, b = fold(node.left), fold(node.right)
        if op is None or a is _NO or b is _NO:
            return _NO
        if not (isinstance(a, (int, float)) and isinstance(b, (int, float))):
            return _NO
        if abs(a) > 1e12 or abs(b) > 1e12:
            return _NO
        try:
            return op(a, b)
        except (ArithmeticError, TypeError, ValueError):
            return _NO
    if t is ast.Compare:
        left = fold(node.left)
        if left is _NO:
            return _NO
        result = True
        for op, right in zip(node.ops, node.comparators, strict=False):
            f = _CMPS.get(type(op))
            r = fold(right)
            if f is None or r is _NO:
                return _NO
            try:
                ok = f(left, r)
            except TypeError:
                return _NO
            result = result and bool(ok)
            left = r
        return result
    if t is ast.BoolOp:
        vals = [fold(v) for v in node.values]
        if any(v is _NO for v in vals):
            return _NO
        if type(node.op) is ast.And:
            return all(vals)
        return any(vals)
    return _NO


def truth(node: Any) -> bool | None:
    """True/False when the condition is a constant, None when it depends on data."""
    v = fold(node)
    if v is _NO:
        return None
    return bool(v)


class _Fn:
    """The function (or module) body being walked."""

    __slots__ = ("cid", "key", "handlers", "count", "site", "free", "pending")

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
        self.handlers: list[list[int]] = []  # enclosing try bodies' named handlers


class ValueFlow:
    """Walks one module, emitting per-file edges and ``vf_*`` fact rows."""

    def __init__(self, ctx: FileContext) -> None:
        self.ctx = ctx
        self.b = ctx.builder
        self.base = ids.file_base(ctx.path)
        loads, stores = ctx.shared.get("fact_name_keys", ([], []))
        self.load_key: dict[int, str] = dict(loads)
        self.store_key: dict[int, str] = dict(stores)
        self.cols: dict[str, dict[str, list[Any]]] = {
            t: {c: [] for c in s.names} for t, s in VF_FACT_SCHEMAS.items()
        }
        self.colv = {t: list(c.values()) for t, c in self.cols.items()}
        # FLOW_GLOBAL: variable key -> [(ordinal, body ordinal)] of stores / loads
        self.cell_st: dict[str, list[tuple[int, int]]] = {}
        self.cell_ld: dict[str, list[tuple[int, int]]] = {}
        self.module_key = ctx.module

    # -- emitters -----------------------------------------------------------
    def edge(self, src: Any, dst: Any, kind: str = EdgeKind.FLOW) -> None:
        self.b.add_edge(src._cid, dst._cid, kind)

    def row(self, table: str, *values: Any) -> None:
        for col, v in zip(self.colv[table], values, strict=True):
            col.append(v)

    def gid(self, node: Any) -> int:
        return self.base + node._cid

    def key_of(self, node: Any) -> str | None:
        """The points-to key of an expression (see ``extract.facts``)."""
        t = type(node)
        if t is ast.Name:
            return self.load_key.get(node._cid)
        if t is ast.Subscript:
            k = "#" + str(self.gid(node))
            if type(node.slice) is ast.Slice:
                sl = node.slice
                if sl.lower is None and sl.upper is None and sl.step is None:
                    return self.key_of(node.value)
                return k
            tok = const_token(node.slice)
            return k + INDEX_MARK + tok if tok is not None else k
        if t in (ast.Await, ast.Starred):
            return self.key_of(node.value)
        if t is ast.NamedExpr:
            return self.key_of(node.value)
        if t is ast.Constant:
            return None
        return "#" + str(self.gid(node))

    def alloc_of(self, node: Any, fn: _Fn) -> int:
        """The allocation site of a base: a call or display itself; a local name is
        settled when its function is done (see ``settle``)."""
        if type(node) is ast.Name:
            if fn.cid >= 0:
                fn.pending.append((len(self.cols[VF_ATTR]["alloc"]), node.id))
        elif isinstance(node, _ALLOCS):
            return self.gid(node)
        return 0

    def settle(self, fn: _Fn) -> None:
        alloc = self.cols[VF_ATTR]["alloc"]
        count, site, free, base = fn.count, fn.site, fn.free, self.base
        for i, name in fn.pending:
            a = site.get(name)
            if a is not None and count.get(name) == 1 and name not in free:
                alloc[i] = base + a

    # -- expressions -------------------------------------------------------
    def expr(self, node: Any, fn: _Fn) -> None:  # noqa: C901 - one dispatch
        t = type(node)
        if t is ast.Name:
            if type(node.ctx) is ast.Load:
                k = self.load_key.get(node._cid)
                if k is not None:
                    self.cell_ld.setdefault(k, []).append((node._cid, fn.cid))
            return
        if t is ast.Constant:
            return
        if t is ast.BinOp:
            self.expr(node.left, fn)
            self.expr(node.right, fn)
            self.edge(node.left, node)
            self.edge(node.right, node)
            return
        if t is ast.UnaryOp:
            self.expr(node.operand, fn)
            if type(node.op) is not ast.Not:
                self.edge(node.operand, node)
            return
        if t is ast.BoolOp:
            for v in node.values:
                self.expr(v, fn)
                self.edge(v, node)
            return
        if t is ast.IfExp:
            c = truth(node.test)
            self.expr(node.test, fn)
            for arm, live in ((node.body, c is not False), (node.orelse, c is not True)):
                if live:
                    self.expr(arm, fn)
                    self.edge(arm, node)
            return
        if t is ast.JoinedStr or t in (ast.List, ast.Tuple, ast.Set):
            items = node.values if t is ast.JoinedStr else node.elts
            if len(items) > BIG_TABLE and _constants(items):
                return  # a data table: see BIG_TABLE
            for v in items:
                self.expr(v, fn)
                self.edge(v, node)
            if t is not ast.JoinedStr:
                self.display_stores(node)
            return
        if t is ast.FormattedValue:
            self.expr(node.value, fn)
            self.edge(node.value, node)
            if node.format_spec is not None:
                self.expr(node.format_spec, fn)
            return
        if t is ast.Dict:
            if len(node.values) > BIG_TABLE and _constants(node.values):
                return  # a data table: see BIG_TABLE
            for k, v in zip(node.keys, node.values, strict=False):
                if k is not None:
                    self.expr(k, fn)
                self.expr(v, fn)
                self.edge(v, node)
            self.display_stores(node)
            return
        if t is ast.Await or t is ast.Starred:
            self.expr(node.value, fn)
            self.edge(node.value, node)
            return
        if t is ast.NamedExpr:
            self.expr(node.value, fn)
            self.edge(node.value, node)
            self.assign(node.target, node.value, fn)
            return
        if t is ast.Attribute:
            self.expr(node.value, fn)
            if type(node.ctx) is ast.Load:
                self.attr_row(node, 0, node.value, node.attr, fn)
            return
        if t is ast.Subscript:
            self.expr(node.value, fn)
            self.expr(node.slice, fn)
            if type(node.ctx) is ast.Load:
                sl = node.slice
                tok = None if type(sl) is ast.Slice else const_token(sl)
                self.elem_load(node, node.value, tok)
            return
        if t is ast.Call:
            self.call(node, fn)
            return
        if t is ast.Lambda:
            self.function(node, fn)
            return
        if t in _COMPS:
            self.comprehension(node, fn)
            return
        if t is ast.Yield or t is ast.YieldFrom:
            if node.value is not None:
                self.expr(node.value, fn)
                if fn.cid >= 0:
                    self.row(VF_RET, self.base + fn.cid, "y", self.gid(node.value))
                    if fn.key is not None:
                        bval = Val.CONTAINER + fn.key + Key.GEN
                        self.row(VF_ELEM, self.gid(node.value), 1, None, bval, None, 0)
            return
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.expr):
                self.expr(child, fn)

    def display_stores(self, node: Any) -> None:
        """Elements of a display are element stores into it, by position / key."""
        t = type(node)
        k = self.key_of(node)
        if t is ast.Dict:
            for key, v in zip(node.keys, node.values, strict=False):
                tok = None if key is None else const_token(key)
                self.row(VF_ELEM, self.gid(v), 1, k, None, None if tok is None else "=" + tok, 0)
            return
        elts = node.elts
        fixed = t is not ast.Set and not any(type(e) is ast.Starred for e in elts)
        n = len(elts)
        for i, e in enumerate(elts):
            if fixed:
                self.row(VF_ELEM, self.gid(e), 1, k, None, f"={i}", 0)
                self.row(VF_ELEM, self.gid(e), 1, k, None, f"={i - n}", 0)
            else:
                self.row(VF_ELEM, self.gid(e), 1, k, None, None, 0)

    def attr_row(self, node: Any, store: int, base: Any, attr: str, fn: _Fn) -> None:
        k = self.key_of(base)
        if k is None:
            return
        self.row(
            VF_ATTR,
            self.gid(node),
            store,
            k,
            None,
            attr,
            self.gid(base),
            self.alloc_of(base, fn),
        )

    def elem_load(self, node: Any, base: Any, tok: str | None) -> None:
        k = self.key_of(base)
        if k is not None:
            self.row(VF_ELEM, self.gid(node), 0, k, None, tok, self.gid(base))

    def call(self, node: ast.Call, fn: _Fn) -> None:
        func = node.func
        # a method's attribute load carries no data (the receiver does, see vf_arg)
        self.expr(func.value if type(func) is ast.Attribute else func, fn)
        cid = self.gid(node)
        meth = func.attr if type(func) is ast.Attribute else None
        row = self.row
        if meth is not None:
            row(VF_ARG, cid, "r", -1, None, self.gid(func.value), meth, self.key_of(func.value))
        for i, a in enumerate(node.args):
            if type(a) is ast.Starred:
                self.expr(a.value, fn)
                row(VF_ARG, cid, "s", i, None, self.gid(a.value), meth, self.key_of(a.value))
            else:
                self.expr(a, fn)
                row(VF_ARG, cid, "p", i, None, self.gid(a), meth, self.key_of(a))
        for kw in node.keywords:
            self.expr(kw.value, fn)
            if kw.arg is None:
                row(VF_ARG, cid, "w", -1, None, self.gid(kw.value), meth, self.key_of(kw.value))
            else:
                row(VF_ARG, cid, "k", -1, kw.arg, self.gid(kw.value), meth, self.key_of(kw.value))
        if meth is not None:
            recv = func.value
            args = node.args
            # container element stores and reads through methods (models for the
            # rest of what these calls do live in models/valueflow.yaml)
            if meth in ("append", "add", "appendleft", "insert") and args:
                row(VF_ELEM, self.gid(args[-1]), 1, self.key_of(recv), None, None, 0)
            elif meth == "setdefault" and len(args) == 2:
                tok = const_token(args[0])
                slot = None if tok is None else "=" + tok
                row(VF_ELEM, self.gid(args[1]), 1, self.key_of(recv), None, slot, 0)
            elif meth in ("extend", "update", "extendleft") and args:
                row(VF_ELEM, self.gid(args[0]), 1, self.key_of(recv), None, None, 0)
            if meth in ("get", "setdefault") and args:
                self.elem_load(node, recv, const_token(args[0]))
            elif meth in ("pop", "popleft", "popitem"):
                tok = const_token(args[0]) if args and meth == "pop" else None
                self.elem_load(node, recv, tok)
        for h in fn.handlers:
            for hid in h:
                row(VF_TRY, cid, self.base + hid)

    def comprehension(self, node: Any, fn: _Fn) -> None:
        for gen in node.generators:
            self.expr(gen.iter, fn)
            self.iterate(gen.iter, gen.target, fn, gen)
            for cond in gen.ifs:
                self.expr(cond, fn)
        k = self.key_of(node)
        if type(node) is ast.DictComp:
            self.expr(node.key, fn)
            self.expr(node.value, fn)
            self.edge(node.value, node)
            self.row(VF_ELEM, self.gid(node.value), 1, k, None, None, 0)
        else:
            self.expr(node.elt, fn)
            self.edge(node.elt, node)
            self.row(VF_ELEM, self.gid(node.elt), 1, k, None, None, 0)

    def iterate(self, it: Any, target: Any, fn: _Fn, owner: Any) -> None:
        """``for target in it``: the target reads an element of ``it`` (and what the
        ``__iter__``/``__next__`` of ``it`` return, see ``vf_implicit``)."""
        self.row(VF_IMPLICIT, self.gid(owner), self.gid(target), self.gid(it))
        self.elem_load(target, it, None)
        self.store_target(target, fn)
        self.unpack(target)

    def unpack(self, target: Any) -> None:
        t = type(target)
        if t is ast.Tuple or t is ast.List:
            for e in target.elts:
                self.edge(target, e)
                self.unpack(e)
        elif t is ast.Starred:
            self.edge(target, target.value)

    # -- stores --------------------------------------------------------------
    def store_target(self, target: Any, fn: _Fn) -> None:
        """Facts of a store target whose incoming edge the caller made: attribute and
        element stores, module/class/global variables."""
        t = type(target)
        if t is ast.Name:
            fn.count[target.id] = fn.count.get(target.id, 0) + 1
            k = self.store_key.get(target._cid)
            if k is not None:
                self.cell_st.setdefault(k, []).append((target._cid, fn.cid))
            return
        if t is ast.Attribute:
            self.expr(target.value, fn)
            self.attr_row(target, 1, target.value, target.attr, fn)
            return
        if t is ast.Subscript:
            self.expr(target.value, fn)
            self.expr(target.slice, fn)
            sl = target.slice
            tok = None if type(sl) is ast.Slice else const_token(sl)
            k = self.key_of(target.value)
            if k is not None:
                slot = None if tok is None else "=" + tok
                self.row(VF_ELEM, self.gid(target), 1, k, None, slot, 0)
            return
        if t is ast.Tuple or t is ast.List:
            for e in target.elts:
                self.store_target(e, fn)
            return
        if t is ast.Starred:
            self.store_target(target.value, fn)

    def assign(self, target: Any, value: Any, fn: _Fn) -> None:
        """``target = value`` where ``value`` was walked already."""
        t = type(target)
        vt = type(value)
        if (t is ast.Tuple or t is ast.List) and vt in (ast.Tuple, ast.List):
            if len(target.elts) == len(value.elts) and not any(
                type(e) is ast.Starred for e in (*target.elts, *value.elts)
            ):
                for e, v in zip(target.elts, value.elts, strict=True):
                    self.assign(e, v, fn)
                return
        if t is ast.Tuple or t is ast.List:
            # ``a, b = v``: each name reads v's element at its position
            starred = False
            for i, e in enumerate(target.elts):
                if type(e) is ast.Starred:
                    starred = True
                    self.elem_load(e.value, value, None)
                    self.store_target(e.value, fn)
                    continue
                tok = None if starred else str(i)
                if type(e) in (ast.Tuple, ast.List):
                    self.elem_load(e, value, tok)
                    self.store_target(e, fn)
                    self.unpack(e)
                else:
                    self.elem_load(e, value, tok)
                    self.store_target(e, fn)
            return
        self.edge(value, target)
        if t is ast.Name and isinstance(value, _ALLOCS):
            fn.site[target.id] = value._cid
        self.store_target(target, fn)

    # -- statements ----------------------------------------------------------
    def body(self, stmts: list[Any], fn: _Fn) -> None:
        for s in stmts:
            self.stmt(s, fn)

    def stmt(self, node: Any, fn: _Fn) -> None:  # noqa: C901 - one dispatch
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
        elif t in _FUNCS:
            fn.count[node.name] = fn.count.get(node.name, 0) + 2
            self.function(node, fn)
        elif t is ast.ClassDef:
            fn.count[node.name] = fn.count.get(node.name, 0) + 2
            for s in node.body:
                if type(s) in _FUNCS:
                    self.method_ids.add(s._cid)
            for d in node.decorator_list:
                self.expr(d, fn)
            for b in node.bases:
                self.expr(b, fn)
            self.body(node.body, _Fn(-1, None))
            if any(_deco_name(d) == "dataclass" for d in node.decorator_list):
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
                if fn.cid >= 0:
                    self.row(VF_RAISE, self.base + fn.cid, self.gid(node.exc))
                for h in fn.handlers:
                    for hid in h:
                        self.b.add_edge(node.exc._cid, hid, EdgeKind.FLOW_EXC)
            if node.cause is not None:
                self.expr(node.cause, fn)
        elif t is ast.Try or t is ast.TryStar:
            named = [h._cid for h in node.handlers if h.name]
            fn.handlers.append(named)
            self.body(node.body, fn)
            fn.handlers.pop()
            for h in node.handlers:
                if h.name:
                    fn.count[h.name] = fn.count.get(h.name, 0) + 2
                if h.type is not None:
                    self.expr(h.type, fn)
                self.body(h.body, fn)
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
        elif t is ast.Pass:
            return
        else:
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.expr):
                    self.expr(child, fn)
                elif isinstance(child, ast.stmt):
                    self.stmt(child, fn)

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
    def function(self, node: Any, outer: _Fn) -> None:
        cid = node._cid
        is_lambda = type(node) is ast.Lambda
        qual = self.b.n_qualname[cid] or node.__class__.__name__
        key = f"{qual}@{cid}" if is_lambda else qual
        fn = _Fn(cid, key)
        args = node.args
        mkind = None
        if not is_lambda:
            for d in node.decorator_list:
                self.expr(d, outer)
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

    # -- driver ------------------------------------------------------------
    def run(self) -> None:
        tree = self.ctx.tree
        self.method_ids: set[int] = set()  # filled as class bodies are entered
        self.body(tree.body, _Fn(-2, None))
        self.cells()
        facts = self.b.facts
        for table, cols in self.cols.items():
            first = VF_FACT_SCHEMAS[table].names[0]
            if cols[first]:
                facts[table] = cols

    def cells(self) -> None:
        """FLOW_GLOBAL: a store to a variable -> its loads in other bodies (module
        globals, ``global`` and ``nonlocal`` names; names local to one body meet
        only there, where REACHING_DEF already links them). Module-level and class
        body stores are also attribute stores of the module / class object."""
        add = self.b.add_edge
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


def _constants(items: list[Any]) -> bool:
    for v in items:
        t = type(v)
        if t is ast.UnaryOp:
            v = v.operand
            t = type(v)
        if t is not ast.Constant:
            return False
    return True


def _deco_name(d: Any) -> str | None:
    if type(d) is ast.Call:
        d = d.func
    if type(d) is ast.Name:
        return d.id
    if type(d) is ast.Attribute:
        return d.attr
    return None


def run_valueflow_pass(ctx: FileContext) -> None:
    """Per-file value flow (see module docstring)."""
    ValueFlow(ctx).run()
