"""Time per-file extraction over the installed CPython stdlib (test dirs excluded).

Usage: .venv/bin/python benchmarks/bench_passes.py [--limit N]

Reports total extract_file time (wall clock, or process CPU time with --cpu) and
lines/s, plus a breakdown (parse, AST pass,
symtable, each registered pass) measured by re-running the stages by hand, so the cost
each pass adds is visible. Single process, so the figures are per core.
"""

from __future__ import annotations

import argparse
import ast
import os
import sys
import sysconfig
import time
from collections import defaultdict
from pathlib import Path

from codeanatomy_hamilton.extract.ast_nodes import run_ast_pass
from codeanatomy_hamilton.extract.builder import FileBuilder
from codeanatomy_hamilton.extract.context import FileContext
from codeanatomy_hamilton.extract.file import extract_file
from codeanatomy_hamilton.extract.passes import PASSES
from codeanatomy_hamilton.extract.source import decode_source

SKIP_DIRS = {"test", "tests", "idle_test", "site-packages", "__pycache__", "lib2to3"}


def stdlib_files() -> list[Path]:
    """Every .py file of the stdlib outside test directories, in a stable order."""
    root = Path(sysconfig.get_paths()["stdlib"])
    out: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS)
        for f in sorted(filenames):
            if f.endswith(".py"):
                out.append(Path(dirpath) / f)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--cpu", action="store_true", help="process CPU time (busy machines)")
    args = ap.parse_args()
    clock = time.process_time if args.cpu else time.perf_counter
    root = Path(sysconfig.get_paths()["stdlib"])
    files = stdlib_files()
    if args.limit:
        files = files[: args.limit]
    blobs = [(str(p.relative_to(root)), p.read_bytes()) for p in files]
    lines = sum(d.count(b"\n") for _, d in blobs)

    t0 = clock()
    errors = 0
    for path, data in blobs:
        fx = extract_file(path, data)
        errors += sum(1 for e in fx.errors if e.error_kind == "pass_error")
    total = clock() - t0
    print(f"{len(blobs)} files, {lines} lines, pass errors: {errors}")
    print(f"extract_file total: {total:.2f}s  ({lines / total:,.0f} lines/s)")

    stage: dict[str, float] = defaultdict(float)
    for path, data in blobs:
        dec = decode_source(data)
        if not hasattr(dec, "text"):
            continue
        t = clock()
        try:
            tree = ast.parse(dec.text, filename=path)
        except SyntaxError:
            continue
        t1 = clock()
        b = FileBuilder(path, "m", dec.utf8)
        run_ast_pass(b, tree)
        t2 = clock()
        ctx = FileContext(path, "m", dec.text, tree, b)
        _ = ctx.symtable
        t3 = clock()
        stage["parse"] += t1 - t
        stage["ast_pass"] += t2 - t1
        stage["symtable"] += t3 - t2
        for name, run in PASSES:
            ta = clock()
            try:
                run(ctx)
            except Exception:  # counted above through extract_file
                pass
            stage[name] += clock() - ta
    for k, v in stage.items():
        print(f"  {k:<16} {v:6.2f}s")
    print(f"python {sys.version.split()[0]}")


if __name__ == "__main__":
    main()
