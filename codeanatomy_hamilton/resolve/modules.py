"""The module map: importable dotted names -> contract module qualnames.

Contract qualnames are dotted paths from the repo root (docs/tables.md). A file is also
importable relative to each source root (``src/`` is auto-detected: a top-level
``src`` folder without ``__init__.py``). Directories that hold modules but no
``__init__.py`` are namespace packages: importable, with no MODULE node.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyarrow as pa

from codeanatomy_hamilton.core import ids
from codeanatomy_hamilton.resolve.types import ResolveConfig


@dataclass
class ModuleMap:
    # importable dotted name -> contract qualname (modules and namespace packages)
    importable: dict[str, str] = field(default_factory=dict)
    # contract qualname -> repo-relative path of the module's file (no namespace pkgs)
    path_of: dict[str, str] = field(default_factory=dict)
    # every contract qualname that is a package or module (namespace ones included)
    contract: set[str] = field(default_factory=set)
    roots: list[str] = field(default_factory=list)

    def lookup(self, name: str, importer_path: str | None = None) -> str | None:
        """Contract qualname of an absolute import, or None when outside the repo.
        Falls back to the importer's own folder (scripts run from their directory)."""
        c = self.importable.get(name)
        if c is not None:
            return c
        if importer_path and "/" in importer_path:
            folder = importer_path.rsplit("/", 1)[0].replace("/", ".")
            return (
                self.importable.get(folder + "." + name)
                if (folder + "." + name) in self.contract
                else None
            )
        return None

    def module_node(self, contract: str) -> int | None:
        p = self.path_of.get(contract)
        return ids.file_base(p) if p is not None else None


def _detect_roots(paths: list[str]) -> list[str]:
    has_src = any(p.startswith("src/") for p in paths)
    if has_src and "src/__init__.py" not in paths:
        return ["src"]
    return []


def build_module_map(files: pa.Table, config: ResolveConfig) -> ModuleMap:
    paths = files.column("path").to_pylist()
    modules = (
        files.column("module").to_pylist()
        if "module" in files.column_names
        else [ids.module_qualname(p) for p in paths]
    )
    roots = config.source_roots if config.source_roots is not None else _detect_roots(paths)
    roots = [r.strip("/") for r in roots if r.strip("/")]
    mm = ModuleMap(roots=roots)
    for path, mod in zip(paths, modules, strict=False):
        if not path.endswith((".py", ".pyi")) or not mod:
            continue
        if mod not in mm.path_of or path.endswith(".py"):
            mm.path_of[mod] = path
        parts = mod.split(".")
        for i in range(1, len(parts) + 1):
            mm.contract.add(".".join(parts[:i]))
        for root in ("", *roots):
            if root and not path.startswith(root + "/"):
                continue
            rel = path[len(root) + 1 :] if root else path
            name = ids.module_qualname(rel)
            rparts = name.split(".")
            skip = len(parts) - len(rparts)
            for i in range(1, len(rparts) + 1):
                imp = ".".join(rparts[:i])
                # the root's own files win over the same name seen from the repo root
                if root or imp not in mm.importable:
                    mm.importable[imp] = ".".join(parts[: skip + i])
    return mm
