"""Security findings from the CPG: taint tracking (sources to sinks over the value-flow
graph) and API misuse, driven by rules as data (``rules.yaml``).

    from codeanatomy_hamilton.security import find_findings
    report = find_findings("warehouse", repo="svc")        # a Report
    print(format_findings(report, "sarif"))

See ``engine`` for what the analysis does and ``rules`` for the rules file.
"""

from __future__ import annotations

from codeanatomy_hamilton.security.findings import Finding, Step
from codeanatomy_hamilton.security.report import (
    FINDINGS_SCHEMA,
    FindingsError,
    Report,
    find_findings,
    findings_table,
    format_findings,
    to_sarif,
)
from codeanatomy_hamilton.security.rules import RuleError, RuleSet, load_rules

__all__ = [
    "FINDINGS_SCHEMA",
    "Finding",
    "FindingsError",
    "Report",
    "RuleError",
    "RuleSet",
    "Step",
    "find_findings",
    "findings_table",
    "format_findings",
    "load_rules",
    "to_sarif",
]
