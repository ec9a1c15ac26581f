"""Time ``extract_file`` over the CPython stdlib (the speed target of the extractor).

Usage: ``python benchmarks/bench_cfg.py [--passes all|none|NAME,...] [--limit N]``

Skips test directories, idlelib's tests, lib2to3 and site-packages, like the corpus the
speed target was set on. Reports lines/s on one core and the time spent in each pass.
"""

from __future__ import annotations

import argparse
import os
import sys
import sysconfig
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from codeanatomy_hamilton.extract import file as file_mod  # noqa: E402
from codeanatomy_hamilton.extract import passes as passes_mod  # noqa: E402

SKIP_DIRS = {"test", "tests", "idle_test", "lib2to3", "site-packages"}


def stdlib_files(root: str | None = None) -> list[Path]:
    """Every ``.py`` file of the stdlib except tests, lib2to3 and site-packages."""
    base = Path(root or sysconfig.get_paths()["stdlib"])
    out: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(base):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS)
        out.extend(Path(dirpath) / f for f in sorted(filenames) if f.endswith(".py"))
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--passes", default="all", help="all, none, or comma-separated names")
    ap.add_argument("--limit", type=int, default=0)
    args = ap.parse_args()
    all_passes = list(passes_mod.PASSES)
    if args.passes == "none":
        chosen = []
    elif args.passes == "all":
        chosen = all_passes
    else:
        want = set(args.passes.split(","))
        chosen = [p for p in all_passes if p[0] in want]
    # time each pass by wrapping it
    spent: dict[str, float] = {name: 0.0 for name, _ in chosen}

    def timed(name, fn):
        def run(ctx):
            # CPU time of this process: steadier than wall time on a shared machine
            t = time.process_time()
            try:
                fn(ctx)
            finally:
                spent[name] += time.process_time() - t

        return run

    passes_mod.PASSES[:] = [(n, timed(n, f)) for n, f in chosen]
    files = stdlib_files()
    if args.limit:
        files = files[: args.limit]
    base = sysconfig.get_paths()["stdlib"]
    datas = [(str(p.relative_to(base)), p.read_bytes()) for p in files]
    lines = errors = 0
    t0 = time.perf_counter()
    c0 = time.process_time()
    for rel, data in datas:
        fx = file_mod.extract_file(rel, data)
        lines += fx.lines
        errors += sum(1 for e in fx.errors if e.error_kind == "pass_error")
    total = time.perf_counter() - t0
    cpu = time.process_time() - c0
    print(
        f"files={len(datas)} lines={lines} wall={total:.2f}s cpu={cpu:.2f}s "
        f"{lines / cpu:,.0f} lines/s per core (cpu)"
    )
    for name, s in spent.items():
        print(f"  pass {name}: {s:.2f}s cpu")
    print(f"  pass errors: {errors}")


if __name__ == "__main__":
    main()
