"""The AST pass: every ``ast`` node becomes a CPG node, with AST and CONTAINS edges,
qualnames as CPython's compiler computes ``__qualname__`` (``<locals>`` removed) and the
props a reader wants (docstrings, decorators, literal values, operators, annotations).

Each positioned AST node gets its ordinal as the attribute ``_cid`` so later passes
(scopes, control flow, facts) can address it. Context and operator nodes
(``Load``, ``Add``, ...) are shared singletons in CPython, so they get CPG nodes but no
``_cid``.
"""

from __future__ import annotations

import ast
from typing import Any

from codeanatomy_hamilton.core.vocabulary import EdgeKind, NodeKind
from codeanatomy_hamilton.extract.builder import FileBuilder

KIND_BY_TYPE: dict[type, str] = {
    ast.Module: NodeKind.MODULE,
    ast.Interactive: NodeKind.MODULE,
    ast.Expression: NodeKind.MODULE,
    ast.ClassDef: NodeKind.CLASS,
    ast.FunctionDef: NodeKind.FUNCTION,
    ast.AsyncFunctionDef: NodeKind.FUNCTION,
    ast.Lambda: NodeKind.FUNCTION,
    ast.arg: NodeKind.PARAMETER,
    # PEP 695 type parameters bind their name in the type-parameters scope
    ast.TypeVar: NodeKind.TYPE_PARAMETER,
    ast.ParamSpec: NodeKind.TYPE_PARAMETER,
    ast.TypeVarTuple: NodeKind.TYPE_PARAMETER,
    ast.Call: NodeKind.CALL,
    ast.Name: NodeKind.IDENTIFIER,
    ast.Attribute: NodeKind.ATTRIBUTE,
    ast.Constant: NodeKind.LITERAL,
    ast.Import: NodeKind.IMPORT,
    ast.ImportFrom: NodeKind.IMPORT,
    ast.Return: NodeKind.RETURN,
    ast.arguments: NodeKind.ARGUMENTS,
    ast.keyword: NodeKind.KEYWORD,
    ast.alias: NodeKind.ALIAS,
    ast.comprehension: NodeKind.COMPREHENSION,
    ast.ExceptHandler: NodeKind.EXCEPT_HANDLER,
    ast.withitem: NodeKind.WITH_ITEM,
    ast.match_case: NodeKind.MATCH_CASE,
    ast.TypeIgnore: NodeKind.TYPE_IGNORE,
}
for _t in (
    ast.If,
    ast.For,
    ast.AsyncFor,
    ast.While,
    ast.Try,
    ast.TryStar,
    ast.With,
    ast.AsyncWith,
    ast.Match,
    ast.Break,
    ast.Continue,
    ast.Raise,
):
    KIND_BY_TYPE[_t] = NodeKind.CONTROL_STRUCTURE

SINGLETON_BASES = (ast.expr_context, ast.boolop, ast.operator, ast.unaryop, ast.cmpop)
COMPREHENSION_NAMES: dict[type, str] = {
    ast.ListComp: "<listcomp>",
    ast.SetComp: "<setcomp>",
    ast.DictComp: "<dictcomp>",
    ast.GeneratorExp: "<genexpr>",
}


