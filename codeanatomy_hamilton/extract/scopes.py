"""Building a file's scope model (``scope_model.py`` says what it holds and why).

``build_scope_model`` walks the AST once in the order CPython's (3.12+) symtable visitor
enters blocks, pairing every symtable table with the AST node that opened it; the scopes
pass (``binding.py``) then writes the binding props and REF edges from the model.
"""

from __future__ import annotations

import ast
import symtable
from typing import Any

from codeanatomy_hamilton.extract.context import FileContext
from codeanatomy_hamilton.extract.scope_model import (
    CELL,
    COMPREHENSIONS,
    DEF_GLOBAL,
    DEF_LOCAL,
    DEF_NONLOCAL,
    FREE,
    GLOBAL_EXPLICIT,
    GLOBAL_IMPLICIT,
    LOCAL,
    SCOPE_MASK,
    SCOPE_OFF,
    TYPE_CLASS,
    TYPE_FUNCTION,
    TYPE_PARAMS,
    TYPE_TYPE_ALIAS,
    TYPE_TYPE_PARAMETERS,
    TYPE_TYPE_VARIABLE,
    USE,
    Scope,
    ScopeModel,
)

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
