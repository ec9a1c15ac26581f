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

from codeanatomy_hamilton.core.vocabulary import EdgeKind
from codeanatomy_hamilton.extract.context import FileContext

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
_SCOPE_KIND: dict[type, str] = {
    ast.Module: "module",
    ast.ClassDef: "class",
    ast.FunctionDef: "function",
    ast.AsyncFunctionDef: "function",
    ast.Lambda: "lambda",
    ast.ListComp: "comprehension",
    ast.SetComp: "comprehension",
    ast.GeneratorExp: "comprehension",
    ast.DictComp: "comprehension",
}
# (symtable type, symtable name) a scope node opens; None name: the node's own name
_TABLE_NAME: dict[type, tuple[str, str | None]] = {
    ast.ClassDef: ("class", None),
    ast.FunctionDef: ("function", None),
    ast.AsyncFunctionDef: ("function", None),
    ast.Lambda: ("function", "lambda"),
    ast.ListComp: ("function", "listcomp"),
    ast.SetComp: ("function", "setcomp"),
    ast.GeneratorExp: ("function", "genexpr"),
    ast.DictComp: ("function", "dictcomp"),
}
_TABLE_TYPE = {"function": TYPE_FUNCTION, "class": TYPE_CLASS}

# fields that never hold AST nodes that matter here: identifiers, flags and the shared
# context/operator singletons (which have no ``_cid`` and no scope of their own)
_SKIP_FIELDS = frozenset(
    (
        "ctx",
        "op",
        "ops",
        "id",
        "arg",
        "attr",
        "module",
        "level",
        "kind",
        "conversion",
        "simple",
        "is_async",
        "type_comment",
        "type_ignores",
        "asname",
        "rest",
        "kwd_attrs",
        "tag",
    )
)
_FIELDS: dict[type, tuple[str, ...]] = {}
_SPECIAL = frozenset(
    (
        ast.Call,
        ast.FunctionDef,
        ast.AsyncFunctionDef,
        ast.Lambda,
        ast.ClassDef,
        *COMPREHENSIONS,
        ast.arguments,
        ast.arg,
        ast.alias,
        ast.Import,
        ast.ImportFrom,
        ast.ExceptHandler,
        ast.MatchAs,
        ast.MatchStar,
        ast.MatchMapping,
        ast.AugAssign,
        ast.Return,
        ast.NamedExpr,
        ast.TypeAlias,
        *TYPE_PARAMS,
    )
)


def _fields_of(cls: type) -> tuple[str, ...]:
    """Child fields of ``cls`` that may hold AST nodes, reversed (the stack is LIFO)."""
    fields = [f for f in cls._fields if f not in _SKIP_FIELDS]
    if cls in (ast.Global, ast.Nonlocal, ast.FunctionDef, ast.AsyncFunctionDef):
        fields = [f for f in fields if f != "names" and f != "name"]
    if cls in (ast.ClassDef, ast.alias, ast.ExceptHandler, ast.MatchAs, ast.MatchStar):
        fields = [f for f in fields if f != "name"]
    if cls in TYPE_PARAMS:
        fields = [f for f in fields if f != "name"]
    if cls is ast.Constant or cls is ast.MatchSingleton:
        fields = [f for f in fields if f != "value"]
    out = tuple(reversed(fields))
    _FIELDS[cls] = out
    return out


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


def get_scope_model(ctx: FileContext) -> ScopeModel:
    """The scope model of the file, built once and shared through ``ctx.shared``."""
    model = ctx.shared.get("scope_model")
    if model is None:
        model = build_scope_model(ctx.tree, ctx.symtable, ctx.path, ctx.builder.node_count)
        ctx.shared["scope_model"] = model
    return model


