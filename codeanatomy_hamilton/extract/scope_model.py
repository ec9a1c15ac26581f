"""Scopes and name binding exactly as CPython's ``symtable`` sees them.

One traversal of the AST, in the order CPython's (3.12+) symtable visitor enters
blocks, pairs every symtable table with the AST node that opened it (module, class,
def, lambda, generator expression, and the PEP 695/696 annotation scopes: "type
parameters", "type alias", "type variable") and records for every non-singleton AST
node the scope its code executes in. Name binding is then read from the raw symtable
flags rather than re-derived, so ``global``, ``nonlocal``, free/cell variables, walrus
targets in comprehensions, ``del``, except-as, match captures, annotations, type
parameters and private-name mangling agree with CPython by construction.

Inlined comprehensions (PEP 709). Since 3.12 a list/set/dict comprehension has no
symtable block of its own: its names are merged into the enclosing block's table (its
iteration variables carry ``DEF_COMP_ITER`` there when the block has no name of its
own by that spelling) and the compiler saves and restores them around the inlined
code. At run time the iteration variables are still isolated from the enclosing scope,
exactly as the language reference describes ("executed in a separate implicitly nested
scope"). We model that: an inlined comprehension gets a *virtual* Scope (kind
``comprehension``, ``raw`` None) whose symbol flags are those the comprehension's own
block had before inlining (which is what 3.11 reported and what the compiler still
computes internally): targets LOCAL (CELL when a nested lambda/genexpr captures them), a
walrus target DEF_NONLOCAL/FREE (GLOBAL_EXPLICIT at module level), every other name
FREE when an enclosing function-like scope binds it, else GLOBAL_IMPLICIT. Names merged
into the enclosing block only by an inlined comprehension (``DEF_COMP_ITER`` there) are
not that block's own variables. So ``binding``, REF and REACHING_DEF are the same as
on 3.11 for code 3.11 could read; benchmarks/check_symtable_agreement.py checks the
virtual scopes against symtable's verdict on the same file with every list/set/dict
comprehension written as a generator expression (which keeps its own block).

Type parameters (PEP 695/696). ``def f[T: B = D](x: T) -> T``, ``class C[T](Base)`` and
``type A[T] = V`` open a "type parameters" scope (kind ``type_parameters``) holding the
type parameters (binding sites: the ``TypeVar``/``ParamSpec``/``TypeVarTuple`` nodes),
the annotations of a generic def and the bases/keywords of a generic class; the def or
class block is its child. Each bound (or constraints tuple) and each default is a lazily
evaluated "type variable" scope (kind ``type_variable``), the value of a ``type``
statement a "type alias" scope (kind ``type_alias``). Inside a class body these scopes
can see the class namespace (symtable marks them with a free ``__classdict__``; the
name stays GLOBAL_IMPLICIT in symtable and is looked up in the class dict first at run
time): REF then goes to the class's binding sites when the class binds the name.

Public API for other passes (control flow, reaching definitions, facts)::

    model = get_scope_model(ctx)          # cached in ctx.shared["scope_model"]
    model.table_for(scope_node)           # symtable.SymbolTable of a scope node
    model.scope_of(node)                  # innermost scope node the node executes in
    model.is_local(scope_node, name)      # name is local (or cell) in that scope
    model.resolve(scope_node, name)       # (scope node the name binds in | None, binding)
    model.binding_sites(scope_node, name) # AST nodes binding the name in that scope

The ``scopes`` pass (``run_scope_pass``) writes

* on IDENTIFIER (ast.Name) nodes: ``scope`` (module/class/function/lambda/
  comprehension/type_parameters/type_alias/type_variable: where the name occurs) and ``binding`` (local, cell, free,
  nonlocal, global_explicit, global_implicit, builtin, unresolved); plus
  ``unresolved``/``star_import``/``deferred_annotation`` = true where they apply;
* REF edges from every Load/Del use and AugAssign target to all binding sites of the
  name in the scope it resolves to (flow-insensitive), an EXTERNAL ``builtins.<name>``
  edge for builtins, and edges to ``from m import *`` statements for globals the
  module never binds;
* on scope nodes: ``scope``, and ``free_vars``/``cell_vars`` of function-like blocks
  (def, lambda, comprehension); ``scope`` = ``type_alias`` on a ``type`` statement and
  ``type_variable`` on a type parameter with a bound or default (the type-parameters
  scope of a def/class has no node of its own: the def/class node keeps its ``scope``);
  on RETURN nodes: ``function`` (qualname of the function returned from).
"""

from __future__ import annotations

import _symtable
import ast
import builtins
import symtable
from typing import Any

