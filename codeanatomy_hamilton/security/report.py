"""Running the rules over a warehouse and writing the findings: a table for people,
JSON, SARIF 2.1.0 (GitHub code scanning) and the Arrow rows of the ``taint_findings``
Delta table."""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute  # noqa: F401 - pa.compute
from deltalake import DeltaTable

from codeanatomy_hamilton.core.version import VERSION
from codeanatomy_hamilton.security.engine import Analysis
from codeanatomy_hamilton.security.findings import Finding
from codeanatomy_hamilton.security.graph import Cpg, lit
from codeanatomy_hamilton.security.rules import (
    SEVERITIES,
    Rule,
    RuleError,
    RuleSet,
    load_rules,
    severity_rank,
)
from codeanatomy_hamilton.store.delta import list_tables, open_table, replace_repo_rows, table_path
from codeanatomy_hamilton.store.sql import QueryError, session

TOOL = "CodeAnatomy"
INFO_URI = "https://example.invalid/codeanatomy"  # no public home yet; SARIF wants a URI
_SARIF_LEVEL = {"error": "error", "warning": "warning", "note": "note"}
# GitHub orders alerts by `security-severity` (CVSS-like); one figure per severity
_SECURITY_SEVERITY = {"error": "8.0", "warning": "5.0", "note": "2.0"}

FINDINGS_SCHEMA = pa.schema(
    [
        ("repo", pa.string()),
        ("rule_id", pa.string()),
        ("cwe", pa.int32()),
        ("severity", pa.string()),
        ("message", pa.string()),
        ("kind", pa.string()),
        ("source_id", pa.int64()),
        ("sink_id", pa.int64()),
        ("path", pa.string()),
        ("line", pa.int32()),
        ("commit", pa.string()),
        ("fingerprint", pa.string()),
        (
            "steps",
            pa.list_(
                pa.struct(
                    [
                        ("node_id", pa.int64()),
                        ("path", pa.string()),
                        ("line", pa.int32()),
                        ("kind", pa.string()),
                        ("name", pa.string()),
                    ]
                )
            ),
        ),
    ]
)


class FindingsError(ValueError):
    """A findings request that cannot run (missing warehouse, unknown repo, bad rules)."""


@dataclass
class Report:
    rules: RuleSet
    repos: list[str]
    findings: list[Finding] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)
    commits: dict[str, str | None] = field(default_factory=dict)


def fingerprint(f: Finding) -> str:
    """Identity of a finding across builds: rule, file, the source and sink lines'
    node kinds and names (line numbers move with unrelated edits, so they stay out)."""
    first = f.steps[0] if f.steps else None
    last = f.steps[-1] if f.steps else None
    parts = [
        f.rule_id,
        f.path or "",
        f"{first.kind}:{first.name}" if first else "",
        f"{last.kind}:{last.name}" if last else "",
        f.message,
    ]
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:24]


def _repos(ctx: Any, repo: str | None) -> list[str]:
    t = ctx.sql("SELECT DISTINCT repo FROM cpg_nodes").to_arrow_table()
    repos = sorted(t.column(0).to_pylist())
    if repo is not None:
        if repo not in repos:
            raise FindingsError(f"no repo {repo!r} in the warehouse (have: {', '.join(repos)})")
        return [repo]
    return repos


def latest_build(ctx: Any, repo: str) -> tuple[str | None, str | None]:
    """(commit, base commit) of the last build of ``repo`` recorded in run_manifest."""
    try:
        t = ctx.sql(
            f'SELECT "commit", base_commit FROM run_manifest WHERE repo = {lit(repo)} '
            "ORDER BY ended_at DESC LIMIT 1"
        ).to_arrow_table()
    except Exception:  # noqa: BLE001 - DataFusion raises plain Exceptions (no manifest)
        return None, None
    if not t.num_rows:
        return None, None
    return t.column(0)[0].as_py(), t.column(1)[0].as_py()