def build_scope_model(
    tree: ast.Module, top: symtable.SymbolTable, filename: str, node_count: int
) -> ScopeModel:
    """One traversal in symtable visitor order; see the module docstring."""
    model = ScopeModel(filename)
    scopes = model.scopes
    by_node = model._by_node
    sbc = [-1] * node_count
    model.scope_by_cid = sbc
    names_append = model.names.append
    binders_append = model.binders.append
    calls_append = model.calls.append
    imports = model.imports
    aug = model.aug_targets
    returns_append = model.returns.append
    Return = ast.Return

    root = Scope(0, tree, "module", top._table, None)
    scopes.append(root)
    by_node[tree] = root

    fields_get = _FIELDS.get
    Name = ast.Name
    Attribute = ast.Attribute
    Constant = ast.Constant
    Call = ast.Call
    arg_t = ast.arg
    FunctionDef = ast.FunctionDef
    AsyncFunctionDef = ast.AsyncFunctionDef
    ClassDef = ast.ClassDef
    Lambda = ast.Lambda
    arguments_t = ast.arguments
    alias_t = ast.alias
    Import = ast.Import
    ImportFrom = ast.ImportFrom
    ExceptHandler = ast.ExceptHandler
    MatchAs = ast.MatchAs
    MatchStar = ast.MatchStar
    MatchMapping = ast.MatchMapping
    AugAssign = ast.AugAssign
    NamedExpr = ast.NamedExpr
    TypeAlias = ast.TypeAlias
    TypeVar = ast.TypeVar
    type_params = TYPE_PARAMS
    walrus = model.walrus_targets
    comps = COMPREHENSIONS
    # classes that need more than the generic child walk (most nodes do not)
    special = _SPECIAL

    # stack items: (node, scope index, mode); mode 0 visits the node, 1 enters the
    # block the node opens (after its enclosing-scope parts were visited, as CPython's
    # symtable does), 2 visits a comprehension's first generator minus its iterable
    stack: list[tuple[Any, int, int]] = [(tree, 0, 1)]
    push = stack.append
    pop = stack.pop
    while stack:
        node, si, mode = pop()
        cls = type(node)
        if mode == 0:
            sbc[node._cid] = si
            if cls is Name:
                names_append((node, si))
                continue
            if cls is Attribute:
                push((node.value, si, 0))
                continue
            if cls is Constant:
                continue
            if cls in special:
                if cls is Call:
                    calls_append(node)
                elif cls is FunctionDef or cls is AsyncFunctionDef:
                    sc = scopes[si]
                    binders_append((node, si, sc.mangle(node.name)))
                    a = node.args
                    # CPython 3.12+ order: defaults, kw_defaults, decorators, then (in
                    # the type-parameters block of a generic def) the type parameters,
                    # the annotations, and the function block
                    if node.type_params:
                        push((node, si, 3))
                    else:
                        push((node, si, 1))
                        _push_annotations(push, node, si)
                    for d in reversed(node.decorator_list):
                        push((d, si, 0))
                    for d in reversed(a.kw_defaults):
                        if d is not None:
                            push((d, si, 0))
                    for d in reversed(a.defaults):
                        push((d, si, 0))
                    continue
                elif cls is Lambda:
                    a = node.args
                    push((node, si, 1))
                    for d in reversed(a.kw_defaults):
                        if d is not None:
                            push((d, si, 0))
                    for d in reversed(a.defaults):
                        push((d, si, 0))
                    continue
                elif cls is ClassDef:
                    sc = scopes[si]
                    binders_append((node, si, sc.mangle(node.name)))
                    # 3.12+: decorators, then (in the type-parameters block of a
                    # generic class) type parameters, bases, keywords, class block
                    if node.type_params:
                        push((node, si, 3))
                    else:
                        push((node, si, 1))
                        for d in reversed(node.keywords):
                            push((d, si, 0))
                        for d in reversed(node.bases):
                            push((d, si, 0))
                    for d in reversed(node.decorator_list):
                        push((d, si, 0))
                    continue
                elif cls in comps:
                    push((node, si, 1))
                    push((node.generators[0].iter, si, 0))
                    continue
                elif cls is TypeAlias:
                    # ``type X[T] = v``: X is bound where the statement runs; the value
                    # (and the type parameters) live in annotation scopes
                    push((node, si, 3 if node.type_params else 4))
                    push((node.name, si, 0))
                    continue
                elif cls in type_params:
                    binders_append((node, si, scopes[si].mangle(node.name)))
                    # bound (or constraints) and default: one lazily evaluated "type
                    # variable" block each, in that order
                    if getattr(node, "default_value", None) is not None:
                        push((node, si, 6))
                    if cls is TypeVar and node.bound is not None:
                        push((node, si, 5))
                    continue
                elif cls is NamedExpr:
                    walrus.add(id(node.target))
                elif cls is arguments_t:
                    # only the parameters: defaults and annotations ran in the enclosing
                    # scope before the block was entered
                    model.signatures.append(node)
                    a = node
                    if a.kwarg is not None:
                        push((a.kwarg, si, 0))
                    for x in reversed(a.kwonlyargs):
                        push((x, si, 0))
                    if a.vararg is not None:
                        push((a.vararg, si, 0))
                    for x in reversed(a.args):
                        push((x, si, 0))
                    for x in reversed(a.posonlyargs):
                        push((x, si, 0))
                    continue
                elif cls is arg_t:
                    binders_append((node, si, scopes[si].mangle(node.arg)))
                    continue
                elif cls is alias_t:
                    if node.name != "*":
                        bound = node.asname or node.name.partition(".")[0]
                        binders_append((node, si, scopes[si].mangle(bound)))
                    continue
                elif cls is Import:
                    imports.append(node)
                elif cls is ImportFrom:
                    imports.append(node)
                    if node.names and node.names[0].name == "*":
                        model.star_imports.append(node)
                elif cls is ExceptHandler or cls is MatchAs or cls is MatchStar:
                    if node.name is not None:
                        binders_append((node, si, scopes[si].mangle(node.name)))
                elif cls is MatchMapping:
                    if node.rest is not None:
                        binders_append((node, si, scopes[si].mangle(node.rest)))
                elif cls is AugAssign:
                    if type(node.target) is Name:
                        aug.add(id(node.target))
                elif cls is Return:
                    returns_append((node, si))
            fields = fields_get(cls)
            if fields is None:
                fields = _fields_of(cls)
            for f in fields:
                v = getattr(node, f)
                if v is None:
                    continue
                if type(v) is list:
                    for i in range(len(v) - 1, -1, -1):
                        item = v[i]
                        if item is not None:
                            push((item, si, 0))
                else:
                    push((v, si, 0))
        elif mode == 1:
            if cls is ast.Module:
                ni = 0
            else:
                ni = _enter(model, node, cls, scopes[si])
            if cls is FunctionDef or cls is AsyncFunctionDef:
                body = node.body
                for i in range(len(body) - 1, -1, -1):
                    push((body[i], ni, 0))
                push((node.args, ni, 0))
            elif cls is Lambda:
                push((node.body, ni, 0))
                push((node.args, ni, 0))
            elif cls is ClassDef or cls is ast.Module:
                body = node.body
                for i in range(len(body) - 1, -1, -1):
                    push((body[i], ni, 0))
            else:
                # comprehension block: first target and ifs, other generators, then
                # the value of a DictComp before its key (CPython's order)
                if cls is ast.DictComp:
                    push((node.key, ni, 0))
                    push((node.value, ni, 0))
                else:
                    push((node.elt, ni, 0))
                gens = node.generators
                for i in range(len(gens) - 1, 0, -1):
                    push((gens[i], ni, 0))
                push((gens[0], ni, 2))
        elif mode == 2:  # first generator of a comprehension: target and ifs only
            sbc[node._cid] = si
            for x in reversed(node.ifs):
                push((x, si, 0))
            push((node.target, si, 0))
        elif mode == 3:  # the type-parameters block of a generic def, class or alias
            name = node.name.id if cls is TypeAlias else node.name
            ni = _enter_block(
                model, node, "type_parameters", TYPE_TYPE_PARAMETERS, name, scopes[si]
            )
            if cls is TypeAlias:
                push((node, ni, 4))
            elif cls is ClassDef:
                push((node, ni, 1))
                for d in reversed(node.keywords):
                    push((d, ni, 0))
                for d in reversed(node.bases):
                    push((d, ni, 0))
            else:
                push((node, ni, 1))
                _push_annotations(push, node, ni)
            for x in reversed(node.type_params):
                push((x, ni, 0))
        elif mode == 4:  # the value of a ``type`` statement (evaluated lazily)
            ni = _enter_block(model, node, "type_alias", TYPE_TYPE_ALIAS, node.name.id, scopes[si])
            push((node.value, ni, 0))
        else:  # 5: the bound/constraints, 6: the default of a type parameter
            ni = _enter_block(
                model, node, "type_variable", TYPE_TYPE_VARIABLE, node.name, scopes[si]
            )
            push((node.bound if mode == 5 else node.default_value, ni, 0))
    if _has_future_annotations(tree):
        model.deferred = _deferred_annotation_names(tree)
    if model.inlined:
        _synthesise_inlined(model)
    model._index_bindings()
    return model


