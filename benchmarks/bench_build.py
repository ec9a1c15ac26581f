"""Benchmark a full CPG build through the real build path (``run_build``).

Usage::

    .venv/bin/python benchmarks/bench_build.py [--corpus stdlib|full] [--repo PATH]
        [--workers N] [--executor local|processes|dask] [--git] [--json OUT]

Corpora (both from the running interpreter's standard library):

- ``stdlib`` (default): ``os.path.dirname(os.__file__)`` without the ``test``,
  ``tests``, ``idle_test``, ``lib2to3`` and ``site-packages`` folders.
- ``full``: the whole standard library (only ``site-packages`` left out, which is not
  part of it).

The corpus is copied into a temporary folder and built as a plain directory, or, with
``--git``, committed into a temporary git repository and built from the commit (the
path a real repository takes). ``--repo PATH`` builds PATH as it is.

The build runs in a child process so that the figures belong to the build alone: peak
memory is the largest sum of RSS over the child and all its descendants (extraction
workers included), sampled from /proc every 20 ms; ``ru_maxrss`` of the children (the
largest single process) is printed beside it. The ``ast.parse`` floor is measured in
the same run, in this process, one core, over the same files.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

SKIP_TESTS = frozenset({"test", "tests", "idle_test", "lib2to3", "site-packages"})
SKIP_FULL = frozenset({"site-packages"})
ALWAYS_SKIP = frozenset({"__pycache__"})
RESULTS_DIR = Path(__file__).resolve().parent / "results"


def stdlib_root() -> Path:
    return Path(os.path.dirname(os.__file__))


def corpus_files(root: Path, skip: frozenset[str]) -> list[Path]:
    """Every ``.py`` file under ``root`` outside the skipped folder names, sorted."""
    out: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in skip and d not in ALWAYS_SKIP)
        out.extend(Path(dirpath) / f for f in sorted(filenames) if f.endswith(".py"))
    return out


def copy_corpus(root: Path, files: list[Path], dest: Path, as_git: bool) -> None:
    for f in files:
        target = dest / f.relative_to(root)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(f, target)
    if as_git:
        env = {**os.environ, "GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "bench@localhost"}
        env |= {"GIT_COMMITTER_NAME": "bench", "GIT_COMMITTER_EMAIL": "bench@localhost"}
        for cmd in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "corpus"]):
            subprocess.run(["git", "-C", str(dest), *cmd], check=True, env=env)


def ast_floor(files: list[Path]) -> tuple[float, int]:
    """Seconds for ``ast.parse`` of every file (bytes read first), and the line count."""
    blobs = [f.read_bytes() for f in files]
    lines = sum(b.count(b"\n") for b in blobs)
    t0 = time.perf_counter()
    for data in blobs:
        try:
            ast.parse(data)
        except (SyntaxError, ValueError):
            pass  # the build records these as extract_errors; the floor just skips them
    return time.perf_counter() - t0, lines


class TreeRssSampler(threading.Thread):
    """Peak of the summed RSS of a process and all its descendants (Linux /proc)."""

    def __init__(self, pid: int, interval: float = 0.02) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.interval = interval
        self.peak_bytes = 0
        self._done = threading.Event()
        self._page = os.sysconf("SC_PAGE_SIZE")

    def _tree(self) -> list[int]:
        children: dict[int, list[int]] = {}
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat", "rb") as fh:
                    stat = fh.read()
            except OSError:
                continue
            # the ppid is the 2nd field after the parenthesised command name
            ppid = int(stat[stat.rindex(b")") + 2 :].split()[1])
            children.setdefault(ppid, []).append(int(entry))
        out, todo = [], [self.pid]
        while todo:
            p = todo.pop()
            out.append(p)
            todo.extend(children.get(p, ()))
        return out

    def _rss(self, pid: int) -> int:
        try:
            with open(f"/proc/{pid}/statm", "rb") as fh:
                return int(fh.read().split()[1]) * self._page
        except (OSError, IndexError, ValueError):
            return 0

    def run(self) -> None:
        while not self._done.is_set():
            total = sum(self._rss(p) for p in self._tree())
            self.peak_bytes = max(self.peak_bytes, total)
            self._done.wait(self.interval)

    def stop(self) -> None:
        self._done.set()
        self.join()


CHILD_CODE = """
import json, sys, time
from codeanatomy_hamilton.build import BuildRequest, run_build
args = json.loads(sys.argv[1])
t0 = time.perf_counter()
res = run_build(BuildRequest(**args))
wall = time.perf_counter() - t0
records = {
    k: {"seconds": r.seconds, "rows": r.rows, "layer": str(r.tags.get("layer", "other"))}
    for k, r in res.records.items()
}
print("BENCH_RESULT " + json.dumps({
    "wall": wall, "files": res.file_count, "lines": res.line_count, "errors": res.error_count,
    "rows": {k: v.rows for k, v in res.writes.items()},
    "stage_seconds": res.stage_seconds, "records": records,
}))
"""


def run_child(request: dict) -> tuple[dict, float, int, float]:
    """Run one build in a child interpreter; (result, wall, peak tree RSS, ru_maxrss MiB)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD_CODE, json.dumps(request)],
        stdout=subprocess.PIPE,
        text=True,
    )
    sampler = TreeRssSampler(proc.pid)
    sampler.start()
    out, _ = proc.communicate()
    wall = time.perf_counter() - t0
    sampler.stop()
    if proc.returncode != 0:
        raise SystemExit(f"build failed with exit code {proc.returncode}")
    line = next(x for x in out.splitlines() if x.startswith("BENCH_RESULT "))
    maxrss_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return json.loads(line[len("BENCH_RESULT ") :]), wall, sampler.peak_bytes, maxrss_mib


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--corpus", choices=["stdlib", "full"], default="stdlib")
    ap.add_argument(
        "--repo", default=None, help="build this directory as it is instead of a corpus"
    )
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--executor", choices=["local", "processes", "dask"], default=None)
    ap.add_argument(
        "--git", action="store_true", help="build the corpus from a temporary git commit"
    )
    ap.add_argument("--json", default=None, help="also write the figures as JSON to this path")
    args = ap.parse_args(argv)

    tmp = Path(tempfile.mkdtemp(prefix="codeanatomy-bench-"))
    try:
        if args.repo:
            repo = Path(args.repo).resolve()
            files = corpus_files(repo, frozenset({".git", *ALWAYS_SKIP}))
            layout = "given path (as it is)"
            corpus = str(repo)
        else:
            root = stdlib_root()
            skip = SKIP_TESTS if args.corpus == "stdlib" else SKIP_FULL
            files = corpus_files(root, skip)
            repo = tmp / "stdlib"
            copy_corpus(root, files, repo, args.git)
            layout = (
                "temporary git repository (built from HEAD)" if args.git else "plain directory copy"
            )
            corpus = f"{args.corpus} ({root})"
        floor, lines = ast_floor(files)
        request = {
            "repo_path": str(repo),
            "warehouse": str(tmp / "warehouse"),
            "workers": args.workers,
        }
        if args.executor:
            request["executor"] = args.executor
        result, wall, peak, maxrss = run_child(request)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    build_wall = result["wall"]
    figures = {
        "corpus": corpus,
        "layout": layout,
        "files": result["files"],
        "lines": result["lines"],
        "workers": args.workers,
        "executor": args.executor or "default",
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "wall_s": round(wall, 2),
        "build_s": round(build_wall, 2),
        "lines_per_s": round(result["lines"] / build_wall),
        "peak_tree_rss_mib": round(peak / 2**20),
        "children_maxrss_mib": round(maxrss),
        "ast_parse_floor_s": round(floor, 2),
        "ratio_to_ast_parse": round(build_wall / floor, 1),
        "stage_seconds": {k: round(v, 2) for k, v in sorted(result["stage_seconds"].items())},
        "rows": result["rows"],
        "errors": result["errors"],
    }
    print(f"corpus      {corpus}: {figures['files']} files, {lines} lines ({layout})")
    print(
        f"workers     {args.workers} (executor {figures['executor']}), {figures['cpus']} CPUs, Python {figures['python']}"
    )
    print(
        f"wall        {figures['build_s']:.2f} s build ({figures['wall_s']:.2f} s with interpreter start)"
    )
    print(f"throughput  {figures['lines_per_s']:,} lines/s")
    print(
        f"peak memory {figures['peak_tree_rss_mib']} MiB (sum of RSS over the process tree); largest process {figures['children_maxrss_mib']} MiB"
    )
    print(
        f"ast.parse   {floor:.2f} s floor (one core) -> build is {figures['ratio_to_ast_parse']}x the floor"
    )
    print("stages      " + ", ".join(f"{k} {v:.2f}s" for k, v in figures["stage_seconds"].items()))
    top = sorted(result["records"].items(), key=lambda kv: -kv[1]["seconds"])[:12]
    print("slowest nodes:")
    for name, rec in top:
        rows = "" if rec["rows"] is None else f" rows={rec['rows']}"
        print(f"  {name:<28} {rec['layer']:<8} {rec['seconds']:7.2f}s{rows}")
    print("rows        " + ", ".join(f"{k}={v}" for k, v in figures["rows"].items()))
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(figures, indent=2))
    else:
        RESULTS_DIR.mkdir(exist_ok=True)
        stamp = time.strftime("%Y%m%d-%H%M%S")
        (RESULTS_DIR / f"{args.corpus}-w{args.workers}-{stamp}.json").write_text(
            json.dumps(figures, indent=2)
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