class _TypeInfo:
    """Per-``ast`` class facts computed once, so the hot loop does no reflection."""

    __slots__ = ("name", "kind", "fields", "positioned", "singleton", "name_attr")

    def __init__(self, cls: type) -> None:
        self.name = cls.__name__
        self.singleton = issubclass(cls, SINGLETON_BASES)
        if cls in KIND_BY_TYPE:
            self.kind = KIND_BY_TYPE[cls]
        elif self.singleton:
            self.kind = (
                NodeKind.EXPR_CONTEXT if issubclass(cls, ast.expr_context) else NodeKind.OPERATOR
            )
        elif issubclass(cls, ast.pattern):
            self.kind = NodeKind.PATTERN
        elif issubclass(cls, ast.stmt):
            self.kind = NodeKind.STATEMENT
        elif issubclass(cls, ast.expr):
            self.kind = NodeKind.EXPRESSION
        else:
            self.kind = NodeKind.AST_NODE
        self.fields = tuple(f for f in cls._fields if f not in ("type_comment",))
        self.positioned = "lineno" in cls._attributes
        self.name_attr = {
            ast.Name: "id",
            ast.Attribute: "attr",
            ast.FunctionDef: "name",
            ast.AsyncFunctionDef: "name",
            ast.ClassDef: "name",
            ast.arg: "arg",
            ast.keyword: "arg",
            ast.alias: "name",
            ast.ExceptHandler: "name",
            ast.MatchAs: "name",
            ast.MatchStar: "name",
            ast.MatchMapping: "rest",
            ast.TypeVar: "name",
            ast.ParamSpec: "name",
            ast.TypeVarTuple: "name",
        }.get(cls)


_INFO: dict[type, _TypeInfo] = {}


def _info(cls: type) -> _TypeInfo:
    info = _INFO.get(cls)
    if info is None:
        info = _INFO[cls] = _TypeInfo(cls)
    return info


def dotted_name(node: ast.AST) -> str | None:
    """``a.b.c`` for a chain of Attribute over a Name, else None."""
    parts: list[str] = []
    while type(node) is ast.Attribute:
        parts.append(node.attr)
        node = node.value
    if type(node) is ast.Name:
        parts.append(node.id)
        parts.reverse()
        return ".".join(parts)
    return None


def callee_text(builder: FileBuilder, call: ast.Call) -> str | None:
    """The callee as written: a dotted name where possible, else its source text."""
    name = dotted_name(call.func)
    if name is not None:
        return name
    text = builder.segment(call.func, 200)
    return text


def _literal_type(value: Any) -> str:
    if value is None:
        return "none"
    if value is Ellipsis:
        return "ellipsis"
    return type(value).__name__


def _literal_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bytes):
        return repr(value)
    if type(value) is int:
        try:
            return repr(value)
        except ValueError:
            # over ``sys.get_int_max_str_digits()`` decimal digits (a hex literal can
            # be): CPython refuses the decimal conversion, so the text is hex
            return hex(value)
    return repr(value) if value is not Ellipsis else "..."


def _docstring(node: Any) -> str | None:
    body = node.body
    if body and type(body[0]) is ast.Expr:
        v = body[0].value
        if type(v) is ast.Constant and type(v.value) is str:
            return v.value
    return None


