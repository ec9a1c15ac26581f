"""The engine's layers import one way, and no import closes a cycle.

Every ``import`` and ``from ... import`` of a module counts, wherever it sits: at the top,
under ``if TYPE_CHECKING``, or inside a function (an import inside a function is how a
cycle hides, so the engine's own modules are never imported there; optional third-party
dependencies such as dask or the Hamilton SDK may be). The engine never imports dagster
or the Dagster layer.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import rustworkx as rx

import codeanatomy_hamilton

PACKAGE = "codeanatomy_hamilton"
# the engine's layers, each importing only itself and those before it (docs/architecture.md)
LAYERS = (
    "core",
    "scan",
    "extract",
    "fragments",
    "resolve",
    "emit",
    "store",
    "incremental",
    "runtime",
    "api",
)
# top-level modules and packages of the engine that are not a layer's folder
TOP_LEVEL = {"models": "core", "build": "api", "cli": "api", "flows": "api", "security": "api"}
FORBIDDEN = ("dagster", "codeanatomy_assets")


@dataclass(frozen=True)
class Import:
    importer: str
    imported: str
    line: int
    in_function: bool


def modules(root: Path, package: str) -> dict[str, Path]:
    """Dotted module name -> file, for every module of ``package`` under ``root``."""
    out = {}
    for path in sorted((root / package).rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


def imports(root: Path, package: str) -> list[Import]:
    """Every import statement of every module, as (importer, imported module)."""
    mods = modules(root, package)
    out = []
    for name, path in mods.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        in_function = {
            id(inner)
            for fn in ast.walk(tree)
            if isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
            for inner in ast.walk(fn)
        }
        is_pkg = path.name == "__init__.py"
        for node in ast.walk(tree):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = name.split(".") if is_pkg else name.split(".")[:-1]
                    base = base[: len(base) - node.level + 1]
                    module = ".".join(base + ([node.module] if node.module else []))
                else:
                    module = node.module or ""
                # `from pkg import mod` imports the module pkg.mod
                targets = [
                    f"{module}.{a.name}" if f"{module}.{a.name}" in mods else module
                    for a in node.names
                ]
            out.extend(Import(name, t, node.lineno, id(node) in in_function) for t in targets)
    return out


def layer_of(module: str) -> str:
    parts = module.split(".")
    if len(parts) == 1:  # the package's __init__
        return "api"
    head = parts[1]
    return TOP_LEVEL.get(head, head)


def violations(root: Path, package: str = PACKAGE) -> list[str]:
    """Imports against the layer order, cycles, in-function imports of the engine's own
    modules, and imports of dagster, each as one readable line."""
    mods = modules(root, package)
    found = imports(root, package)
    out = []
    unknown = {layer_of(m) for m in mods} - set(LAYERS)
    out += [f"{m}: not in a layer" for m in mods if layer_of(m) in unknown]
    graph = rx.PyDiGraph()
    index = {m: graph.add_node(m) for m in mods}
    for imp in found:
        top = imp.imported.split(".")[0]
        where = f"{imp.importer}:{imp.line}"
        if top in FORBIDDEN:
            out.append(f"{where} imports {imp.imported} (the engine never imports Dagster)")
            continue
        if top != package:  # the standard library or a dependency
            continue
        if imp.imported not in mods:
            out.append(f"{where} imports {imp.imported}, which is not a module")
            continue
        if imp.in_function:
            out.append(f"{where} imports {imp.imported} inside a function")
        src, dst = layer_of(imp.importer), layer_of(imp.imported)
        if src in LAYERS and dst in LAYERS and LAYERS.index(dst) > LAYERS.index(src):
            out.append(f"{where} imports {imp.imported}: layer {src} may not import {dst}")
        if imp.importer != imp.imported:
            graph.add_edge(index[imp.importer], index[imp.imported], None)
    for component in rx.strongly_connected_components(graph):
        if len(component) > 1:
            names = sorted(graph[i] for i in component)
            out.append("import cycle: " + " <-> ".join(names))
    return sorted(set(out))


def test_engine_imports_follow_the_layers_without_cycles() -> None:
    root = Path(codeanatomy_hamilton.__file__).resolve().parents[1]
    assert violations(root) == []


def test_every_engine_module_is_in_a_layer() -> None:
    root = Path(codeanatomy_hamilton.__file__).resolve().parents[1]
    layers = {layer_of(m) for m in modules(root, PACKAGE)}
    assert layers == set(LAYERS)


def _package(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / PACKAGE / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def test_the_checker_reports_back_edges_cycles_and_hidden_imports(tmp_path: Path) -> None:
    """The checker itself, on a small package with one break of each kind."""
    root = _package(
        tmp_path,
        {
            "__init__.py": "",
            "core/__init__.py": "",
            "core/ids.py": "from codeanatomy_hamilton.store import delta\n",
            "store/__init__.py": "",
            "store/delta.py": "def f():\n    from codeanatomy_hamilton.store import sql\n",
            "store/sql.py": "from . import delta\nimport dagster\n",
            "cli.py": "def main():\n    import json\n    from codeanatomy_hamilton.core import ids\n",
        },
    )
    assert sorted(violations(root)) == sorted(
        [
            "codeanatomy_hamilton.cli:3 imports codeanatomy_hamilton.core.ids inside a function",
            "codeanatomy_hamilton.core.ids:1 imports codeanatomy_hamilton.store.delta:"
            " layer core may not import store",
            "codeanatomy_hamilton.store.delta:2 imports codeanatomy_hamilton.store.sql"
            " inside a function",
            "codeanatomy_hamilton.store.sql:2 imports dagster (the engine never imports Dagster)",
            "import cycle: codeanatomy_hamilton.store.delta <-> codeanatomy_hamilton.store.sql",
        ]
    )
