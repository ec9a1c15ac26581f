"""No import cycle in the engine, counting imports inside functions, and no import
inside a function of the runtime, the build API or the CLI but of an optional
dependency (an import hidden in a function is how the cycles used to hide)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "codeanatomy_hamilton"
# optional dependencies, imported where they are used so the engine runs without them
OPTIONAL = ("dask", "distributed", "hamilton.plugins.h_dask", "hamilton_sdk", "rich")


def _modules() -> dict[str, Path]:
    out = {}
    for path in (ROOT / PACKAGE).rglob("*.py"):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


def _imports(tree: ast.AST) -> list[tuple[ast.stmt, list[str]]]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.append((node, [a.name for a in node.names]))
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.append((node, [f"{node.module}.{a.name}" for a in node.names]))
    return found


def _graph() -> dict[str, set[str]]:
    modules = _modules()

    def owner(name: str) -> str | None:
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name or None

    graph: dict[str, set[str]] = {m: set() for m in modules}
    for module, path in modules.items():
        for _node, names in _imports(ast.parse(path.read_bytes())):
            for name in names:
                target = owner(name) if name.startswith(PACKAGE + ".") else None
                # a package importing its own submodule is no cycle
                if target and target != module and not target.startswith(module + "."):
                    graph[module].add(target)
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_no_import_cycle() -> None:
    assert _cycles(_graph()) == []


def test_the_cycle_check_sees_a_cycle() -> None:
    graph = _graph()
    graph[f"{PACKAGE}.runtime.plan"].add(f"{PACKAGE}.runtime.execute")
    assert any(
        {f"{PACKAGE}.runtime.execute", f"{PACKAGE}.runtime.plan"} <= set(c) for c in _cycles(graph)
    )


def test_no_import_inside_a_function_of_the_runtime_build_or_cli() -> None:
    paths = [
        *sorted((ROOT / PACKAGE / "runtime").rglob("*.py")),
        ROOT / PACKAGE / "build.py",
        ROOT / PACKAGE / "cli.py",
    ]
    nested = []
    for path in paths:
        tree = ast.parse(path.read_bytes())
        for fn in ast.walk(tree):
            if not isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for node, names in _imports(fn):
                if not all(any(n.startswith(o + ".") for o in OPTIONAL) for n in names):
                    nested.append(f"{path.relative_to(ROOT)}:{node.lineno}: {', '.join(names)}")
    assert sorted(set(nested)) == []
