"""Incremental vs full build on the standard library committed to a git repo.

Copies the stdlib of the running interpreter (without test directories) into a temporary
git repo, builds it in full, modifies one file, commits, and builds incrementally; prints
both times and the ratio. Both builds run in this process (imports are paid before the
clock starts) into the same warehouse, as a watched repo would be rebuilt.

    .venv/bin/python benchmarks/bench_incremental.py [--workers N] [--repeat K] [--keep DIR]
        [--check]

``--repeat K`` (default 3) makes K successive one-file commits, each built
incrementally, and reports every time, the minimum and the median; the ratio uses the
median (the machine is shared, so single timings are noisy).

After them, one comment-only commit (lines move, no name, call or binding changes)
shows the case where the last resolution is reused (``resolve.reuse``).

``--full-repeat N`` (default 1) times N full builds (the first into the warehouse the
incremental builds then use, the others into scratch warehouses) and takes their
median: on a shared machine one full build is as noisy as one incremental build.

``--check`` also builds the last commit in full into a fresh warehouse and compares
the two warehouses row for row (slow: reads every table).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

SKIP_DIRS = {"test", "tests", "idle_test", "site-packages", "__pycache__"}
ENV = {
    **os.environ,
    "GIT_AUTHOR_NAME": "bench",
    "GIT_AUTHOR_EMAIL": "bench@example.com",
    "GIT_COMMITTER_NAME": "bench",
    "GIT_COMMITTER_EMAIL": "bench@example.com",
}


def git(repo: Path, *args: str) -> str:
    out = subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, env=ENV)
    return out.stdout.decode().strip()


def copy_stdlib(dest: Path) -> int:
    src = Path(sysconfig.get_paths()["stdlib"])
    n = 0
    for dirpath, dirnames, filenames in os.walk(src):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS)
        rel = Path(dirpath).relative_to(src)
        for name in filenames:
            if name.endswith(".py"):
                out = dest / rel / name
                out.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(Path(dirpath) / name, out)
                n += 1
    return n


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--keep", default=None, help="work in this folder and keep it")
    ap.add_argument("--check", action="store_true", help="compare with a fresh full build")
    ap.add_argument("--repeat", type=int, default=3, help="one-file changes to time")
    ap.add_argument("--full-repeat", type=int, default=1, help="full builds to time")
    args = ap.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from codeanatomy_hamilton.build import BuildRequest, run_build

    work = Path(args.keep or tempfile.mkdtemp(prefix="bench-incremental-"))
    repo, warehouse = work / "stdlib", work / "warehouse"
    shutil.rmtree(repo, ignore_errors=True)
    shutil.rmtree(warehouse, ignore_errors=True)
    repo.mkdir(parents=True)
    files = copy_stdlib(repo)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "stdlib")

    def request(incremental: bool, wh: Path = warehouse) -> BuildRequest:
        return BuildRequest(
            repo_path=str(repo),
            warehouse=str(wh),
            repo_id="stdlib",
            incremental=incremental,
            workers=args.workers,
        )

    t0 = time.perf_counter()
    full = run_build(request(True))
    full_times = [time.perf_counter() - t0]
    assert full.mode == "full", full.mode
    for k in range(1, max(1, args.full_repeat)):
        scratch = work / f"warehouse-full-{k}"
        shutil.rmtree(scratch, ignore_errors=True)
        t0 = time.perf_counter()
        again = run_build(request(True, scratch))
        full_times.append(time.perf_counter() - t0)
        assert again.mode == "full", again.mode
        shutil.rmtree(scratch, ignore_errors=True)
        print(f"full build {k + 1}: {full_times[-1]:6.2f} s")
    full_s = statistics.median(full_times)

    target = repo / "json" / "decoder.py"
    times: list[float] = []
    inc = full
    for k in range(max(1, args.repeat)):
        # a realistic edit: a new function that calls into the module's own class
        target.write_text(
            target.read_text()
            + f"\n\ndef _bench_added_{k}(x):\n    return JSONDecoder().decode(x)\n"
        )
        git(repo, "commit", "-q", "-am", f"modify one file ({k})")
        t0 = time.perf_counter()
        inc = run_build(request(True))
        times.append(time.perf_counter() - t0)
        assert inc.mode == "incremental", inc.mode
        print(f"incremental build {k + 1}: {times[-1]:6.2f} s  stages {_stages(inc.stage_seconds)}")
    inc_s = statistics.median(times)
    # an edit that changes no name, call or binding (a comment that moves every line):
    # the resolver's input is unchanged, so the last resolution is reused
    target.write_text("# a comment that moves every line below\n" + target.read_text())
    git(repo, "commit", "-q", "-am", "comment only")
    t0 = time.perf_counter()
    neutral = run_build(request(True))
    neutral_s = time.perf_counter() - t0
    assert neutral.mode == "incremental", neutral.mode

    print(f"stdlib files: {files}, lines: {full.line_count}")
    print(
        f"full build:        {full_s:7.2f} s  median of {len(full_times)} "
        f"(min {min(full_times):.2f} s)  stages of the first {_stages(full.stage_seconds)}"
    )
    print(f"incremental build: {inc_s:7.2f} s  median of {len(times)} (min {min(times):.2f} s)")
    print(f"ratio incremental/full: {inc_s / full_s:.3f} (1/{full_s / inc_s:.1f})")
    print(
        f"comment-only edit:  {neutral_s:7.2f} s  ratio {neutral_s / full_s:.3f}  "
        f"stages {_stages(neutral.stage_seconds)}"
    )
    if args.check:
        sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
        from incremental_helpers import assert_same_cpg

        fresh = work / "fresh"
        shutil.rmtree(fresh, ignore_errors=True)
        run_build(request(False, fresh))
        assert_same_cpg(warehouse, fresh)
        print("incremental warehouse == fresh full build: OK")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0


def _stages(stages: dict[str, float]) -> str:
    return ", ".join(f"{k}={v:.2f}" for k, v in sorted(stages.items(), key=lambda kv: -kv[1]))


if __name__ == "__main__":
    sys.exit(main())