def _push_annotations(push: Any, node: Any, si: int) -> None:
    """Annotations of a def in CPython's order (posonly, args, *args, **kwargs,
    kwonly, return), pushed in reverse onto the LIFO stack."""
    a = node.args
    if node.returns is not None:
        push((node.returns, si, 0))
    for x in reversed(a.kwonlyargs):
        if x.annotation is not None:
            push((x.annotation, si, 0))
    if a.kwarg is not None and a.kwarg.annotation is not None:
        push((a.kwarg.annotation, si, 0))
    if a.vararg is not None and a.vararg.annotation is not None:
        push((a.vararg.annotation, si, 0))
    for x in reversed(a.args):
        if x.annotation is not None:
            push((x.annotation, si, 0))
    for x in reversed(a.posonlyargs):
        if x.annotation is not None:
            push((x.annotation, si, 0))


def _has_future_annotations(tree: ast.Module) -> bool:
    """``from __future__ import annotations`` among the leading statements."""
    for stmt in tree.body:
        if type(stmt) is ast.ImportFrom and stmt.module == "__future__":
            if any(a.name == "annotations" for a in stmt.names):
                return True
        elif not (type(stmt) is ast.Expr and type(stmt.value) is ast.Constant):
            return False
    return False


def _deferred_annotation_names(tree: ast.Module) -> set[int]:
    """ids of the Name nodes inside PEP 563 (stringified) annotations."""
    roots: list[ast.AST] = []
    for node in ast.walk(tree):
        cls = type(node)
        if cls is ast.arg or cls is ast.AnnAssign:
            if node.annotation is not None:
                roots.append(node.annotation)
        elif cls is ast.FunctionDef or cls is ast.AsyncFunctionDef:
            if node.returns is not None:
                roots.append(node.returns)
    out: set[int] = set()
    for r in roots:
        for n in ast.walk(r):
            if type(n) is ast.Name:
                out.add(id(n))
    return out