def run_ast_pass(builder: FileBuilder, tree: ast.Module) -> None:
    """Add every AST node of ``tree`` with AST and CONTAINS edges and props."""
    b = builder
    module_q = b.module
    n_kind, n_type, n_name, n_qual = b.n_kind, b.n_ast_type, b.n_name, b.n_qualname
    n_sl, n_sc, n_el, n_ec = b.n_sl, b.n_sc, b.n_el, b.n_ec
    e_src, e_dst, e_kind, e_label = b.e_src, b.e_dst, b.e_kind, b.e_label
    e_index, e_field, e_var = b.e_index, b.e_field, b.e_variable
    add_prop = b.add_prop
    info_of = _INFO.get
    # the kinds the per-node loop writes and tests, as locals
    AST, CONTAINS = EdgeKind.AST, EdgeKind.CONTAINS
    MODULE, FUNCTION, CLASS = NodeKind.MODULE, NodeKind.FUNCTION, NodeKind.CLASS
    TYPE_PARAMETER = NodeKind.TYPE_PARAMETER

    # A scope context is (container, qualname prefix, global-declared names of that
    # scope). container: ordinal of the MODULE/CLASS/FUNCTION whose body holds the node.
    # Stack entries: (node, parent, field, index, ctx, alt); `alt` is the enclosing
    # context for the few fields evaluated outside the new scope (defaults and
    # annotations of parameters, the first iterable of a comprehension).
    root_ctx: tuple[int, str, set[str] | None] = (-1, "", None)
    stack: list[tuple[Any, int, str | None, int | None, tuple, tuple | None]] = [
        (tree, -1, None, None, root_ctx, None)
    ]
    while stack:
        node, parent, field, index, ctx, alt = stack.pop()
        container, qprefix, gscope = ctx
        cls = type(node)
        info = info_of(cls)
        if info is None:
            info = _info(cls)
        ordinal = len(n_kind)
        kind = info.kind
        n_kind.append(kind)
        n_type.append(info.name)
        if info.positioned:
            n_sl.append(node.lineno)
            n_sc.append(node.col_offset)
            n_el.append(node.end_lineno)
            n_ec.append(node.end_col_offset)
        else:
            n_sl.append(None)
            n_sc.append(None)
            n_el.append(None)
            n_ec.append(None)
        if not info.singleton:
            node._cid = ordinal
        if parent >= 0:
            e_src.append(parent)
            e_dst.append(ordinal)
            e_kind.append(AST)
            e_label.append(None)
            e_index.append(index)
            e_field.append(field)
            e_var.append(None)
        if container >= 0:
            e_src.append(container)
            e_dst.append(ordinal)
            e_kind.append(CONTAINS)
            e_label.append(None)
            e_index.append(None)
            e_field.append(None)
            e_var.append(None)

        name: str | None = None
        qual: str | None = None
        inner: tuple | None = None  # context of the node's own body, if it opens one
        if info.name_attr is not None:
            name = getattr(node, info.name_attr)
        if kind == MODULE:
            name = module_q
            qual = module_q
            inner = (ordinal, "", None)
            doc = _docstring(node) if cls is ast.Module else None
            if doc is not None:
                add_prop(ordinal, "docstring", doc)
        elif kind == FUNCTION or kind == CLASS:
            if cls is ast.Lambda:
                name = "<lambda>"
            if gscope is not None and name in gscope:
                local_q = name  # declared `global` in the enclosing scope
            elif qprefix:
                local_q = qprefix + "." + name
            else:
                local_q = name
            qual = module_q + "." + local_q if module_q else local_q
            inner = (ordinal, local_q, set())
            _scope_props(b, node, ordinal, cls)
        elif cls in COMPREHENSION_NAMES:
            comp = COMPREHENSION_NAMES[cls]
            inner = (container, qprefix + "." + comp if qprefix else comp, set())
        elif cls is ast.Call:
            name = callee_text(b, node)
        elif cls is ast.Constant:
            v = node.value
            add_prop(ordinal, "value", _literal_text(v), _literal_type(v))
            if node.kind is not None:
                add_prop(ordinal, "string_prefix", node.kind)
        elif cls is ast.ImportFrom:
            name = "." * (node.level or 0) + (node.module or "")
            add_prop(ordinal, "level", node.level or 0, "int")
        elif cls is ast.Import:
            name = ",".join(a.name for a in node.names)
        elif cls is ast.alias:
            if node.asname is not None:
                add_prop(ordinal, "asname", node.asname)
        elif cls is ast.Global or cls is ast.Nonlocal:
            name = ",".join(node.names)
            if cls is ast.Global and gscope is not None:
                gscope.update(node.names)
        elif cls is ast.BinOp or cls is ast.AugAssign or cls is ast.UnaryOp:
            add_prop(ordinal, "operator", type(node.op).__name__)
        elif cls is ast.BoolOp:
            add_prop(ordinal, "operator", type(node.op).__name__)
        elif cls is ast.Compare:
            add_prop(ordinal, "operators", ",".join(type(o).__name__ for o in node.ops))
        elif cls is ast.AnnAssign:
            ann = b.segment(node.annotation)
            if ann is not None:
                add_prop(ordinal, "annotation", ann)
        elif cls is ast.arg:
            if node.annotation is not None:
                ann = b.segment(node.annotation)
                if ann is not None:
                    add_prop(ordinal, "annotation", ann)
        elif kind == TYPE_PARAMETER:
            # bound or constraints tuple, and default: source text (evaluated lazily)
            bound = getattr(node, "bound", None)
            if bound is not None:
                key = "constraints" if type(bound) is ast.Tuple else "bound"
                text = b.segment(bound)
                if text is not None:
                    add_prop(ordinal, key, text)
            default = getattr(node, "default_value", None)
            if default is not None:
                text = b.segment(default)
                if text is not None:
                    add_prop(ordinal, "default", text)
        elif cls is ast.TypeAlias:
            name = node.name.id
        elif cls is ast.FormattedValue:
            if node.conversion != -1:
                add_prop(ordinal, "conversion", chr(node.conversion))
        n_name.append(name)
        n_qual.append(qual)

        fields = info.fields
        for fi in range(len(fields) - 1, -1, -1):
            f = fields[fi]
            value = getattr(node, f, None)
            if value is None:
                continue
            c_ctx, c_alt = _child_context(cls, kind, f, ctx, alt, inner)
            if type(value) is list:
                for i in range(len(value) - 1, -1, -1):
                    item = value[i]
                    if isinstance(item, ast.AST):
                        if cls in COMPREHENSION_NAMES and i == 0:
                            stack.append((item, ordinal, f, i, c_ctx, ctx))
                        else:
                            stack.append((item, ordinal, f, i, c_ctx, c_alt))
            elif isinstance(value, ast.AST):
                stack.append((value, ordinal, f, None, c_ctx, c_alt))


