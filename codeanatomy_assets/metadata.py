"""Engine diagnostics turned into Dagster asset metadata, curated for a reader.

The engine hands back plain data (``BuildResult``: counts, per-node records, the plan);
this module only reshapes it, so it works the same whatever executor ran the nodes.
The order is what the UI shows first:

1. scalars: rows in the partition (``dagster/row_count``, the repo's total after the
   write), rows this build wrote, files, extract errors, build seconds, mode, commit;
2. a query that runs as printed in ``codeanatomy sql``, the column schema (with the
   column descriptions of ``codeanatomy_hamilton.core.table_docs``);
3. per-stage seconds and cache counts as numbers (Dagster plots each over time);
4. the slowest Hamilton nodes as a small markdown table, the critical path;
5. everything else as one JSON entry at the end, ``codeanatomy/details``.
A value that does not apply is left out, never written as -1.
"""

import json
import os
from typing import Any

import dagster as dg
import pyarrow as pa

from codeanatomy_hamilton.build import BuildResult
from codeanatomy_hamilton.core.schema import ALL_TABLES
from codeanatomy_hamilton.core.table_docs import column_description
from codeanatomy_hamilton.runtime.driver import TABLE_OUTPUTS

from .warehouse import TableLocation, partition_rows

_TYPE_NAMES = {pa.int64(): "int64", pa.int32(): "int32", pa.string(): "string"}
# stages whose seconds are plotted (codeanatomy/seconds_<stage>)
STAGES = ("scan", "extract", "resolve", "emit", "store")
SLOWEST_NODES = 8


def column_schema(table: str, schema: pa.Schema) -> dg.TableSchema:
    return dg.TableSchema(
        columns=[
            dg.TableColumn(
                f.name,
                _TYPE_NAMES.get(f.type, str(f.type)),
                description=column_description(table, f.name) or None,
            )
            for f in schema
        ]
    )


def nodes_for_table(table: str, diagnostics: dict[str, Any]) -> list[str]:
    """The Hamilton nodes this table's materialization needed (its upstream closure)."""
    output = TABLE_OUTPUTS.get(table)
    by_output = diagnostics.get("upstream_by_output", {})
    if output in by_output:
        return list(by_output[output])
    return list(diagnostics.get("executed_nodes", []))  # run_manifest: the whole run


def _cell(value: Any) -> str:
    return "" if value is None else str(value).replace("|", "\\|")


def slowest_nodes_md(nodes: list[str], diagnostics: dict[str, Any]) -> str:
    """The slowest nodes of this table's closure as a narrow markdown table."""
    records = {r["node"]: r for r in diagnostics.get("nodes", [])}
    ranked = sorted(nodes, key=lambda n: -float(records.get(n, {}).get("seconds", 0.0)))
    lines = ["| node | layer | seconds | rows | cache |", "|---|---|---:|---:|---|"]
    for name in ranked[:SLOWEST_NODES]:
        rec = records.get(name, {})
        lines.append(
            f"| `{name}` | {_cell(rec.get('tags', {}).get('layer'))} | "
            f"{float(rec.get('seconds', 0.0)):.3f} | {_cell(rec.get('rows'))} | "
            f"{_cell(rec.get('cache'))} |"
        )
    if len(ranked) > SLOWEST_NODES:
        lines.append(f"\n{len(ranked) - SLOWEST_NODES} faster nodes in `codeanatomy/details`.")
    return "\n".join(lines)


def _details(table: str, result: BuildResult, nodes: list[str]) -> dict[str, Any]:
    diag = result.diagnostics or {}
    records = {r["node"]: r for r in diag.get("nodes", [])}
    plan = diag.get("plan", {})
    selected = set(nodes)
    details: dict[str, Any] = {
        "run_id": result.run_id,
        "lines": result.line_count,
        "plan_matches": bool(diag.get("plan_matches", False)),
        "cache_enabled": bool(diag.get("cache_enabled", False)),
        "hamilton_nodes": nodes,
        "executed_nodes": diag.get("executed_nodes", []),
        "generations": [
            g
            for g in ([n for n in gen if n in selected] for gen in plan.get("generations", []))
            if g
        ],
        "node_seconds": {n: round(float(records.get(n, {}).get("seconds", 0.0)), 6) for n in nodes},
    }
    if result.reason:
        details["full_build_reason"] = result.reason
    resolution = records.get("resolved", {}).get("stats")
    if resolution and "resolved" in selected:
        details["resolution"] = resolution
    fact = diag.get("node_facts", {}).get(TABLE_OUTPUTS.get(table) or "", {})
    if fact:
        details["plan_node_facts"] = json.loads(json.dumps(fact, default=str))
    return details


def table_metadata(table: str, result: BuildResult, warehouse: str) -> dict[str, Any]:
    loc = TableLocation(None, table, os.path.join(warehouse, table))
    meta: dict[str, Any] = {}
    write = result.writes.get(table)
    written = write.rows if write is not None else (1 if table == "run_manifest" else None)
    version = write.version if write is not None else result.manifest_version
    if os.path.isdir(os.path.join(loc.path, "_delta_log")):
        # the repo's rows in the table after this build: an incremental build writes
        # only what changed, which is ``codeanatomy/rows_written``
        meta["dagster/row_count"] = partition_rows(loc.path, "repo", [result.repo_id])
    if written is not None:
        meta["codeanatomy/rows_written"] = written
    meta["codeanatomy/files"] = result.file_count
    meta["codeanatomy/extract_errors"] = result.error_count
    meta["codeanatomy/build_seconds"] = round(result.seconds, 3)
    meta["codeanatomy/mode"] = result.mode
    if result.commit:
        meta["codeanatomy/commit"] = result.commit
    if result.base_commit:
        meta["codeanatomy/base_commit"] = result.base_commit
    meta["codeanatomy/query"] = dg.MetadataValue.md(
        f"```sql\n{loc.select('repo', [result.repo_id])}\n```"
    )
    meta["dagster/column_schema"] = column_schema(table, ALL_TABLES[table])
    meta["dagster/uri"] = dg.MetadataValue.path(loc.path)
    if version is not None and version >= 0:
        meta["codeanatomy/delta_version"] = version
    if result.warnings:
        meta["codeanatomy/warnings"] = "\n".join(result.warnings)
    diag = result.diagnostics or {}
    if not diag:
        return meta
    nodes = nodes_for_table(table, diag)
    for stage in STAGES:
        if stage in result.stage_seconds:
            meta[f"codeanatomy/seconds_{stage}"] = round(result.stage_seconds[stage], 3)
    records = {r["node"]: r for r in diag.get("nodes", [])}
    outcomes = [records.get(n, {}).get("cache") for n in nodes]
    if diag.get("cache_enabled"):
        meta["codeanatomy/cache_hits"] = outcomes.count("hit")
        meta["codeanatomy/cache_misses"] = outcomes.count("miss")
    meta["codeanatomy/slowest_nodes"] = dg.MetadataValue.md(slowest_nodes_md(nodes, diag))
    critical = [n for n in diag.get("plan", {}).get("critical_path", []) if n in set(nodes)]
    meta["codeanatomy/critical_path"] = dg.MetadataValue.md(
        " → ".join(f"`{n}`" for n in critical) or "(none)"
    )
    meta["codeanatomy/plan_signature"] = diag.get("plan_signature", "")
    meta["codeanatomy/details"] = dg.MetadataValue.json(_details(table, result, nodes))
    return meta