def _pair(model: ScopeModel, parent: Scope, tname: str, lineno: int, want_type: int) -> Any:
    """The parent's next unpaired symtable child if it is the wanted block, else the
    first unused match further on (never seen on the stdlib), else None."""
    owner = parent.pair
    children = owner.children
    k = owner.next_child
    if k < len(children):
        c = children[k]
        if c.name == tname and c.lineno == lineno and c.type == want_type:
            owner.next_child = k + 1
            return c
    for j in range(k, len(children)):
        c = children[j]
        if c.name == tname and c.lineno == lineno and c.type == want_type:
            children.pop(j)
            children.insert(k, c)
            owner.next_child = k + 1
            return c
    return None


def _enter(model: ScopeModel, node: Any, cls: type, parent: Scope) -> int:
    """Create the Scope for ``node``, paired with the parent's next symtable child."""
    ttype, tname = _TABLE_NAME[cls]
    if tname is None:
        tname = node.name
    want_type = _TABLE_TYPE[ttype]
    lineno = node.lineno
    inlined = False
    if cls in COMPREHENSIONS and cls is not ast.GeneratorExp:
        # 3.12+ inlines list/set/dict comprehensions (no block), except inside an
        # annotation scope that can see a class namespace: a block is there exactly
        # when it is the next child to pair
        owner = parent.pair
        k = owner.next_child
        c = owner.children[k] if k < len(owner.children) else None
        if c is not None and c.name == tname and c.lineno == lineno and c.type == want_type:
            owner.next_child = k + 1
            raw = c
        else:
            raw = None
            inlined = True
    else:
        raw = _pair(model, parent, tname, lineno, want_type)
        if raw is None:
            model.unmapped_tables += 1
    sc = Scope(len(model.scopes), node, _SCOPE_KIND[cls], raw, parent, inlined)
    model.scopes.append(sc)
    model._by_node[node] = sc
    if inlined:
        model.inlined.append(sc)
    return sc.index


def _enter_block(
    model: ScopeModel, node: Any, kind: str, want_type: int, tname: str, parent: Scope
) -> int:
    """Create a PEP 695 annotation scope (type parameters / type alias / type
    variable) opened by ``node``. Only the ``type`` statement's alias block is the
    node's registered scope (``scope(node)``); a def's or class's type-parameters block
    and a type parameter's bound/default blocks are reached through ``scopes``."""
    raw = _pair(model, parent, tname, node.lineno, want_type)
    if raw is None:
        model.unmapped_tables += 1
    sc = Scope(len(model.scopes), node, kind, raw, parent)
    model.scopes.append(sc)
    if kind == "type_alias":
        model._by_node[node] = sc
    return sc.index


