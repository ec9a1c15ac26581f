"""Peak memory of ``extract_file`` against file size: it must grow linearly.

Usage: ``python benchmarks/bench_memory.py [--lines 20000,40000,80000,120000] [--shape S]``

Each size runs in a fresh process (peak RSS is per process) on a generated module of
one shape: ``assign`` (``x = 1`` per line, the densest statement stream: one variable
with a def per line, the shape that made reaching definitions quadratic), ``cond``
(``if c: x = 1``, defs that all reach the end) or ``calls`` (``f(a, b)``). Prints the
peak over the interpreter's baseline, the bytes per line, and the ratio of the last
step's growth to the first step's per line (about 1 for linear growth; it was ~4x for
the quadratic version). Exits non-zero when that ratio passes ``--max-ratio``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

SHAPES = {
    "assign": "x = 1\n",
    "cond": "if c:\n    x = 1\n",
    "calls": "f(a, b)\n",
}

CHILD = """
import json, resource, sys, time
sys.path.insert(0, {root!r})
from codeanatomy_hamilton.extract.file import extract_file
data = ({line!r} * {n}).encode()
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t = time.process_time()
out = extract_file("gen.py", data)
cpu = time.process_time() - t
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({{"lines": {n}, "bytes": len(data), "peak_kb": peak, "over_kb": peak - base,
                  "cpu_s": round(cpu, 2), "errors": [e.error_kind for e in out.errors],
                  "edges": out.edges.num_rows}}))
"""


def measure(shape: str, n: int) -> dict:
    code = CHILD.format(root=str(ROOT), line=SHAPES[shape], n=n)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--lines", default="20000,40000,80000,120000")
    ap.add_argument("--shape", choices=sorted(SHAPES), default="assign")
    ap.add_argument("--max-ratio", type=float, default=1.6)
    args = ap.parse_args()
    sizes = [int(x) for x in args.lines.split(",")]
    rows = [measure(args.shape, n) for n in sizes]
    print(f"shape {args.shape}: peak RSS of extract_file over the interpreter's baseline")
    for r in rows:
        print(
            f"  {r['lines']:>8,} lines {r['bytes']:>10,} B  peak +{r['over_kb'] / 1024:8.1f} MiB"
            f"  {r['over_kb'] * 1024 / r['lines']:8.0f} B/line  cpu {r['cpu_s']:6.2f} s"
            f"  edges {r['edges']:,} {r['errors'] or ''}"
        )
    first = (rows[1]["over_kb"] - rows[0]["over_kb"]) / (rows[1]["lines"] - rows[0]["lines"])
    last = (rows[-1]["over_kb"] - rows[-2]["over_kb"]) / (rows[-1]["lines"] - rows[-2]["lines"])
    ratio = last / first if first > 0 else float("inf")
    print(
        f"growth per line, last step / first step: {ratio:.2f} (linear ~1; limit {args.max_ratio})"
    )
    return 0 if ratio <= args.max_ratio else 1


if __name__ == "__main__":
    sys.exit(main())
