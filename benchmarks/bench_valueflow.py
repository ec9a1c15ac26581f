"""Cost and size of the value-flow edges on a corpus (default: corpus 1, the stdlib
without tests), and the time of a ``flows`` source-to-sink query.

Usage::

    .venv/bin/python benchmarks/bench_valueflow.py [--repo PATH] [--rounds N] [--json OUT]

Each round builds the corpus twice in a child process each (1 worker, no fragment
cache, so every file is extracted): once as shipped and once with value flow switched
off (the per-file ``valueflow`` pass removed from ``extract.passes.PASSES`` and the
cross-file ``value_flow_edges`` returning no edge), and reports the CPU seconds
(user + system of the child and its children) and wall seconds of each, the edge
counts per value-flow kind against all edges, and the CPU and wall time of
``find_flows`` queries over the built warehouse (in a fresh child, imports excluded).
Wall times on a shared machine are noisy: compare the CPU times.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

CHILD_BUILD = r"""
import json, resource, sys, time
off = sys.argv[3] == "off"
if off:
    import pyarrow as pa
    from codeanatomy_hamilton.extract import passes
    from codeanatomy_hamilton.resolve import pipeline
    from codeanatomy_hamilton.core.schema import EDGE_SCHEMA
    passes.PASSES[:] = [p for p in passes.PASSES if p[0] != "valueflow"]
    pipeline.value_flow_edges = lambda *a, **k: (EDGE_SCHEMA.empty_table(), {})
from codeanatomy_hamilton.build import BuildRequest, run_build
w0 = time.perf_counter()
r = run_build(BuildRequest(repo_path=sys.argv[1], warehouse=sys.argv[2], repo_id="c1",
                           workers=1, executor="local", extract_cache_dir=""))
wall = time.perf_counter() - w0
ru, rc = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
cpu = ru.ru_utime + ru.ru_stime + rc.ru_utime + rc.ru_stime
rec = r.records.get("resolved")
counters = getattr(rec, "stats", None) or (rec.get("stats") if isinstance(rec, dict) else None) or {}
print(json.dumps({"wall": wall, "cpu": cpu, "edges": r.writes["cpg_edges"].rows,
                  "stages": r.stage_seconds,
                  "resolve_ms": {k: v for k, v in counters.items() if k.startswith("resolve_ms")}}))
"""

CHILD_FLOWS = r"""
import json, sys, time
from codeanatomy_hamilton.flows import find_flows
out = []
for src, dst in json.loads(sys.argv[2]):
    c0, w0 = time.process_time(), time.perf_counter()
    r = find_flows(sys.argv[1], src, dst, max_paths=10)
    out.append({"from": src, "to": dst, "paths": len(r.paths),
                "cpu": time.process_time() - c0, "wall": time.perf_counter() - w0})
print(json.dumps(out))
"""

QUERIES = [
    ("call:builtins.input", "os.system"),
    ("param:subprocess.getstatusoutput.cmd", "subprocess.Popen"),
    ("call:os.getenv", "call:builtins.open#arg0"),
]


def _child(code: str, *args: str) -> dict | list:
    py = str(ROOT / ".venv" / "bin" / "python")
    out = subprocess.run(
        [py, "-c", code, *args], capture_output=True, text=True, check=True, cwd=ROOT
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    from bench_build import SKIP_TESTS, copy_corpus, corpus_files, stdlib_root

    ap = argparse.ArgumentParser()
    ap.add_argument("--repo", default=None)
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--json", default=None)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench_vf_"))
    try:
        if args.repo:
            repo = Path(args.repo)
        else:
            root = stdlib_root()
            files = corpus_files(root, SKIP_TESTS)
            repo = tmp / "corpus"
            copy_corpus(root, files, repo, False)
        runs: dict[str, list[dict]] = {"on": [], "off": []}
        for i in range(args.rounds):
            for mode in ("off", "on"):
                wh = tmp / f"wh_{mode}_{i}"
                runs[mode].append(_child(CHILD_BUILD, str(repo), str(wh), mode))
                print(mode, runs[mode][-1], flush=True)
        wh = tmp / "wh_on_0"
        from codeanatomy_hamilton.store.sql import query

        kinds = query(
            str(wh), "SELECT kind, count(*) AS n FROM cpg_edges GROUP BY kind ORDER BY n DESC"
        ).to_pylist()
        total = sum(r["n"] for r in kinds)
        flow = {r["kind"]: r["n"] for r in kinds if r["kind"].startswith("FLOW")}
        nflow = sum(flow.values())
        flows = _child(CHILD_FLOWS, str(wh), json.dumps(QUERIES))
        result = {
            "builds": runs,
            "edges_total": total,
            "flow_edges": flow,
            "flow_edges_total": nflow,
            "flow_share_of_all_edges": nflow / total,
            "flow_added_to_other_edges": nflow / (total - nflow),
            "cpu_added_s": [
                on["cpu"] - off["cpu"] for on, off in zip(runs["on"], runs["off"], strict=True)
            ],
            "queries": flows,
        }
        print(json.dumps(result, indent=1))
        if args.json:
            Path(args.json).write_text(json.dumps(result, indent=1))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
