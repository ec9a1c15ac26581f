"""Security findings as a Dagster asset: ``security/taint_findings``.

One partition per repo, downstream of the CPG tables it reads (``cpg_nodes``,
``cpg_edges``, ``cpg_props``). Its automation condition is ``eager``: the sensor
``security_findings_sensor`` (on by default) requests it for a repo as soon as a CPG
build of that repo has landed. The engine (``codeanatomy_hamilton.security``) runs the
shipped rules and writes the repo's rows of the Delta table ``taint_findings`` in the
warehouse in one commit that records the commit analysed.

Metadata: counts per CWE and per severity, a markdown table of the top findings with
file:line, the commit and base commit. The check ``no_new_findings`` compares with the
findings recorded for the build's base commit: it fails (ERROR) when this push brings a
finding the base commit did not have, warns when findings remain but none is new, and
passes when there are none.
"""

from collections import Counter
from collections.abc import Iterator

import dagster as dg

from codeanatomy_hamilton.security import find_findings
from codeanatomy_hamilton.security.report import (
    FINDINGS_TABLE,
    findings_at,
    fingerprint,
    latest_build,
    write_findings,
)
from codeanatomy_hamilton.store.sql import session

from .cpg_assets import asset_key as cpg_key
from .partitions import repos_partitions
from .resources import CodeAnatomyResource

SECURITY_GROUP = "security"
FINDINGS_KEY = dg.AssetKey(["security", FINDINGS_TABLE])
NEW_FINDINGS_CHECK = "no_new_findings"
TOP = 20


def _markdown(findings: list, limit: int = TOP) -> str:
    rank = {"error": 0, "warning": 1, "note": 2}
    top = sorted(findings, key=lambda f: (rank.get(f.severity, 3), f.path or "", f.line or 0))
    lines = ["| severity | CWE | rule | location | message |", "|---|---|---|---|---|"]
    for f in top[:limit]:
        lines.append(
            f"| {f.severity} | CWE-{f.cwe} | {f.rule_id} | `{f.path}:{f.line}` | {f.message} |"
        )
    if not top:
        lines.append("| - | - | - | - | no findings |")
    return "\n".join(lines)


@dg.asset(
    key=FINDINGS_KEY,
    group_name=SECURITY_GROUP,
    partitions_def=repos_partitions,
    deps=[cpg_key("cpg_nodes"), cpg_key("cpg_edges"), cpg_key("cpg_props")],
    automation_condition=dg.AutomationCondition.eager(),
    kinds={"deltalake"},
    metadata={"dagster/table_name": FINDINGS_TABLE, "partition_expr": "repo"},
    check_specs=[
        dg.AssetCheckSpec(
            NEW_FINDINGS_CHECK,
            asset=FINDINGS_KEY,
            description=(
                "Fails when this build has a finding the base commit did not have; "
                "warns when findings remain but none is new."
            ),
        )
    ],
)
def taint_findings(
    context: dg.AssetExecutionContext, codeanatomy: CodeAnatomyResource
) -> Iterator[dg.MaterializeResult | dg.AssetCheckResult]:
    """Taint and API-misuse findings of the repo's CPG (rules: codeanatomy_hamilton/
    security/rules.yaml), one row per finding with its source-to-sink steps."""
    repo = context.partition_key
    wh = codeanatomy.warehouse_path()
    commit, base = latest_build(session(wh), repo)
    report = find_findings(wh, repo=repo)
    # the base commit's findings, read before this write replaces the repo's rows
    baseline = findings_at(wh, repo, base) if base else None
    version = write_findings(wh, report, repo)
    found = report.findings
    prints = {fingerprint(f): f for f in found}
    new = [] if baseline is None else [f for k, f in prints.items() if k not in baseline]
    by_cwe = Counter(f"CWE-{f.cwe}" for f in found)
    by_sev = Counter(f.severity for f in found)
    yield dg.MaterializeResult(
        metadata={
            "dagster/row_count": len(found),
            "findings_by_cwe": dg.MetadataValue.json(dict(sorted(by_cwe.items()))),
            "findings_by_severity": dg.MetadataValue.json(dict(sorted(by_sev.items()))),
            "top_findings": dg.MetadataValue.md(_markdown(found)),
            "commit": commit or "",
            "base_commit": base or "",
            "new_findings": len(new),
            "delta_version": version,
            "analysis_seconds": round(report.seconds.get(repo, 0.0), 3),
        }
    )
    meta = {
        "findings": len(found),
        "new_findings": len(new),
        "baseline": "none recorded for the base commit" if baseline is None else base or "",
        "new": dg.MetadataValue.md(_markdown(new)),
    }
    if new:
        yield dg.AssetCheckResult(
            check_name=NEW_FINDINGS_CHECK,
            passed=False,
            severity=dg.AssetCheckSeverity.ERROR,
            metadata=meta,
            description=f"{len(new)} finding(s) that base commit {base} did not have",
        )
    else:
        yield dg.AssetCheckResult(
            check_name=NEW_FINDINGS_CHECK,
            passed=not found,
            severity=dg.AssetCheckSeverity.WARN,
            metadata=meta,
        )


security_findings_sensor = dg.AutomationConditionSensorDefinition(
    "security_findings_sensor",
    target=dg.AssetSelection.assets(FINDINGS_KEY),
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Materializes security/taint_findings of a repo after each CPG build of it.",
)

SECURITY_ASSETS = [taint_findings]
SECURITY_SENSORS = [security_findings_sensor]
