"""Score `codeanatomy findings` on the security benchmark (benchmarks/security/).

Builds the CPG of ``benchmarks/security/apps`` (every app is a package there) into a
temporary warehouse (or ``--warehouse DIR``, reused when it holds a build), runs the
shipped rules, and per category (CWE) counts an app as flagged when a finding of that
CWE lies in its folder. Score per category: true-positive rate minus false-positive
rate; overall: their mean over the 14 categories. The apps are analysed, never run.

    .venv/bin/python benchmarks/security_score.py [-v] [--warehouse DIR] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from codeanatomy_hamilton.build import BuildRequest, run_build  # noqa: E402
from codeanatomy_hamilton.security import find_findings  # noqa: E402
from codeanatomy_hamilton.store.delta import list_tables  # noqa: E402

APPS = ROOT / "benchmarks" / "security" / "apps"
REPO = "secbench"


def apps() -> dict[str, list[tuple[str, bool]]]:
    """cwe -> [(app folder relative to APPS, vulnerable?)]"""
    out: dict[str, list[tuple[str, bool]]] = {}
    for cat in sorted(APPS.iterdir()):
        if not cat.is_dir() or not cat.name.startswith("cwe"):
            continue
        for app in sorted(cat.iterdir()):
            if app.is_dir() and app.name.endswith(("_vuln", "_safe")):
                out.setdefault(cat.name[3:], []).append(
                    (f"{cat.name}/{app.name}", app.name.endswith("_vuln"))
                )
    return out


def score(warehouse: str, verbose: bool = False) -> dict[str, dict[str, float]]:
    if "cpg_nodes" not in list_tables(warehouse):
        # a copy outside this git checkout: the build reads it as a plain directory
        with tempfile.TemporaryDirectory() as tmp:
            src = os.path.join(tmp, REPO)
            shutil.copytree(APPS, src)
            # each benchmark-style app imports its own top-level ``helpers`` package
            roots = sorted(
                str(h.parent.relative_to(APPS)) for h in APPS.glob("cwe*/*/helpers") if h.is_dir()
            )
            run_build(
                BuildRequest(repo_path=src, warehouse=warehouse, repo_id=REPO, source_roots=roots)
            )
    t0 = time.perf_counter()
    report = find_findings(warehouse, repo=REPO)
    secs = time.perf_counter() - t0
    flagged: dict[str, set[str]] = {}
    for f in report.findings:
        parts = (f.path or "").split("/")
        if len(parts) >= 2:
            flagged.setdefault(str(f.cwe), set()).add("/".join(parts[:2]))
    out: dict[str, dict[str, float]] = {}
    for cwe, cases in apps().items():
        hit = flagged.get(cwe, set())
        vuln = [a for a, v in cases if v]
        safe = [a for a, v in cases if not v]
        tp = sum(a in hit for a in vuln)
        fp = sum(a in hit for a in safe)
        tpr = tp / len(vuln) if vuln else 0.0
        fpr = fp / len(safe) if safe else 0.0
        out[cwe] = {"tp": tp, "vuln": len(vuln), "fp": fp, "safe": len(safe), "score": tpr - fpr}
        if verbose:
            for a in vuln:
                if a not in hit:
                    print(f"  missed   {a}")
            for a in safe:
                if a in hit:
                    print(f"  false+   {a}")
    out["_"] = {"findings_seconds": secs, "findings": len(report.findings)}
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-v", "--verbose", action="store_true")
    ap.add_argument("--warehouse", default=None)
    ap.add_argument("--json", default=None, help="write the scores here")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        wh = args.warehouse or os.path.join(tmp, "wh")
        res = score(wh, args.verbose)
    meta = res.pop("_")
    print(f"{'CWE':>5} {'TP':>7} {'FP':>7} {'score':>6}")
    for cwe, r in sorted(res.items(), key=lambda kv: int(kv[0])):
        print(
            f"{cwe:>5} {r['tp']:>3}/{r['vuln']:<3} {r['fp']:>3}/{r['safe']:<3} {r['score']:>6.2f}"
        )
    mean = sum(r["score"] for r in res.values()) / len(res)
    print(
        f"mean over {len(res)} categories: {mean:.3f} (min {min(r['score'] for r in res.values()):.2f})"
    )
    print(f"findings: {meta['findings']:.0f} in {meta['findings_seconds']:.2f} s")
    if args.json:
        Path(args.json).write_text(json.dumps({"categories": res, "mean": mean, **meta}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
