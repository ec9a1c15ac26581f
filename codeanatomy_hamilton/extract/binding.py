"""The scopes pass: binding props of every name (``scope``, ``binding``), the scope
props of scope nodes, and REF edges from each use to the binding it reads, all from the
file's scope model (``scope_model.py``, built by ``scopes.py``)."""

from __future__ import annotations

import ast

from codeanatomy_hamilton.core.vocabulary import EdgeKind
from codeanatomy_hamilton.extract.context import FileContext
from codeanatomy_hamilton.extract.scope_model import (
    ANNOTATION_SCOPES,
    BUILTIN_NAMES,
    CELL,
    FREE,
    SCOPE_MASK,
    SCOPE_OFF,
)
from codeanatomy_hamilton.extract.scopes import get_scope_model


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
