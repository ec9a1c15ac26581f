"""Uncached vs cached build wall times on a git repo made from stdlib packages.

    .venv/bin/python benchmarks/bench_cache.py [--packages json,email,asyncio,...]

Prints: a build without the Hamilton cache, a cold build with it (fills the cache), a
warm rebuild of the same commit (everything but the git read and the Delta writes is
served from the cache), and a warm build of one more table (another asset of the same
commit reusing the cached shared upstream).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from codeanatomy_hamilton.build import BuildRequest, run_build  # noqa: E402

DEFAULT_PACKAGES = "json,email,asyncio,http,logging,xml,importlib,concurrent,unittest"


def make_repo(root: str, packages: list[str]) -> str:
    stdlib = sysconfig.get_paths()["stdlib"]
    repo = os.path.join(root, "repo")
    os.makedirs(repo)
    for pkg in packages:
        src = os.path.join(stdlib, pkg)
        if os.path.isdir(src):
            shutil.copytree(
                src, os.path.join(repo, pkg), ignore=shutil.ignore_patterns("__pycache__", "test*")
            )
        elif os.path.exists(src + ".py"):
            shutil.copy(src + ".py", repo)
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "b",
        "GIT_AUTHOR_EMAIL": "b@x",
        "GIT_COMMITTER_NAME": "b",
        "GIT_COMMITTER_EMAIL": "b@x",
    }
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "bench"]):
        subprocess.run(["git", "-C", repo, *args], check=True, env=env)
    return repo


def timed(req: BuildRequest) -> tuple[float, dict]:
    t = time.perf_counter()
    res = run_build(req)
    return time.perf_counter() - t, res.diagnostics.get("cache", {})


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--packages", default=DEFAULT_PACKAGES)
    args = p.parse_args()
    root = tempfile.mkdtemp(prefix="bench_cache_")
    try:
        repo = make_repo(root, args.packages.split(","))
        files = int(
            subprocess.run(
                ["git", "-C", repo, "ls-files", "*.py"], capture_output=True, text=True
            ).stdout.count("\n")
        )
        cache = os.path.join(root, "cache")
        rows = [
            ("uncached (no cache dir)", BuildRequest(repo, os.path.join(root, "wh0"))),
            (
                "cached, cold (fills cache)",
                BuildRequest(repo, os.path.join(root, "wh1"), cache_dir=cache),
            ),
            (
                "cached, warm (same commit)",
                BuildRequest(repo, os.path.join(root, "wh1"), cache_dir=cache),
            ),
            (
                "cached, warm, one table (cpg_nodes)",
                BuildRequest(
                    repo, os.path.join(root, "wh1"), cache_dir=cache, tables=["cpg_nodes"]
                ),
            ),
        ]
        print(f"repo: {files} Python files from stdlib packages {args.packages}")
        base = None
        for label, req in rows:
            secs, counts = timed(req)
            base = base or secs
            print(f"{label:40s} {secs:7.2f} s  speed-up x{base / secs:5.1f}  cache={counts}")
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