# raw symtable flags (Include/internal/pycore_symtable.h), read directly because the
# Symbol wrapper objects cost a few microseconds each and we classify every Name
DEF_GLOBAL = _symtable.DEF_GLOBAL
DEF_NONLOCAL = _symtable.DEF_NONLOCAL
DEF_LOCAL = _symtable.DEF_LOCAL
DEF_PARAM = _symtable.DEF_PARAM
DEF_IMPORT = _symtable.DEF_IMPORT
DEF_BOUND = _symtable.DEF_BOUND
USE = _symtable.USE
SCOPE_OFF = _symtable.SCOPE_OFF
SCOPE_MASK = _symtable.SCOPE_MASK
LOCAL = _symtable.LOCAL
GLOBAL_EXPLICIT = _symtable.GLOBAL_EXPLICIT
GLOBAL_IMPLICIT = _symtable.GLOBAL_IMPLICIT
FREE = _symtable.FREE
CELL = _symtable.CELL
# 3.12+ flags _symtable does not export (Include/internal/pycore_symtable.h): a
# comprehension iteration variable, a type parameter, a cell of an inlined comprehension
DEF_COMP_ITER = _symtable.DEF_ANNOT << 1
DEF_TYPE_PARAM = _symtable.DEF_ANNOT << 2
DEF_COMP_CELL = _symtable.DEF_ANNOT << 3
TYPE_FUNCTION = _symtable.TYPE_FUNCTION
TYPE_CLASS = _symtable.TYPE_CLASS
TYPE_TYPE_PARAMETERS = _symtable.TYPE_TYPE_PARAMETERS
TYPE_TYPE_ALIAS = _symtable.TYPE_TYPE_ALIAS
TYPE_TYPE_VARIABLE = _symtable.TYPE_TYPE_VARIABLE

# Module attributes the import system sets on every module: they resolve at run time
# but are neither bound in the source nor meaningful as ``builtins.<name>`` (the
# builtins module's own ``__name__`` is "builtins").
MODULE_ATTRIBUTES = frozenset(
    (
        "__name__",
        "__doc__",
        "__file__",
        "__cached__",
        "__loader__",
        "__package__",
        "__spec__",
        "__path__",
        "__builtins__",
        "__annotations__",
        "__dict__",
    )
)
# names of the interpreter running the extractor; never imports analysed code
BUILTIN_NAMES = frozenset(dir(builtins)) - MODULE_ATTRIBUTES

COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)
TYPE_PARAMS = (ast.TypeVar, ast.ParamSpec, ast.TypeVarTuple)
# scope kinds of the PEP 695 annotation scopes (function-like blocks of their own)
ANNOTATION_SCOPES = frozenset(("type_parameters", "type_alias", "type_variable"))


class Scope:
    """One symtable block and the AST node that opened it."""

    __slots__ = (
        "index",
        "node",
        "kind",
        "raw",
        "symbols",
        "parent",
        "prefix",
        "children",
        "next_child",
        "is_function",
        "inlined",
        "pair",
    )

    def __init__(
        self,
        index: int,
        node: Any,
        kind: str,
        raw: Any,
        parent: Scope | None,
        inlined: bool = False,
    ) -> None:
        self.index = index
        self.node = node
        self.kind = kind
        # raw ``_symtable`` entry (None for an inlined comprehension, or when no table
        # matched: never expected)
        self.raw = raw
        self.symbols: dict[str, int] = raw.symbols if raw is not None else {}
        self.parent = parent
        # an inlined (PEP 709) comprehension: symbols synthesised, see the module doc
        self.inlined = inlined
        # the scope whose symtable children the blocks opened here pair with: the
        # scope itself, or for an inlined comprehension the block it was inlined into
        # (symtable splices the inlined block's children into that block's list)
        self.pair: Scope = parent.pair if inlined and parent is not None else self
        # private-name mangling prefix ("_Cls") of the innermost enclosing class body;
        # 3.13 mangles a generic class's type parameters (and its bases) with the
        # class's own name
        if kind == "class" or (kind == "type_parameters" and type(node) is ast.ClassDef):
            stripped = node.name.lstrip("_")
            self.prefix: str | None = "_" + stripped if stripped else None
        else:
            self.prefix = parent.prefix if parent is not None else None
        self.children: list[Any] = list(raw.children) if raw is not None else []
        self.next_child = 0
        # function-like blocks are the ones free variables can bind in
        self.is_function = kind in ("function", "lambda", "comprehension") or (
            kind in ANNOTATION_SCOPES
        )

    def own(self, flags: int) -> bool:
        """False for a name that only an inlined comprehension merged into this block
        (its iteration variable, flagged DEF_COMP_ITER when the block itself never
        mentions the name); a real comprehension block's own targets carry the flag
        too and are its own."""
        return not flags & DEF_COMP_ITER or self.kind == "comprehension"

    def mangle(self, name: str) -> str:
        """``__x`` inside a class body is stored as ``_Cls__x`` (as CPython mangles)."""
        p = self.prefix
        if p is None or name[:2] != "__" or name[-2:] == "__" or "." in name:
            return name
        return p + name