def _synthesise_inlined(model: ScopeModel) -> None:
    """Symbol flags of the inlined comprehensions (outer before inner), as their own
    block had them before CPython merged it into the enclosing one; then the cells
    they imply, as 3.11 (and the language reference) count them."""
    scopes = model.scopes
    walrus = model.walrus_targets
    store = ast.Store
    used: dict[int, dict[str, int]] = {sc.index: {} for sc in model.inlined}
    for node, si in model.names:
        syms = used.get(si)
        if syms is None:
            continue
        sc = scopes[si]
        name = sc.mangle(node.id)
        f = syms.get(name, 0)
        if type(node.ctx) is store:
            if id(node) in walrus:
                f |= _walrus_flag(sc, name)
            else:
                f |= DEF_LOCAL
        else:
            f |= USE
            if node.id == "super":
                # super() in a function-like block implicitly uses __class__
                syms["__class__"] = syms.get("__class__", 0) | USE
        syms[name] = f
    for sc in model.inlined:
        syms = used[sc.index]
        out: dict[str, int] = {}
        for name, f in syms.items():
            if f & DEF_GLOBAL:
                s = GLOBAL_EXPLICIT
            elif f & DEF_NONLOCAL:
                s = FREE
            elif f & DEF_LOCAL:
                s = LOCAL
            else:
                s = _outer_scope(sc.parent, name)
            out[name] = f | (s << SCOPE_OFF)
        sc.symbols = out
    # free names of every block bind somewhere: a binding inlined comprehension becomes
    # a cell, and so does the real block that binds a name only such a comprehension
    # captures; intermediate inlined comprehensions pass the name through as free
    captured: dict[int, set[str]] = {}
    for sc in scopes:
        if not sc.is_function:
            continue
        for name, f in list(sc.symbols.items()):
            if (f >> SCOPE_OFF) & SCOPE_MASK != FREE or name == "__class__":
                continue
            if sc.raw is not None and sc.kind != "comprehension" and not sc.own(f):
                continue
            target = model._enclosing_binder(sc, name)
            p = sc.parent
            while p is not None and p.index != target:
                if p.inlined and name not in p.symbols:
                    p.symbols[name] = FREE << SCOPE_OFF
                p = p.parent
            captured.setdefault(target, set()).add(name)
    for sc in model.inlined:
        caps = captured.get(sc.index)
        if caps:
            syms = sc.symbols
            for name in caps:
                f = syms.get(name)
                if f is not None and (f >> SCOPE_OFF) & SCOPE_MASK == LOCAL:
                    syms[name] = (f & ~(SCOPE_MASK << SCOPE_OFF)) | (CELL << SCOPE_OFF)
    # the blocks comprehensions were inlined into: a name is a cell there exactly when
    # some nested block captures it (3.13 also marks names inlined comprehensions
    # capture, and drops the cells comprehension captures used to need)
    for owner in {sc.pair.index for sc in model.inlined}:
        osc = scopes[owner]
        if osc.kind == "module" or osc.kind == "class":
            continue
        caps = captured.get(owner, set())
        fixed: dict[str, int] | None = None
        for name, f in osc.symbols.items():
            s = (f >> SCOPE_OFF) & SCOPE_MASK
            if s != LOCAL and s != CELL or not osc.own(f):
                continue
            want = CELL if name in caps else LOCAL
            if want != s:
                if fixed is None:
                    fixed = dict(osc.symbols)
                fixed[name] = (f & ~(SCOPE_MASK << SCOPE_OFF)) | (want << SCOPE_OFF)
        if fixed is not None:
            osc.symbols = fixed


def _walrus_flag(sc: Scope, name: str) -> int:
    """How a comprehension walrus target is declared in the comprehension: global at
    module level or when the nearest enclosing function declares it ``global``, else
    nonlocal to that function (CPython's symtable_extend_namedexpr_scope)."""
    p = sc.parent
    while p is not None and p.kind == "comprehension":
        p = p.parent
    if p is None or p.kind == "module" or p.symbols.get(name, 0) & DEF_GLOBAL:
        return DEF_GLOBAL
    return DEF_NONLOCAL


def _outer_scope(p: Scope | None, name: str) -> int:
    """FREE when an enclosing function-like block binds ``name`` for nested blocks
    (classes only provide ``__class__``), else GLOBAL_IMPLICIT (symtable's analysis of
    a name a nested block only uses)."""
    while p is not None:
        kind = p.kind
        if kind == "module":
            return GLOBAL_IMPLICIT
        if kind == "class":
            if name == "__class__":
                return FREE
        else:
            f = p.symbols.get(name)
            if f is not None and p.own(f):
                s = (f >> SCOPE_OFF) & SCOPE_MASK
                if s == LOCAL or s == CELL or s == FREE:
                    return FREE
                if s == GLOBAL_EXPLICIT or s == GLOBAL_IMPLICIT:
                    return GLOBAL_IMPLICIT
        p = p.parent
    return GLOBAL_IMPLICIT


