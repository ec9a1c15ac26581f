"""Helpers for the control/data flow tests: run the flow pass on a snippet and describe
nodes as ``Type:line`` (CFG_ENTRY / CFG_EXIT as ``ENTRY`` / ``EXIT``)."""

from __future__ import annotations

import ast
import os
import sysconfig
import textwrap
from pathlib import Path
from typing import Any

from codeanatomy_hamilton.extract.ast_nodes import run_ast_pass
from codeanatomy_hamilton.extract.builder import FileBuilder
from codeanatomy_hamilton.extract.context import FileContext
from codeanatomy_hamilton.extract.flow import flow_bodies


def context(src: str, path: str = "m.py") -> FileContext:
    text = textwrap.dedent(src)
    tree = ast.parse(text)
    b = FileBuilder(path, "m", text.encode())
    run_ast_pass(b, tree)
    return FileContext(path, "m", text, tree, b)


def desc(n: Any) -> str:
    if n is None:
        return "?"
    if type(n) is ast.match_case:
        return f"case:{n.pattern.lineno}"
    return f"{type(n).__name__}:{n.lineno}"


def bodies(src: str) -> dict[str, tuple[Any, Any, Any, Any]]:
    """owner name ("<module>" for the module) -> (owner, cfg, events, is_local)."""
    out = {}
    for owner, cfg, events, is_local in flow_bodies(context(src)):
        name = getattr(owner, "name", None) or (
            "<lambda>" if type(owner) is ast.Lambda else "<module>"
        )
        out[name] = (owner, cfg, events, is_local)
    return out


def node_desc(cfg: Any, i: int) -> str:
    if i == 0:
        return "ENTRY"
    if i == 1:
        return "EXIT"
    return desc(cfg.nodes[i])


def cfg_edges(src: str, owner: str = "<module>", exceptions: bool = True) -> set[tuple]:
    """The CFG of one body as {(src, dst, label)}; ``exceptions=False`` drops the
    ``exception`` edges to EXIT (the may-raise exits) to keep expectations short."""
    _, cfg, _, _ = bodies(src)[owner]
    out = set()
    for a, b, label in cfg.edges:
        if not exceptions and label == "exception" and b == 1:
            continue
        out.add((node_desc(cfg, a), node_desc(cfg, b), label))
    return out


STDLIB_SKIP_DIRS = {"test", "tests", "idle_test", "lib2to3", "site-packages"}


def stdlib_files() -> list[Path]:
    """Every ``.py`` file of the running interpreter's stdlib except its tests, lib2to3
    and site-packages, in a stable order (the samples of the stdlib tests)."""
    base = Path(sysconfig.get_paths()["stdlib"])
    out: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(base):
        dirnames[:] = sorted(d for d in dirnames if d not in STDLIB_SKIP_DIRS)
        out.extend(Path(dirpath) / f for f in sorted(filenames) if f.endswith(".py"))
    return out