class ScopeModel:
    """Scopes of one file, the scope of every AST node and name resolution."""

    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.scopes: list[Scope] = []
        self._by_node: dict[Any, Scope] = {}
        # scope index per node ordinal (``_cid``); -1 for nodes the model never saw
        self.scope_by_cid: list[int] = []
        # (Name node, scope index) for every ast.Name
        self.names: list[tuple[ast.Name, int]] = []
        # (binding node, scope index, mangled name) for non-Name binding sites
        self.binders: list[tuple[Any, int, str]] = []
        # nodes other passes of this package want without walking again
        self.calls: list[ast.Call] = []
        self.signatures: list[ast.arguments] = []
        self.imports: list[ast.Import | ast.ImportFrom] = []
        self.returns: list[tuple[ast.Return, int]] = []
        self.star_imports: list[ast.ImportFrom] = []
        self.aug_targets: set[int] = set()  # id() of Names that are AugAssign targets
        self.walrus_targets: set[int] = set()  # id() of Names that are walrus targets
        # virtual scopes of inlined (PEP 709) comprehensions, in creation order
        self.inlined: list[Scope] = []
        self.unmapped_tables = 0
        # ids of Names inside annotations that ``from __future__ import annotations``
        # turns into strings: never evaluated, and 3.11's symtable never visits them
        self.deferred: set[int] = set()
        # (scope index, mangled name) -> binding nodes, filled by ``_index_bindings``
        self._sites: dict[tuple[int, str], list[Any]] = {}
        self._resolved: dict[tuple[int, str], tuple[int, str]] = {}

    # -- public API ----------------------------------------------------------
    def scope(self, scope_node: Any) -> Scope:
        return self._by_node[scope_node]

    def table_for(self, scope_node: Any) -> symtable.SymbolTable:
        """CPython's symbol table for a Module/ClassDef/def/Lambda/comprehension node."""
        return self.table_of(self._by_node[scope_node])

    def table_of(self, sc: Scope) -> symtable.SymbolTable:
        """CPython's symbol table of a Scope record (KeyError for an inlined
        comprehension, which has none since 3.12)."""
        raw = sc.raw
        if raw is None:
            raise KeyError(f"no symtable block for {sc.kind} {type(sc.node).__name__}")
        return symtable._newSymbolTable(raw, self.filename)  # type: ignore[attr-defined]

    def scope_record_of(self, node: Any) -> Scope:
        """The Scope the node's code executes in (see ``scope_of``)."""
        return self.scopes[self.scope_by_cid[node._cid]]

    def scope_of(self, node: Any) -> Any:
        """The innermost scope node whose code evaluates ``node``.

        Defaults, decorators, annotations and return annotations of a def, the bases and
        keywords of a class, and the first iterable of a comprehension belong to the
        enclosing scope (as CPython evaluates them); parameters, bodies and the other
        comprehension parts to the new scope. A scope node itself (def, class, lambda,
        comprehension) belongs to the enclosing scope, where it is evaluated; the
        Module belongs to itself.
        """
        return self.scopes[self.scope_by_cid[node._cid]].node

    def is_local(self, scope_node: Any, name: str) -> bool:
        """True when symtable makes ``name`` local (or cell) in that scope.

        For the Module: true when the module body itself binds the name (symtable
        reports such a name GLOBAL_EXPLICIT, not LOCAL, once some def declares it
        ``global``).
        """
        sc = self._by_node[scope_node]
        flags = sc.symbols.get(sc.mangle(name))
        if flags is None or not sc.own(flags):
            return False
        s = (flags >> SCOPE_OFF) & SCOPE_MASK
        if sc.index == 0:
            return s == LOCAL or bool(flags & DEF_BOUND)
        return s == LOCAL or s == CELL

    def resolve(self, scope_node: Any, name: str) -> tuple[Any | None, str]:
        """Where a use of ``name`` in that scope binds: (scope node or None, binding).

        binding is one of local, cell, free, nonlocal, global_explicit,
        global_implicit, builtin, unresolved; the scope node is None for builtins and
        unresolved names, the Module for globals.
        """
        sc = self._by_node[scope_node]
        mangled = sc.mangle(name)
        target, binding = self._resolve(sc.index, mangled)
        binding = self._refine(target, mangled, binding)
        if binding == "builtin" or binding == "unresolved":
            return None, binding
        return self.scopes[target].node, binding

    def binding_sites(self, scope_node: Any, name: str) -> list[Any]:
        """The AST nodes that bind ``name`` in that scope (as resolved, flow-insensitive):
        Name stores, defs/classes, ``arg``, import ``alias``, ExceptHandler, MatchAs,
        MatchStar, MatchMapping; including stores in other scopes that declare the name
        ``global``/``nonlocal`` or bind it with a comprehension walrus."""
        sc = self._by_node[scope_node]
        return list(self._sites.get((sc.index, sc.mangle(name)), ()))

    # -- resolution ------------------------------------------------------------
    def _resolve(self, si: int, name: str) -> tuple[int, str]:
        """(target scope index, symtable binding) for a mangled name in scope ``si``."""
        key = (si, name)
        hit = self._resolved.get(key)
        if hit is not None:
            return hit
        scopes = self.scopes
        sc = scopes[si]
        flags = sc.symbols.get(name)
        if flags is None:
            # not in the table: an annotation under ``from __future__ import
            # annotations`` (3.11 never visits those); resolve it by name as a later
            # typing.get_type_hints would, innermost binding scope first
            out = self._resolve_deferred(sc, name)
        else:
            s = (flags >> SCOPE_OFF) & SCOPE_MASK
            if s == LOCAL:
                out = (si, "local")
            elif s == CELL:
                out = (si, "cell")
            elif s == FREE:
                out = (
                    self._enclosing_binder(sc, name),
                    "nonlocal" if flags & DEF_NONLOCAL else "free",
                )
            elif s == GLOBAL_EXPLICIT:
                out = (0, "global_explicit")
            else:
                out = (0, "global_implicit")
                if sc.kind in ANNOTATION_SCOPES and "__classdict__" in sc.symbols:
                    # an annotation scope in a class body reads the class namespace
                    # first (LOAD_FROM_DICT_OR_GLOBALS on __classdict__)
                    out = (self._class_binder(sc, name), "global_implicit")
        self._resolved[key] = out
        return out

    def _enclosing_binder(self, sc: Scope, name: str) -> int:
        """Nearest enclosing function-like scope where ``name`` is local or cell; class
        scopes do not enclose (``__class__`` is the exception: the class provides it)."""
        p = sc.parent
        while p is not None:
            if name == "__class__":
                if p.kind == "class":
                    return p.index
            elif p.is_function:
                flags = p.symbols.get(name)
                if (
                    flags is not None
                    and ((flags >> SCOPE_OFF) & SCOPE_MASK) in (LOCAL, CELL)
                    and p.own(flags)
                ):
                    return p.index
            p = p.parent
        return 0

    def _class_binder(self, sc: Scope, name: str) -> int:
        """The class body an annotation scope sits in when that class binds ``name``,
        else the module."""
        p = sc.parent
        while p is not None and p.kind in ANNOTATION_SCOPES:
            p = p.parent
        if p is not None and p.kind == "class":
            flags = p.symbols.get(name, 0)
            if flags & DEF_BOUND and p.own(flags):
                return p.index
        return 0

    def _resolve_deferred(self, sc: Scope, name: str) -> tuple[int, str]:
        p: Scope | None = sc
        first = True
        while p is not None:
            flags = p.symbols.get(name, 0)
            if (first or p.is_function or p.kind == "module") and (
                flags & DEF_BOUND and p.own(flags)
            ):
                if p.index == 0:
                    return 0, "global_implicit"
                return p.index, "local" if first else "free"
            first = False
            p = p.parent
        return 0, "global_implicit"

    def _refine(self, target: int, name: str, binding: str) -> str:
        """Globals nobody binds in the module are builtins, module attributes, maybe
        star-imported, or unresolved."""
        if target != 0 or binding not in ("global_implicit", "local") or (0, name) in self._sites:
            return binding
        if name in BUILTIN_NAMES:
            return "builtin"
        if name in MODULE_ATTRIBUTES or self.star_imports:
            return "global_implicit"
        return "unresolved"

    def _index_bindings(self) -> None:
        """Register every binding site under the scope its name resolves to."""
        sites = self._sites
        resolve = self._resolve
        scopes = self.scopes
        store = ast.Store
        for node, si in self.names:
            if type(node.ctx) is store:
                sc = scopes[si]
                name = sc.mangle(node.id)
                target = resolve(si, name)[0]
                lst = sites.get((target, name))
                if lst is None:
                    sites[(target, name)] = [node]
                else:
                    lst.append(node)
        for node, si, name in self.binders:
            target = resolve(si, name)[0]
            lst = sites.get((target, name))
            if lst is None:
                sites[(target, name)] = [node]
            else:
                lst.append(node)
        # the implicit ``__class__`` cell of methods refers to the class being defined
        for sc in scopes:
            if sc.kind == "class":
                sites[(sc.index, "__class__")] = [sc.node]
