"""Time ``codeanatomy findings`` on a built CPG (corpus 1, the stdlib without tests,
by default; see bench_build.py for the corpus).

    .venv/bin/python benchmarks/bench_findings.py [--warehouse DIR] [--repeat 3]

Without ``--warehouse`` the corpus is copied into a temporary folder and built first
(the build is not timed). Prints the wall and CPU seconds of each run of the whole
findings pass (loading the CPG from Delta plus the analysis), their median, the load
share, and the number of findings per rule.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_build import SKIP_TESTS, copy_corpus, corpus_files, stdlib_root  # noqa: E402

from codeanatomy_hamilton.build import BuildRequest, run_build  # noqa: E402
from codeanatomy_hamilton.security import find_findings  # noqa: E402
from codeanatomy_hamilton.store.delta import list_tables  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--warehouse", default=None, help="a warehouse holding a build (reused)")
    ap.add_argument("--repo-id", default="stdlib")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        wh = args.warehouse or os.path.join(tmp, "wh")
        if "cpg_nodes" not in list_tables(wh):
            root = stdlib_root()
            files = corpus_files(root, SKIP_TESTS)
            repo = Path(tmp) / "stdlib"
            copy_corpus(root, files, repo, False)
            t = time.perf_counter()
            run_build(BuildRequest(repo_path=str(repo), warehouse=wh, repo_id=args.repo_id))
            print(f"built corpus 1 ({len(files)} files) in {time.perf_counter() - t:.1f} s")
        walls, cpus = [], []
        report = None
        for _ in range(args.repeat):
            c0, w0 = time.process_time(), time.perf_counter()
            report = find_findings(wh, repo=args.repo_id)
            walls.append(time.perf_counter() - w0)
            cpus.append(time.process_time() - c0)
            load = report.seconds.get(args.repo_id + ":load", 0.0)
            print(f"findings: {walls[-1]:.2f} s wall, {cpus[-1]:.2f} s CPU (load {load:.2f} s)")
        assert report is not None
        print(f"median {statistics.median(walls):.2f} s wall, {statistics.median(cpus):.2f} s CPU")
        for rule, n in sorted(Counter(f.rule_id for f in report.findings).items()):
            print(f"  {rule:<32} {n}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