def find_findings(
    warehouse: str,
    repo: str | None = None,
    rules_file: str | None = None,
    min_severity: str | None = None,
    rules: RuleSet | None = None,
) -> Report:
    """Evaluate the rules over the CPG of every repo of ``warehouse`` (or ``repo``)."""
    if min_severity is not None and min_severity not in SEVERITIES:
        raise FindingsError(f"--min-severity must be one of {', '.join(SEVERITIES)}")
    try:
        rs = rules if rules is not None else load_rules(rules_file)
    except RuleError as exc:
        raise FindingsError(str(exc)) from None
    if not Path(warehouse).is_dir():
        raise FindingsError(f"warehouse does not exist: {warehouse}")
    tables = set(list_tables(warehouse))
    if not {"cpg_nodes", "cpg_edges", "cpg_props"} <= tables:
        raise FindingsError(f"no CPG in warehouse {warehouse}")
    try:
        ctx = session(warehouse)
    except QueryError as exc:
        raise FindingsError(str(exc)) from None
    report = Report(rs, _repos(ctx, repo))
    floor = severity_rank(min_severity) if min_severity else 0
    for r in report.repos:
        t0 = time.perf_counter()
        cpg = Cpg(ctx, r)
        t1 = time.perf_counter()
        found = Analysis(cpg, rs).run()
        report.seconds[r] = time.perf_counter() - t0
        report.seconds[r + ":load"] = t1 - t0
        report.commits[r] = latest_build(ctx, r)[0] if "run_manifest" in tables else None
        report.findings.extend(f for f in found if severity_rank(f.severity) >= floor)
    return report


def findings_table(report: Report) -> pa.Table:
    """The ``taint_findings`` rows of a report."""
    rows = []
    for f in report.findings:
        rows.append(
            {
                "repo": f.repo,
                "rule_id": f.rule_id,
                "cwe": f.cwe,
                "severity": f.severity,
                "message": f.message,
                "kind": f.kind,
                "source_id": f.source_id,
                "sink_id": f.sink_id,
                "path": f.path,
                "line": f.line,
                "commit": report.commits.get(f.repo),
                "fingerprint": fingerprint(f),
                "steps": [
                    {
                        "node_id": s.node_id,
                        "path": s.path,
                        "line": s.line,
                        "kind": s.kind,
                        "name": s.name,
                    }
                    for s in f.steps
                ],
            }
        )
    return pa.Table.from_pylist(rows, schema=FINDINGS_SCHEMA)


def _used_rules(report: Report) -> list[Rule]:
    return list(report.rules.rules)


def _location(path: str | None, line: int | None, text: str | None = None) -> dict[str, Any]:
    loc: dict[str, Any] = {
        "physicalLocation": {
            "artifactLocation": {"uri": path or "", "uriBaseId": "%SRCROOT%"},
            "region": {"startLine": max(int(line or 1), 1)},
        }
    }
    if text:
        loc["message"] = {"text": text}
    return loc