def run_scope_pass(ctx: FileContext) -> None:
    """IDENTIFIER props (``scope``, ``binding``), scope-node props and REF edges."""
    model = get_scope_model(ctx)
    b = ctx.builder
    scopes = model.scopes
    sites_get = model._sites.get
    resolve = model._resolve
    aug = model.aug_targets
    deferred = model.deferred
    star_ords = [s._cid for s in model.star_imports]
    kinds = [s.kind for s in scopes]
    # columns appended in bulk: several props per Name make add_prop's call overhead
    # the largest cost of the pass
    p_node, p_key, p_val, p_type = b.p_node, b.p_key, b.p_value, b.p_type
    e_src, e_dst, e_kind = b.e_src, b.e_dst, b.e_kind
    e_label, e_index, e_field, e_var = b.e_label, b.e_index, b.e_field, b.e_variable
    n_ref = 0
    store = ast.Store
    # (target, name, binding) -> final binding, memoised per file
    refined: dict[tuple[int, str, str], str] = {}
    for node, si in model.names:
        sc = scopes[si]
        name = node.id
        p = sc.prefix
        if p is not None and name[:2] == "__" and name[-2:] != "__":
            name = p + name
        cid = node._cid
        if deferred and id(node) in deferred:
            # a string at run time: resolve by name as typing.get_type_hints would
            target, binding = model._resolve_deferred(sc, name)
            p_node.append(cid)
            p_key.append("deferred_annotation")
            p_val.append("true")
            p_type.append("bool")
        else:
            target, binding = resolve(si, name)
        is_store = type(node.ctx) is store
        if binding == "global_implicit" or binding == "global_explicit" or target == 0:
            key = (target, name, binding)
            final = refined.get(key)
            if final is None:
                final = refined[key] = model._refine(target, name, binding)
        else:
            final = binding
        p_node.append(cid)
        p_key.append("scope")
        p_val.append(kinds[si])
        p_type.append("str")
        p_node.append(cid)
        p_key.append("binding")
        p_val.append(final)
        p_type.append("str")
        if is_store and id(node) not in aug:
            continue
        sites = sites_get((target, name))
        if sites:
            for s in sites:
                if s is not node:
                    e_src.append(cid)
                    e_dst.append(s._cid)
                    n_ref += 1
            continue
        if target != 0:
            continue
        # a global nobody binds in this module
        if name in BUILTIN_NAMES:
            b.add_external_edge(cid, "builtins." + name, EdgeKind.REF)
        if star_ords:
            for so in star_ords:
                e_src.append(cid)
                e_dst.append(so)
                n_ref += 1
            b.add_prop(cid, "star_import", "true", "bool")
        elif final == "unresolved":
            b.add_prop(cid, "unresolved", "true", "bool")
    e_kind.extend([EdgeKind.REF] * n_ref)
    e_label.extend([None] * n_ref)
    e_index.extend([None] * n_ref)
    e_field.extend([None] * n_ref)
    e_var.extend([None] * n_ref)
    add_prop = b.add_prop
    tv_done: set[int] = set()
    for sc in scopes:
        kind = sc.kind
        if kind == "type_parameters":
            continue  # no node of its own (the def/class node keeps its scope prop)
        cid = sc.node._cid
        if kind == "type_variable":
            if cid not in tv_done:  # a bound and a default: one prop per node
                tv_done.add(cid)
                add_prop(cid, "scope", kind)
            continue
        add_prop(cid, "scope", kind)
        if sc.is_function and kind not in ANNOTATION_SCOPES:
            # closure shape at a glance: what the block captures and what it provides
            frees = []
            cells = []
            own = sc.own
            for n, f in sc.symbols.items():
                if not own(f):
                    continue
                s = (f >> SCOPE_OFF) & SCOPE_MASK
                if s == FREE:
                    frees.append(n)
                elif s == CELL:
                    cells.append(n)
            if frees:
                add_prop(cid, "free_vars", ",".join(sorted(frees)))
            if cells:
                add_prop(cid, "cell_vars", ",".join(sorted(cells)))
    quals = b.n_qualname
    for node, si in model.returns:
        q = quals[scopes[si].node._cid]
        if q is not None:
            add_prop(node._cid, "function", q)
