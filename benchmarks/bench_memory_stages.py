"""Where a build's memory goes: RSS over one build, by Hamilton node and function.

Usage::

    .venv/bin/python benchmarks/bench_memory_stages.py REPO [--workers 1] [--step 3]
        [--max-rss-gib 10]

Runs one full build of REPO (a plain directory or a git repository) through
``run_build`` in this process, into a temporary warehouse, while a thread samples the
process's RSS every 20 ms together with the engine's call stack of every other thread
(``sys._current_frames``). Prints, per Hamilton node (the innermost
``runtime/nodes`` function on the stack), when it ran and its least and largest RSS;
then the RSS every ``--step`` seconds with the innermost engine frames; then the stack
at the peak. With 1 worker every stage runs here, so the figures are the build's (with
more workers, extraction's memory is in the workers, not counted). A watchdog exits
past ``--max-rss-gib`` (the machine is shared). docs/performance.md, "Where corpus 2's
peak comes from", was measured with it (``bench_build.py``'s corpus copy in REPO).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import threading
import time
from typing import Any

PKG = "codeanatomy_hamilton"


def _rss() -> int:
    with open("/proc/self/statm", "rb") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _stacks(me: int) -> list[list[str]]:
    """The engine frames (outermost first) of every thread but ``me``."""
    out = []
    for tid, frame in sys._current_frames().items():
        if tid == me:
            continue
        st: list[str] = []
        f: Any = frame
        while f is not None:
            name = f.f_code.co_filename
            if PKG in name:
                label = f"{name.split(PKG + '/')[-1]}:{f.f_code.co_name}"
                if label == "runtime/nodes/store_nodes.py:_write":
                    # one function writes every table: name the table
                    label += f"[{f.f_locals.get('name')}]"
                st.append(label)
            f = f.f_back
        if st:
            out.append(st[::-1])
    return out


def _held(obj: Any, seen: set[int], depth: int = 0) -> int:
    """Bytes of Arrow buffers, numpy data and strings reachable from ``obj`` that ``seen``
    does not hold yet (buffers by address, so slices of one buffer count once)."""
    import numpy as np
    import pyarrow as pa

    if depth > 12 or obj is None or isinstance(obj, (int, float, bool, bytes, type)):
        return (
            len(obj)
            if isinstance(obj, bytes) and id(obj) not in seen and not seen.add(id(obj))
            else 0
        )
    if isinstance(obj, str):
        if id(obj) in seen:
            return 0
        seen.add(id(obj))
        return sys.getsizeof(obj)
    if isinstance(obj, np.ndarray):
        while isinstance(obj.base, np.ndarray):
            obj = obj.base
        key = obj.__array_interface__["data"][0]
        if key in seen:
            return 0
        seen.add(key)
        return obj.nbytes
    if isinstance(obj, (pa.Table, pa.RecordBatch)):
        return sum(_held(c, seen, depth + 1) for c in obj.columns)
    if isinstance(obj, pa.ChunkedArray):
        return sum(_held(c, seen, depth + 1) for c in obj.chunks)
    if isinstance(obj, pa.Array):
        total = 0
        for b in obj.buffers():
            if b is not None and b.address not in seen:
                seen.add(b.address)
                total += b.size
        return total
    if id(obj) in seen:
        return 0
    seen.add(id(obj))
    if isinstance(obj, dict):
        return sum(_held(v, seen, depth + 1) for v in obj.values())
    if isinstance(obj, (list, tuple, set, frozenset)):
        return sum(_held(v, seen, depth + 1) for v in obj)
    fields = getattr(obj, "__dict__", None)
    if fields is None and hasattr(obj, "__slots__"):
        fields = {a: getattr(obj, a, None) for a in obj.__slots__}
    return sum(_held(v, seen, depth + 1) for v in (fields or {}).values())


def _census(label: str) -> None:
    """What Hamilton's result cache holds (every node result stays there until the
    build ends), by node: bytes first reached through it, and its own total."""
    import gc

    import pyarrow as pa
    from hamilton.execution.state import DictBasedResultCache

    caches = [o for o in gc.get_objects() if isinstance(o, DictBasedResultCache)]
    print(
        f"census at {label}: RSS {_rss() / 2**20:.0f} MiB, Arrow pool "
        f"{pa.total_allocated_bytes() / 2**20:.0f} MiB",
        flush=True,
    )
    seen: set[int] = set()
    rows = []
    for cache in caches:
        for key, val in cache.cache.items():
            alone = _held(val, set())
            first = _held(val, seen)
            rows.append((alone, first, key))
    for alone, first, key in sorted(rows, reverse=True)[:20]:
        print(f"   {key[:48]:48} {alone / 2**20:8.1f} MiB ({first / 2**20:.1f} not counted above)")
    print(f"   all results: {sum(r[1] for r in rows) / 2**20:.0f} MiB", flush=True)


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("repo")
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--step", type=float, default=3.0, help="seconds between timeline rows")
    ap.add_argument("--max-rss-gib", type=float, default=10.0)
    ap.add_argument(
        "--census", action="store_true", help="what the node results hold, at the first write"
    )
    args = ap.parse_args()
    if args.census:
        from codeanatomy_hamilton.runtime.nodes import store_nodes

        write = store_nodes._write
        first = [True]

        def census_then_write(*a: Any, **k: Any) -> Any:
            if first[0]:
                first[0] = False
                _census("the first Delta write")
            return write(*a, **k)

        store_nodes._write = census_then_write

    from codeanatomy_hamilton.build import BuildRequest, run_build

    samples: list[tuple[float, int, list[list[str]]]] = []
    done = threading.Event()
    limit = args.max_rss_gib * 2**30

    def sample() -> None:
        me = threading.get_ident()
        t0 = time.perf_counter()
        while not done.is_set():
            rss = _rss()
            if rss > limit:
                print(f"RSS watchdog: {rss / 2**30:.2f} GiB > {args.max_rss_gib} GiB", flush=True)
                os._exit(3)
            samples.append((time.perf_counter() - t0, rss, _stacks(me)))
            done.wait(0.02)

    tmp = tempfile.mkdtemp(prefix="codeanatomy-memstages-")
    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    try:
        res = run_build(
            BuildRequest(repo_path=args.repo, warehouse=tmp + "/wh", workers=args.workers)
        )
    finally:
        done.set()
        thread.join()
        shutil.rmtree(tmp, ignore_errors=True)
    print("rows", {k: v.rows for k, v in res.writes.items()})
    print("stages", {k: round(v, 1) for k, v in res.stage_seconds.items()})
    by_node: dict[str, list[float]] = {}
    for t, rss, stacks in samples:
        node = "?"
        for st in stacks:
            nodes = [s for s in st if s.startswith("runtime/nodes/")]
            if nodes:
                node = nodes[-1].split(":", 1)[1]
        d = by_node.setdefault(node, [t, t, rss, rss])
        d[1], d[2], d[3] = t, min(d[2], rss), max(d[3], rss)
    print(f"{'node':32} {'from s':>7} {'to s':>7} {'min MiB':>8} {'max MiB':>8}")
    for node, (a, b, lo, hi) in sorted(by_node.items(), key=lambda kv: kv[1][0]):
        print(f"{node:32} {a:7.1f} {b:7.1f} {lo / 2**20:8.0f} {hi / 2**20:8.0f}")
    print("timeline:")
    last = -1e9
    for t, rss, stacks in samples:
        if t - last >= args.step:
            last = t
            where = " | ".join(" > ".join(st[-3:]) for st in stacks)
            print(f"{t:7.1f}s {rss / 2**20:7.0f} MiB  {where[:220]}")
    if samples:
        t, rss, stacks = max(samples, key=lambda x: x[1])
        print(f"peak {rss / 2**20:.0f} MiB at {t:.1f} s")
        for st in stacks:
            print("   " + "\n   ".join(st))
    return 0


if __name__ == "__main__":
    sys.exit(main())