_INNER_FIELDS: dict[type, frozenset[str]] = {
    ast.FunctionDef: frozenset(("args", "body")),
    ast.AsyncFunctionDef: frozenset(("args", "body")),
    ast.Lambda: frozenset(("args", "body")),
    ast.ClassDef: frozenset(("body",)),
    ast.ListComp: frozenset(("elt", "generators")),
    ast.SetComp: frozenset(("elt", "generators")),
    ast.GeneratorExp: frozenset(("elt", "generators")),
    ast.DictComp: frozenset(("key", "value", "generators")),
}


def _child_context(
    cls: type, kind: str, field: str, ctx: tuple, alt: tuple | None, inner: tuple | None
) -> tuple[tuple, tuple | None]:
    """Scope context for the children in ``field`` of a node of class ``cls``."""
    if inner is not None:
        if kind == NodeKind.MODULE:
            return inner, None
        if field in _INNER_FIELDS[cls]:
            # parameters keep a way back to the enclosing scope for their defaults and
            # annotations; the comprehension's first generator likewise (set by caller)
            return inner, (ctx if field == "args" else None)
        return ctx, None
    if alt is not None:
        if cls is ast.arguments:
            if field in ("defaults", "kw_defaults"):
                return alt, None
            return ctx, alt
        if cls is ast.arg:
            return (alt if field == "annotation" else ctx), None
        if cls is ast.comprehension:
            return (alt if field == "iter" else ctx), None
    return ctx, None


def _scope_props(b: FileBuilder, node: Any, ordinal: int, cls: type) -> None:
    add_prop = b.add_prop
    if cls is not ast.Lambda:
        doc = _docstring(node)
        if doc is not None:
            add_prop(ordinal, "docstring", doc)
        if node.decorator_list:
            decos = [b.segment(d) or "" for d in node.decorator_list]
            add_prop(ordinal, "decorators", "\n".join(decos))
    if cls is ast.AsyncFunctionDef:
        add_prop(ordinal, "is_async", "true", "bool")
    elif cls is ast.FunctionDef:
        add_prop(ordinal, "is_async", "false", "bool")
    if cls is not ast.ClassDef and cls is not ast.Lambda and node.returns is not None:
        ret = b.segment(node.returns)
        if ret is not None:
            add_prop(ordinal, "returns", ret)
    if cls is ast.ClassDef:
        if node.bases:
            add_prop(ordinal, "bases", "\n".join(b.segment(x) or "" for x in node.bases))
        for kw in node.keywords:
            if kw.arg == "metaclass":
                meta = b.segment(kw.value)
                if meta is not None:
                    add_prop(ordinal, "metaclass", meta)
