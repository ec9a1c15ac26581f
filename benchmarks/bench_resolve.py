"""Time cross-file resolution over the standard library (without tests).

Builds the resolver input the way the dataflow does (per-file ``extract_file``, then
``pa.Table.from_batches`` per output and ``pa.concat_tables(..., promote_options=
"default")`` per fact table) and times ``resolve_repo`` alone, plus the per-file cost
of the ``facts`` pass.

    .venv/bin/python benchmarks/bench_resolve.py [--limit N] [--cache DIR] [--repeat K]

``--cache DIR`` stores the resolver input as Arrow IPC files on the first run and
loads it on later runs (iterating on the resolver without re-extracting 661 files);
``--repeat K`` runs ``resolve_repo`` K times and reports the minimum (the machine is
shared, so single timings are noisy).
"""

from __future__ import annotations

import argparse
import os
import pickle
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from codeanatomy_hamilton.extract.file import extract_file  # noqa: E402
from codeanatomy_hamilton.resolve import ResolveInput, resolve_repo  # noqa: E402
from tests.resolve_helpers import collect_resolve_input  # noqa: E402

SKIP = {"test", "tests", "idle_test", "lib2to3", "site-packages", "__pycache__"}
# ``--corpus full``: the whole standard library, test folders included (as
# ``bench_build.py --corpus full``), the corpus that once exhausted memory in resolution
SKIP_FULL = {"site-packages", "__pycache__"}


def _rss_watchdog(limit_gib: float) -> None:
    """Abort the process when its RSS passes ``limit_gib`` (the machine is shared).

    A thread reads VmRSS from /proc every 50 ms and prints the peak at exit, so a
    runaway experiment dies here instead of waking the OOM killer.
    """
    import atexit
    import threading

    peak = [0]

    def rss_kib() -> int:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return 0

    def loop() -> None:
        while True:
            kib = rss_kib()
            peak[0] = max(peak[0], kib)
            if kib > limit_gib * 1024 * 1024:
                print(
                    f"RSS watchdog: {kib / 1024**2:.2f} GiB > {limit_gib} GiB, aborting", flush=True
                )
                os._exit(3)
            time.sleep(0.05)

    threading.Thread(target=loop, daemon=True).start()
    atexit.register(lambda: print(f"peak RSS {peak[0] / 1024**2:.2f} GiB (watchdog samples)"))


def stdlib_files(limit: int | None = None, skip: set[str] = SKIP) -> list[tuple[str, bytes]]:
    root = os.path.dirname(os.__file__)
    out: list[tuple[str, bytes]] = []
    for d, dirs, files in os.walk(root):
        dirs[:] = sorted(x for x in dirs if x not in skip)
        for f in sorted(files):
            if f.endswith(".py"):
                p = os.path.join(d, f)
                with open(p, "rb") as fh:
                    out.append((os.path.relpath(p, root).replace(os.sep, "/"), fh.read()))
    return out[:limit] if limit else out


def _save(inp: ResolveInput, path: str) -> None:
    # pickle of Arrow tables goes through the IPC format: fast and exact
    with open(path, "wb") as fh:
        pickle.dump(
            {
                "nodes": inp.nodes,
                "edges": inp.edges,
                "xedges": inp.xedges,
                "facts": inp.facts,
                "files": inp.files,
            },
            fh,
        )


def _load(path: str) -> ResolveInput:
    with open(path, "rb") as fh:
        return ResolveInput(**pickle.load(fh))


def _resolve(inp: ResolveInput, repeat: int) -> None:
    times: list[float] = []
    out = None
    with open("/proc/self/status") as fh:
        rss0 = next(int(x.split()[1]) for x in fh if x.startswith("VmRSS:"))
    print(f"RSS before resolve_repo {rss0 / 1024**2:.2f} GiB (the resolver input)")
    for _ in range(max(1, repeat)):
        t2 = time.perf_counter()
        out = resolve_repo(inp)
        times.append(time.perf_counter() - t2)
    assert out is not None
    print(f"resolve_repo {min(times):.2f}s (min of {len(times)})")
    if len(times) > 1:  # the machine is shared: the spread says how much to trust the min
        print("  all runs:", " ".join(f"{t:.2f}" for t in times))
    print("stats:", out.stats)
    for w in out.warnings:
        print("WARNING:", w)
    kinds: dict[str, int] = {}
    for k in out.edges.column("kind").to_pylist() + out.xedges.column("kind").to_pylist():
        kinds[k] = kinds.get(k, 0) + 1
    print("edges by kind:", dict(sorted(kinds.items())))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--cache", default=None, help="folder for the cached resolver input")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--corpus", choices=("stdlib", "full"), default="stdlib")
    ap.add_argument("--max-rss-gib", type=float, default=8.0, help="abort above this RSS")
    ap.add_argument("--trace", action="store_true", help="log RSS and sizes per round")
    args = ap.parse_args()
    if args.trace:
        import logging

        logging.basicConfig(level=logging.WARNING, format="%(relativeCreated)7.0fms %(message)s")
        logging.getLogger("codeanatomy_hamilton.resolve").setLevel(logging.DEBUG)
    _rss_watchdog(args.max_rss_gib)
    tag = f"{args.corpus}_" if args.corpus != "stdlib" else ""
    cached = (
        os.path.join(args.cache, f"resolve_input_{tag}{args.limit or 'all'}.pkl")
        if args.cache
        else None
    )
    if cached and os.path.exists(cached):
        _resolve(_load(cached), args.repeat)
        return
    files = stdlib_files(args.limit, SKIP_FULL if args.corpus == "full" else SKIP)
    from codeanatomy_hamilton.extract import facts as facts_mod

    spent = [0.0]
    orig = facts_mod.run_facts_pass

    def timed(ctx):  # measure the facts pass alone
        t = time.perf_counter()
        orig(ctx)
        spent[0] += time.perf_counter() - t

    from codeanatomy_hamilton.extract import passes

    passes.PASSES[:] = [(n, timed if f is orig else f) for n, f in passes.PASSES]
    t0 = time.perf_counter()
    extracts = [extract_file(p, b) for p, b in files]
    t1 = time.perf_counter()
    inp = collect_resolve_input(extracts)
    lines = sum(fx.lines for fx in extracts)
    print(f"files={len(files)} lines={lines} nodes={inp.nodes.num_rows}")
    print(f"extract (all passes) {t1 - t0:.2f}s, of which facts pass {spent[0]:.2f}s")
    print("fact rows:", {k: v.num_rows for k, v in sorted(inp.facts.items())})
    if cached:
        os.makedirs(args.cache, exist_ok=True)
        _save(inp, cached)
    _resolve(inp, args.repeat)


if __name__ == "__main__":
    main()
