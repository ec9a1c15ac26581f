"""Import statements -> seed facts of the points-to analysis and IMPORTS targets.

Per import alias (``rs_import`` rows, a few per file) the target module is resolved
against the module map: relative imports in contract-name space, absolute ones
through the importable names. In-repo targets become flows from the target module's
attribute keys (so re-exports through ``__init__`` chains resolve in the fixed
point); targets outside the repo become ``x:<dotted>`` values. Star imports expand
to the target's ``__all__`` (literal lists, ``+=``) or its public names, through
chains of star imports (a small fixed point over modules).
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass, field

import pyarrow as pa

from codeanatomy_hamilton.core import ids
from codeanatomy_hamilton.core.vocabulary import RS_ALL, RS_IMPORT, RS_MBIND, ImportKind, Val
from codeanatomy_hamilton.resolve.modules import ModuleMap


@dataclass
class Seeds:
    init_key: list[str] = field(default_factory=list)
    init_val: list[str] = field(default_factory=list)
    flow_dst: list[str] = field(default_factory=list)
    flow_src: list[str] = field(default_factory=list)
    # IMPORTS MODULE -> module: (src module node id, contract qualname | None, external)
    mod_src: list[int] = field(default_factory=list)
    mod_dst: list[int] = field(default_factory=list)
    mod_ext_src: list[int] = field(default_factory=list)
    mod_ext_dst: list[str] = field(default_factory=list)
    # IMPORTS IMPORT -> module for ``import a.b`` and star imports (``from`` imports
    # are answered by the points-to facts of their alias keys)
    stmt_src: list[int] = field(default_factory=list)
    stmt_dst: list[int] = field(default_factory=list)
    stmt_ext_src: list[int] = field(default_factory=list)
    stmt_ext_dst: list[str] = field(default_factory=list)

    def init(self, k: str, v: str) -> None:
        self.init_key.append(k)
        self.init_val.append(v)

    def flow(self, d: str, s: str) -> None:
        self.flow_dst.append(d)
        self.flow_src.append(s)

    def tables(self) -> tuple[pa.Table, pa.Table]:
        init = pa.table({"key": self.init_key, "val": self.init_val}, schema=_KV)
        flow = pa.table({"dst": self.flow_dst, "src": self.flow_src}, schema=_DS)
        return init, flow


_KV = pa.schema([("key", pa.string()), ("val", pa.string())])
_DS = pa.schema([("dst", pa.string()), ("src", pa.string())])


def _relative_base(pkg: str, level: int) -> str | None:
    parts = pkg.split(".") if pkg else []
    up = level - 1
    if up > len(parts):
        return None
    return ".".join(parts[: len(parts) - up])


def _exports(facts: dict[str, pa.Table], stars: dict[str, list[str]]) -> dict[str, set[str]]:
    """Names a ``from M import *`` binds, per in-repo module (contract qualname)."""
    public: dict[str, set[str]] = {}
    mb = facts[RS_MBIND]
    for m, n in zip(mb.column("module").to_pylist(), mb.column("name").to_pylist(), strict=False):
        if not n.startswith("_"):
            public.setdefault(m, set()).add(n)
    alls: dict[str, set[str]] = {}
    al = facts[RS_ALL]
    for m, n in zip(al.column("module").to_pylist(), al.column("name").to_pylist(), strict=False):
        alls.setdefault(m, set()).add(n)
    out = {m: set(alls.get(m) or public.get(m, ())) for m in set(public) | set(alls)}
    changed = True
    while changed:  # star chains: a module re-exports what it star-imported
        changed = False
        for m, targets in stars.items():
            if m in alls:
                continue
            cur = out.setdefault(m, set())
            before = len(cur)
            for t in targets:
                cur |= out.get(t, set())
            if len(cur) != before:
                changed = True
    return out


def import_seeds(facts: dict[str, pa.Table], mm: ModuleMap) -> Seeds:
    s = Seeds()
    for name in dir(builtins):
        s.init("builtins." + name, Val.EXT + "builtins." + name)
    # every module/package is an attribute of its parent package
    # every module/package is an attribute of its parent package: the key of a
    # contract name (``pkg.sub``) is also the attribute ``sub`` of module ``pkg``
    for c in sorted(mm.contract):
        s.init(c, Val.MODULE + c)
    imp = facts[RS_IMPORT].to_pydict()
    stars: dict[str, list[str]] = {}
    star_rows: list[tuple[str, str]] = []
    for i in range(len(imp["alias_id"])):
        kind = imp["kind"][i]
        module = imp["module"][i]
        path = imp["path"][i]
        ak = imp["akey"][i]
        modname = imp["modname"][i] or ""
        level = imp["level"][i] or 0
        src_mod = ids.file_base(path)
        if kind == ImportKind.IMPORT:
            target = mm.lookup(modname, path)
            if imp["top"][i]:
                top = modname.split(".")[0]
                ct = mm.lookup(top, path)
                s.init(ak, (Val.MODULE + ct) if ct else (Val.EXT + top))
            else:
                s.init(ak, (Val.MODULE + target) if target else (Val.EXT + modname))
            _module_edge(s, mm, src_mod, target, modname)
            _stmt_edge(s, mm, imp["stmt_id"][i], target, modname)
            continue
        if level:
            base = _relative_base(imp["pkg"][i] or "", level)
            if base is None:
                continue
            full = (base + "." + modname) if (base and modname) else (base or modname)
            target = full if full in mm.contract else None
            ext_name = full
        else:
            target = mm.lookup(modname, path)
            ext_name = modname
        name = imp["name"][i]
        if kind == ImportKind.STAR:
            if target is not None:
                stars.setdefault(module, []).append(target)
                star_rows.append((module, target))
            _module_edge(s, mm, src_mod, target, ext_name)
            _stmt_edge(s, mm, imp["stmt_id"][i], target, ext_name)
            continue
        if target is not None:
            sub = target + "." + name
            s.flow(ak, sub)  # the attribute (or submodule, seeded above) of the module
            _module_edge(s, mm, src_mod, target, ext_name)
            if sub in mm.contract:
                _module_edge(s, mm, src_mod, sub, sub)
        else:
            s.init(ak, Val.EXT + ext_name + "." + name)
            _module_edge(s, mm, src_mod, None, ext_name)
    if star_rows:
        exports = _exports(facts, stars)
        for module, target in star_rows:
            for n in sorted(exports.get(target, ())):
                s.flow(module + "." + n, target + "." + n)
    return s


def _module_edge(s: Seeds, mm: ModuleMap, src: int, target: str | None, ext: str) -> None:
    if target is not None:
        node = mm.module_node(target)
        if node is not None:
            s.mod_src.append(src)
            s.mod_dst.append(node)
    elif ext:
        s.mod_ext_src.append(src)
        s.mod_ext_dst.append(ext)


def _stmt_edge(s: Seeds, mm: ModuleMap, stmt: int, target: str | None, ext: str) -> None:
    if target is not None:
        node = mm.module_node(target)
        if node is not None:
            s.stmt_src.append(stmt)
            s.stmt_dst.append(node)
    elif ext:
        s.stmt_ext_src.append(stmt)
        s.stmt_ext_dst.append(ext)
