"""Local facts about parameters, imports and call sites (no cross-file resolution).

* PARAMETER (``ast.arg``) props: ``param_kind`` (positional_only,
  positional_or_keyword, vararg, keyword_only, kwarg), ``position`` (order in the
  signature), ``has_default`` and ``default`` (source text of the default).
* IMPORT (Import/ImportFrom) props: ``binds`` (names the statement binds in its scope:
  ``import a.b.c`` binds ``a``, ``import a.b as c`` binds ``c``, ``from m import *``
  binds ``*``) and ``modules`` (dotted modules named, relative dots kept).
* ARGUMENT edges CALL -> positional argument (``index`` = position, a Starred argument
  with label ``star``) and CALL -> keyword value (label = keyword, ``**`` for
  ``**kw``); RECEIVER edge CALL -> ``x`` for ``x.m(...)``.

The nodes come from the scope model's traversal, so this pass walks nothing itself.
"""

from __future__ import annotations

import ast

from codeanatomy_hamilton.core.vocabulary import EdgeKind
from codeanatomy_hamilton.extract.builder import FileBuilder
from codeanatomy_hamilton.extract.context import FileContext
from codeanatomy_hamilton.extract.scopes import get_scope_model


def run_params_args_pass(ctx: FileContext) -> None:
    model = get_scope_model(ctx)
    b = ctx.builder
    _parameters(b, model.signatures)
    _imports(b, model.imports)
    _call_sites(b, model.calls)


def _parameters(b: FileBuilder, signatures: list[ast.arguments]) -> None:
    add_prop = b.add_prop
    segment = b.segment

    def param(p: ast.arg, kind: str, position: int, default: ast.expr | None) -> None:
        cid = p._cid
        add_prop(cid, "param_kind", kind)
        add_prop(cid, "position", position, "int")
        if default is None:
            add_prop(cid, "has_default", "false", "bool")
            return
        add_prop(cid, "has_default", "true", "bool")
        text = segment(default)
        if text is not None:
            add_prop(cid, "default", text)

    for a in signatures:
        positional = a.posonlyargs + a.args
        first_default = len(positional) - len(a.defaults)
        n_posonly = len(a.posonlyargs)
        position = 0
        for i, p in enumerate(positional):
            kind = "positional_only" if i < n_posonly else "positional_or_keyword"
            default = a.defaults[i - first_default] if i >= first_default else None
            param(p, kind, position, default)
            position += 1
        if a.vararg is not None:
            param(a.vararg, "vararg", position, None)
            position += 1
        for p, d in zip(a.kwonlyargs, a.kw_defaults, strict=True):
            param(p, "keyword_only", position, d)
            position += 1
        if a.kwarg is not None:
            param(a.kwarg, "kwarg", position, None)


def _imports(b: FileBuilder, imports: list[ast.Import | ast.ImportFrom]) -> None:
    add_prop = b.add_prop
    for node in imports:
        if type(node) is ast.Import:
            binds = [a.asname or a.name.partition(".")[0] for a in node.names]
            modules = ",".join(a.name for a in node.names)
        else:
            binds = [a.asname or a.name for a in node.names]
            modules = "." * (node.level or 0) + (node.module or "")
        add_prop(node._cid, "binds", ",".join(binds))
        add_prop(node._cid, "modules", modules)


def _call_sites(b: FileBuilder, calls: list[ast.Call]) -> None:
    # REF-sized volumes: append to the edge columns directly
    e_src, e_dst, e_kind = b.e_src, b.e_dst, b.e_kind
    e_label, e_index, e_field, e_var = b.e_label, b.e_index, b.e_field, b.e_variable
    Starred = ast.Starred
    Attribute = ast.Attribute
    for call in calls:
        cid = call._cid
        for i, x in enumerate(call.args):
            e_src.append(cid)
            e_dst.append(x._cid)
            e_kind.append(EdgeKind.ARGUMENT)
            e_label.append("star" if type(x) is Starred else None)
            e_index.append(i)
            e_field.append(None)
            e_var.append(None)
        for kw in call.keywords:
            e_src.append(cid)
            e_dst.append(kw.value._cid)
            e_kind.append(EdgeKind.ARGUMENT)
            e_label.append(kw.arg if kw.arg is not None else "**")
            e_index.append(None)
            e_field.append(None)
            e_var.append(None)
        func = call.func
        if type(func) is Attribute:
            e_src.append(cid)
            e_dst.append(func.value._cid)
            e_kind.append(EdgeKind.RECEIVER)
            e_label.append(None)
            e_index.append(None)
            e_field.append(None)
            e_var.append(None)
