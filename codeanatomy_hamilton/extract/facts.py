"""Per-file resolution facts: names as columns, for the relational cross-file pass.

One walk over the AST records, per scope, what a points-to analysis (PyCG-style
assignment graph, flow-insensitive across bodies) needs, keyed by strings so that the
repository-wide pass (``resolve.pipeline``) joins them without ever looking at an AST
again:

* *variable keys*: ``<scope key>.<name>`` where the scope key of a module is its
  contract qualname, of a class or def its qualname (lambdas and comprehensions get
  ``@<ordinal>`` for uniqueness). Class attributes share the class key, module
  attributes the module key, so ``mod.f`` and the global ``f`` of ``mod`` are one key.
  A name bound more than once in its body also has a key per binding,
  ``<variable key>@<binding ordinal>``, feeding the variable key; loads in the body
  read the bindings that reach them (flow-sensitive within a body, see
  ``FactExtractor.load_key``), other bodies the variable key.
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

``FactExtractor`` holds the state and the emitters; its rules are mixed in from
``facts_expr`` (expressions), ``facts_calls`` (calls) and ``facts_stmt`` (statements);
the key marks, constant tokens and method tables live in ``fact_keys``.
"""

from __future__ import annotations

import ast
from typing import Any

from codeanatomy_hamilton.core import ids
from codeanatomy_hamilton.core.vocabulary import (
    FACT_COLUMNS,
    RS_ALL,
    RS_ATTR,
    RS_FLOW,
    RS_IMPORT,
    RS_INIT,
    RS_MBIND,
    RS_PARAM,
    RS_SSTORE,
    RS_SUB,
    RS_USE,
    ImportKind,
)
from codeanatomy_hamilton.extract.context import FileContext
from codeanatomy_hamilton.extract.fact_keys import (
    INDEX_MARK,
    Scope,
    const_token,
)
from codeanatomy_hamilton.extract.facts_stmt import StatementFacts
from codeanatomy_hamilton.extract.flow import SHARED_REACH
from codeanatomy_hamilton.extract.scopes import get_scope_model


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


class FactExtractor(StatementFacts):
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
        # flow-sensitive local names (``extract.flow.NameReach``, from the flow pass;
        # absent: every name keeps its whole-name key)
        nr = ctx.shared.get(SHARED_REACH)
        self._multi: dict[tuple[int, str], int] = nr.multi if nr is not None else {}
        self._def_owner: dict[int, int] = nr.def_owner if nr is not None else {}
        self._reach: dict[int, list[Any]] = nr.reach if nr is not None else {}
        # definition-site keys made by a store, and those a load read (-> whole key)
        self._made: set[str] = set()
        self._read: dict[str, str] = {}
        self._use_memo: dict[tuple[str, tuple[int, ...]], str] = {}
        # constant keys of private dicts (``NameReach.slots``): the value key of each
        # binding node, and the reads (key, binding nodes, flow-insensitive key)
        self._slots: dict[int, list[Any]] = nr.slots if nr is not None else {}
        self._slot_val: dict[int, str | None] = {}
        self._slot_reads: list[tuple[str, list[Any], str]] = []

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

    def keyed_sub(self, k: str, base: str, key: Any, sc: Scope) -> str:
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

    def keyed_store(self, base: str, src: str | None, key: Any, sc: Scope) -> None:
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
    def resolve(self, sc: Scope, name: str) -> str:
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

    # -- flow-sensitive names -----------------------------------------------
    # A local name bound more than once in its body has a key per definition site,
    # ``<key>@<def ordinal>``, feeding the whole-name key ``<key>`` (read by other
    # bodies, attribute reads of modules and classes, and the value flow); a load in
    # the body reads only the definitions that reach it (``extract.dataflow_defs``).
    def _owner_ok(self, owner: int, name: str, k: str, sc: Scope) -> bool:
        """Whether the facts' key ``k`` of ``name`` is the owner body's variable."""
        ok = self.key_of.get(owner)
        return ok is not None and k == ok + "." + sc.mangle(name)

    def def_key(self, sc: Scope, name: str, k: str, dnode: Any) -> str:
        """The key a binding of ``name`` (variable key ``k``) by ``dnode`` writes."""
        owner = self._def_owner.get(id(dnode))
        if owner is None or (owner, name) not in self._multi:
            return k
        if not self._owner_ok(owner, name, k, sc):
            return k
        dk = k + "@" + str(dnode._cid)
        if dk not in self._made:
            self._made.add(dk)
            self.flow(k, dk)
        return dk

    def load_key(self, sc: Scope, node: Any, k: str) -> str:
        """The key a load of a name (variable key ``k``) reads: its reaching
        definitions' keys (one directly; several through a key of their own)."""
        defs = self._reach.get(id(node))
        if defs is None:
            return k
        name = node.id
        owner = self._def_owner[id(defs[0])]
        if len(defs) >= self._multi[(owner, name)] or not self._owner_ok(owner, name, k, sc):
            return k
        if len(defs) == 1:
            dk = k + "@" + str(defs[0]._cid)
            self._read[dk] = k
            return dk
        sig = (k, tuple(sorted(d._cid for d in defs)))
        uk = self._use_memo.get(sig)
        if uk is None:
            uk = self._use_memo[sig] = k + "@u" + str(node._cid)
            for c in sig[1]:
                dk = k + "@" + str(c)
                self._read[dk] = k
                self.flow(uk, dk)
        return uk

    def slot_read(self, node: Any, k: str) -> str:
        """``d[<constant>]`` (read key ``k``) of a private dict: a key fed from the
        bindings of that key that reach the read (``run`` adds the flows)."""
        defs = self._slots.get(id(node))
        if defs is None:
            return k
        sk = k + "@s"
        self._slot_reads.append((sk, defs, k))
        return sk

    def all_names(self, value: Any) -> None:
        if type(value) in (ast.List, ast.Tuple):
            for e in value.elts:
                if type(e) is ast.Constant and isinstance(e.value, str):
                    self.row(RS_ALL, self.module, e.value)

    def imports(self, node: Any, sc: Scope) -> None:
        sid = self.base + node._cid
        if type(node) is ast.Import:
            for a in node.names:
                g = self.base + a._cid
                ak = "#" + str(g)
                top = a.asname is None
                name = a.asname or a.name.split(".")[0]
                bind = self.resolve(sc, name)
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
                self.flow(self.def_key(sc, name, bind, a), ak)
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
            self.flow(self.def_key(sc, a.asname or a.name, bind, a), ak)
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
        msc = Scope(self.module, "module", tree, None, self.module)
        self.body(tree.body, msc)
        for name in sorted(self.mod_bound):
            self.row(RS_MBIND, self.module, name)
        self.patch_name_keys()
        vals = self._slot_val
        for sk, defs, k in self._slot_reads:
            for d in defs:
                # a binding without a recorded value (none is known) reads the dict
                self.flow(sk, vals[id(d)] if id(d) in vals else k)
        for dk, k in self._read.items():
            if dk not in self._made:
                # a binding no store rule recorded (every binding the flow pass
                # knows has one; kept so that a new kind of binding costs precision,
                # never recall): the load reads what the name may hold
                self.flow(dk, k)
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
