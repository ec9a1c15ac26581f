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

Everything that needs another file, the call graph or points-to is a fact row:
``vf_arg`` (arguments and receivers of calls), ``vf_param``, ``vf_ret`` (returned and
yielded values), ``vf_attr`` (attribute stores and loads; also the ``alias`` of ``from m
import X``, a load of ``X`` on module ``m``), ``vf_elem`` (container element stores and
loads), ``vf_raise`` / ``vf_try`` (raised values; calls and raises inside ``try``
bodies -> the handlers that may see them, with their types: ``FLOW_EXC``), ``vf_hof``
(values handed to a function called back: the iterables of ``map``, ``sorted`` ..., the
arguments bound by ``functools.partial``, a decorated def). Bases are named by their
points-to key (``extract.facts``), read from the facts pass through
``FileContext.shared``.

Code under a constant-false condition (``if False:``, ``if 0:``, ``while 0``, the dead
arm of ``x if 1 else y``) cannot run: nothing inside it gets a value-flow edge or fact,
and its nodes (of statements) get the prop ``unreachable`` = true, so that queries
never start or end a flow there.
"""

from __future__ import annotations

import ast
from typing import Any

import pyarrow as pa

from codeanatomy_hamilton.core import ids
from codeanatomy_hamilton.core.vocabulary import (
    VF_ARG,
    VF_ATTR,
    VF_ELEM,
    VF_HOF,
    VF_IMPLICIT,
    VF_RET,
    EdgeKind,
    Key,
    Val,
)
from codeanatomy_hamilton.extract.constfold import truth
from codeanatomy_hamilton.extract.context import FileContext
from codeanatomy_hamilton.extract.fact_keys import HOF, INDEX_MARK, const_token
from codeanatomy_hamilton.extract.fact_schemas import VF_FACT_SCHEMAS
from codeanatomy_hamilton.extract.valueflow_stmts import (
    BodyState,
    StatementFlow,
)

# builtins calling a function argument (``extract.facts.HOF``) whose result holds what
# the callback returns (``map``, ``reduce``); the others use it as a key or a test
_HOF_RESULT = frozenset({"map", "reduce", "functools.reduce"})

# displays of more constants than this are data tables (codec maps, Unicode tables),
# not configuration: their elements get no FLOW edge or element store (a constant is
# never tainted; small displays keep theirs, so a constant from a config dict or list
# still reaches a sink)
BIG_TABLE = 64
_DISPLAYS = (ast.List, ast.Tuple, ast.Set, ast.Dict, ast.ListComp, ast.SetComp, ast.DictComp)
_ALLOCS = (ast.Call, *_DISPLAYS)
_COMPS = (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)
# each fact table's schema as the struct type of one row
_STRUCTS = {name: pa.struct(list(schema)) for name, schema in VF_FACT_SCHEMAS.items()}


class ValueFlow(StatementFlow):
    """Walks one module, emitting per-file edges and ``vf_*`` fact rows."""

    def __init__(self, ctx: FileContext) -> None:
        self.ctx = ctx
        self.b = ctx.builder
        self.base = ids.file_base(ctx.path)
        loads, stores = ctx.shared.get("fact_name_keys", ([], []))
        self.load_key: dict[int, str] = dict(loads)
        self.store_key: dict[int, str] = dict(stores)
        # fact rows as tuples, one list per table, turned into columns once per file
        # (``zip(*rows)``): a Python append per row instead of one per column
        self.rows: dict[str, list[tuple[Any, ...]]] = {t: [] for t in VF_FACT_SCHEMAS}
        # FLOW / FLOW_GLOBAL / FLOW_EXC edges (ordinals), handed to the builder at the
        # end in the order they were made
        self.e_src: list[int] = []
        self.e_dst: list[int] = []
        self.e_kind: list[str] = []
        # FLOW_GLOBAL: variable key -> [(ordinal, body ordinal)] of stores / loads
        self.cell_st: dict[str, list[tuple[int, int]]] = {}
        self.cell_ld: dict[str, list[tuple[int, int]]] = {}
        self.module_key = ctx.module

    # -- emitters -----------------------------------------------------------
    def edge(self, src: Any, dst: Any, kind: str = EdgeKind.FLOW) -> None:
        self.e_src.append(src._cid)
        self.e_dst.append(dst._cid)
        self.e_kind.append(kind)

    def add_edge(self, src: int, dst: int, kind: str) -> None:
        self.e_src.append(src)
        self.e_dst.append(dst)
        self.e_kind.append(kind)

    def row(self, table: str, *values: Any) -> None:
        self.rows[table].append(values)

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

    def name_load(self, cid: int, fn: BodyState) -> str | None:
        """A load of a name (ordinal ``cid``): noted for FLOW_GLOBAL; its key."""
        k = self.load_key.get(cid)
        if k is not None:
            got = self.cell_ld.get(k)
            if got is None:
                self.cell_ld[k] = [(cid, fn.cid)]
            else:
                got.append((cid, fn.cid))
        return k

    def alloc_of(self, node: Any, fn: BodyState) -> int:
        """The allocation site of a base: a call or display itself; a local name is
        settled when its function is done (see ``settle``)."""
        if type(node) is ast.Name:
            if fn.cid >= 0:
                fn.pending.append((len(self.rows[VF_ATTR]), node.id))
        elif isinstance(node, _ALLOCS):
            return self.gid(node)
        return 0

    def settle(self, fn: BodyState) -> None:
        rows = self.rows[VF_ATTR]
        count, site, free, base = fn.count, fn.site, fn.free, self.base
        for i, name in fn.pending:
            a = site.get(name)
            if a is not None and count.get(name) == 1 and name not in free:
                rows[i] = (*rows[i][:6], base + a)

    # -- expressions -------------------------------------------------------
    def expr(self, node: Any, fn: BodyState) -> None:  # noqa: C901 - one dispatch
        t = type(node)
        if t is ast.Name:
            if type(node.ctx) is ast.Load:
                self.name_load(node._cid, fn)
            return
        if t is ast.Constant:
            return
        # the commonest kinds first (the branches test disjoint types)
        if t is ast.Call:
            self.call(node, fn)
            return
        if t is ast.Attribute:
            self.expr(node.value, fn)
            if type(node.ctx) is ast.Load:
                self.attr_row(node, 0, node.value, node.attr, fn)
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
        if t is ast.Subscript:
            self.expr(node.value, fn)
            self.expr(node.slice, fn)
            if type(node.ctx) is ast.Load:
                sl = node.slice
                tok = None if type(sl) is ast.Slice else const_token(sl)
                self.elem_load(node, node.value, tok)
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

    def attr_row(self, node: Any, store: int, base: Any, attr: str, fn: BodyState) -> None:
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

    def call(self, node: ast.Call, fn: BodyState) -> None:
        func = node.func
        # a method's attribute load carries no data (the receiver does, see vf_arg)
        self.expr(func.value if type(func) is ast.Attribute else func, fn)
        base = self.base
        cid = base + node._cid
        meth = func.attr if type(func) is ast.Attribute else None
        row = self.row
        arg = self.rows[VF_ARG].append
        key_of, expr = self.key_of, self.expr
        if meth is not None:
            arg((cid, "r", -1, None, base + func.value._cid, meth, key_of(func.value)))
        name_load, Name = self.name_load, ast.Name
        for i, a in enumerate(node.args):
            ta = type(a)
            if ta is Name:
                # an argument's name is a load: ``expr`` and ``key_of`` in one step
                arg((cid, "p", i, None, base + a._cid, meth, name_load(a._cid, fn)))
            elif ta is ast.Starred:
                expr(a.value, fn)
                arg((cid, "s", i, None, base + a.value._cid, meth, key_of(a.value)))
            else:
                expr(a, fn)
                arg((cid, "p", i, None, base + a._cid, meth, key_of(a)))
        for kw in node.keywords:
            v = kw.value
            if type(v) is Name:
                k = name_load(v._cid, fn)
            else:
                expr(v, fn)
                k = key_of(v)
            if kw.arg is None:
                arg((cid, "w", -1, None, base + v._cid, meth, k))
            else:
                arg((cid, "k", -1, kw.arg, base + v._cid, meth, k))
        if type(func) is ast.Name:
            if func.id in HOF:
                self.hof_args(node, func.id)
        elif type(func) is ast.Attribute:
            if func.attr == "reduce":
                self.hof_args(node, "functools.reduce")
            elif func.attr == "partial" and getattr(func.value, "id", None) == "functools":
                self.partial_args(node)
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
        if fn.handlers:
            self.guarded(cid, fn)

    def hof_args(self, node: ast.Call, text: str) -> None:
        """``map(f, xs, ys)``, ``filter(f, xs)``, ``sorted(xs, key=f)``, ``reduce(f,
        xs)``: the iterables (their elements) reach the callback's parameters."""
        args = node.args
        ret = 1 if text in _HOF_RESULT else 0
        cid = self.base + node._cid
        for j, p in enumerate(HOF[text][1]):
            if p < len(args) and type(args[p]) is not ast.Starred:
                self.row(VF_HOF, cid, self.base + args[p]._cid, j, None, ret)

    def partial_args(self, node: ast.Call) -> None:
        """``functools.partial(f, a, k=b)``: the bound arguments reach ``f``'s
        parameters (by position after ``f``, by keyword)."""
        cid = self.base + node._cid
        for i, a in enumerate(node.args[1:]):
            if type(a) is ast.Starred:
                break
            self.row(VF_HOF, cid, self.base + a._cid, i, None, 0)
        for kw in node.keywords:
            if kw.arg is not None:
                self.row(VF_HOF, cid, self.base + kw.value._cid, -1, kw.arg, 0)

    def decorators(self, node: Any) -> None:
        """A decorator is called with the def (or the result of the decorator below
        it), and returns the value of its decorator expression node."""
        inner = node
        for d in reversed(node.decorator_list):
            self.row(VF_HOF, self.base + d._cid, self.base + inner._cid, 0, None, 1)
            inner = d

    def comprehension(self, node: Any, fn: BodyState) -> None:
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

    def iterate(self, it: Any, target: Any, fn: BodyState, owner: Any) -> None:
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
    def store_target(self, target: Any, fn: BodyState) -> None:
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

    def assign(self, target: Any, value: Any, fn: BodyState) -> None:
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

    # -- driver ------------------------------------------------------------
    def run(self) -> None:
        tree = self.ctx.tree
        self.method_ids: set[int] = set()  # filled as class bodies are entered
        self.body(tree.body, BodyState(-2, None))
        self.cells()
        b = self.b
        n = len(self.e_src)
        b.e_src.extend(self.e_src)
        b.e_dst.extend(self.e_dst)
        b.e_kind.extend(self.e_kind)
        none = [None] * n
        for col in (b.e_label, b.e_index, b.e_field, b.e_variable):
            col.extend(none)
        for table, rows in self.rows.items():
            if rows:
                try:
                    # the rows as one struct array of the table's schema: no transposing
                    # into columns first (a third cheaper than columns -> batch)
                    arr = pa.array(rows, type=_STRUCTS[table])
                    b.fact_batches[table] = pa.RecordBatch.from_struct_array(arr)
                    continue
                except (UnicodeEncodeError, pa.ArrowException):
                    pass  # lone surrogates: as columns, escaped by ``extract.file``
                names = VF_FACT_SCHEMAS[table].names
                cols = map(list, zip(*rows, strict=True))
                b.facts[table] = dict(zip(names, cols, strict=True))


def _constants(items: list[Any]) -> bool:
    for v in items:
        t = type(v)
        if t is ast.UnaryOp:
            v = v.operand
            t = type(v)
        if t is not ast.Constant:
            return False
    return True


def run_valueflow_pass(ctx: FileContext) -> None:
    """Per-file value flow (see module docstring)."""
    ValueFlow(ctx).run()