def to_sarif(report: Report) -> dict[str, Any]:
    """One SARIF 2.1.0 log, one run per repo (README, "Security findings": the formats)."""
    rules = _used_rules(report)
    index = {r.id: i for i, r in enumerate(rules)}
    driver_rules = [
        {
            "id": r.id,
            "name": r.id.rpartition("/")[2].replace("-", " ").title().replace(" ", ""),
            "shortDescription": {"text": r.message.replace("{detail}", "see the result")},
            "fullDescription": {"text": f"CWE-{r.cwe}: {r.message.replace('{detail}', '...')}"},
            "defaultConfiguration": {"level": _SARIF_LEVEL[r.severity]},
            "helpUri": f"https://cwe.mitre.org/data/definitions/{r.cwe}.html",
            "properties": {
                "tags": ["security", f"external/cwe/cwe-{r.cwe}"],
                "precision": "high" if r.kind == "taint" else "medium",
                "security-severity": _SECURITY_SEVERITY[r.severity],
                "problem.severity": r.severity,
            },
        }
        for r in rules
    ]
    runs = []
    for repo in report.repos:
        results = []
        for f in (f for f in report.findings if f.repo == repo):
            res: dict[str, Any] = {
                "ruleId": f.rule_id,
                "ruleIndex": index[f.rule_id],
                "level": _SARIF_LEVEL[f.severity],
                "message": {"text": f.message},
                "locations": [_location(f.path, f.line)],
                "partialFingerprints": {"codeanatomy/v1": fingerprint(f)},
            }
            if f.source_id is not None and f.steps:
                res["codeFlows"] = [
                    {
                        "threadFlows": [
                            {
                                "locations": [
                                    {
                                        "location": _location(
                                            s.path,
                                            s.line,
                                            f"{s.kind.lower()} {s.name or ''}".strip(),
                                        )
                                    }
                                    for s in f.steps
                                ]
                            }
                        ]
                    }
                ]
            results.append(res)
        run: dict[str, Any] = {
            "tool": {
                "driver": {
                    "name": TOOL,
                    "version": VERSION,
                    "informationUri": INFO_URI,
                    "rules": driver_rules,
                }
            },
            "automationDetails": {"id": f"codeanatomy/{repo}/"},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }
        commit = report.commits.get(repo)
        if commit:
            run["versionControlProvenance"] = [
                {"repositoryUri": f"urn:codeanatomy:{repo}", "revisionId": commit}
            ]
        runs.append(run)
    return {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": runs,
    }


def format_findings(report: Report, fmt: str = "table") -> str:
    if fmt == "sarif":
        return json.dumps(to_sarif(report), indent=1)
    if fmt == "json":
        t = findings_table(report)
        return json.dumps({"repos": report.repos, "findings": t.to_pylist()}, indent=1)
    lines = [
        f"{len(report.findings)} finding(s) in {len(report.repos)} repo(s) "
        f"({', '.join(report.repos)})"
    ]
    for f in report.findings:
        where = f"{f.path}:{f.line}"
        lines.append(f"{f.severity.upper():<8} CWE-{f.cwe:<4} {f.rule_id:<30} {where}  {f.message}")
        if f.source_id is not None:
            for s in f.steps:
                lines.append(f"    {s.path}:{s.line}  {s.kind.lower()} {s.name or ''}".rstrip())
    return "\n".join(lines)


# -- the taint_findings Delta table -----------------------------------------------------
FINDINGS_TABLE = "taint_findings"
_META_REPO = "codeanatomy.repo"
_META_COMMIT = "codeanatomy.commit"


def write_findings(warehouse: str, report: Report, repo: str) -> int:
    """Replace ``repo``'s rows of ``taint_findings`` with the report's, in one Delta
    commit whose metadata names the repo and commit (so ``findings_at`` can find the
    findings of any commit, also one that had none). Returns the Delta version."""
    t = findings_table(report)
    t = t.filter(pa.compute.equal(t.column("repo"), repo))
    meta = {_META_REPO: repo, _META_COMMIT: report.commits.get(repo) or ""}
    return replace_repo_rows(warehouse, FINDINGS_TABLE, t, repo, commit_metadata=meta).version


def findings_at(warehouse: str, repo: str, commit: str, look_back: int = 200) -> set[str] | None:
    """Fingerprints of the findings recorded for ``repo`` at ``commit`` (the latest
    ``taint_findings`` version written for it), or None when none was recorded."""
    dt = open_table(warehouse, FINDINGS_TABLE)
    if dt is None or not commit:
        return None
    for h in dt.history(look_back):
        if h.get(_META_REPO) == repo and h.get(_META_COMMIT) == commit:
            old = DeltaTable(table_path(warehouse, FINDINGS_TABLE), version=int(h["version"]))
            rows = old.to_pyarrow_table(columns=["fingerprint"], filters=[("repo", "=", repo)])
            return set(rows.column("fingerprint").to_pylist())
    return None
