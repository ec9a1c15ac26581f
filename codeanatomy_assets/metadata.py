"""Engine diagnostics turned into Dagster asset metadata.

The engine hands back plain data (``BuildResult.diagnostics``: the plan summary, one
record per Hamilton node, cache outcomes); this module only reshapes it into
``MaterializeResult`` metadata, so it works the same whatever executor ran the nodes.
"""

import json
import os
from typing import Any

import dagster as dg
import pyarrow as pa

from codeanatomy_hamilton.build import BuildResult
from codeanatomy_hamilton.driver import TABLE_OUTPUTS
from codeanatomy_hamilton.schema import ALL_TABLES

_TYPE_NAMES = {pa.int64(): "int64", pa.int32(): "int32", pa.string(): "string"}

NODE_TIMINGS_SCHEMA = dg.TableSchema(
    columns=[
        dg.TableColumn("node", "string"),
        dg.TableColumn("layer", "string"),
        dg.TableColumn("seconds", "float"),
        dg.TableColumn("rows", "int"),
        dg.TableColumn("cache", "string"),
        dg.TableColumn("generation", "int"),
        dg.TableColumn("on_critical_path", "bool"),
        dg.TableColumn("error", "string"),
    ]
)


def column_schema(schema: pa.Schema) -> dg.TableSchema:
    return dg.TableSchema(
        columns=[dg.TableColumn(f.name, _TYPE_NAMES.get(f.type, str(f.type))) for f in schema]
    )


def nodes_for_table(table: str, diagnostics: dict[str, Any]) -> list[str]:
    """The Hamilton nodes this table's materialization needed (its upstream closure)."""
    output = TABLE_OUTPUTS.get(table)
    by_output = diagnostics.get("upstream_by_output", {})
    if output in by_output:
        return list(by_output[output])
    return list(diagnostics.get("executed_nodes", []))  # run_manifest: the whole run


def node_timings_table(nodes: list[str], diagnostics: dict[str, Any]) -> dg.MetadataValue:
    records = {r["node"]: r for r in diagnostics.get("nodes", [])}
    facts = diagnostics.get("node_facts", {})
    rows = []
    for name in nodes:
        rec = records.get(name, {})
        fact = facts.get(name, {})
        rows.append(
            dg.TableRecord(
                {
                    "node": name,
                    "layer": str(rec.get("tags", {}).get("layer", "")),
                    "seconds": round(float(rec.get("seconds", 0.0)), 6),
                    "rows": rec.get("rows") if rec.get("rows") is not None else -1,
                    "cache": rec.get("cache") or "off",
                    "generation": fact.get("generation")
                    if fact.get("generation") is not None
                    else -1,
                    "on_critical_path": bool(fact.get("on_critical_path", False)),
                    "error": rec.get("error") or "",
                }
            )
        )
    return dg.MetadataValue.table(rows, schema=NODE_TIMINGS_SCHEMA)


def diagnostics_metadata(table: str, result: BuildResult) -> dict[str, Any]:
    """Plan, timing and cache metadata of one table's materialization."""
    diag = result.diagnostics or {}
    if not diag:
        return {}
    nodes = nodes_for_table(table, diag)
    records = {r["node"]: r for r in diag.get("nodes", [])}
    outcomes = [records.get(n, {}).get("cache") for n in nodes]
    plan = diag.get("plan", {})
    critical = [n for n in plan.get("critical_path", []) if n in set(nodes)]
    generations = [[n for n in g if n in set(nodes)] for g in plan.get("generations", [])]
    generations = [g for g in generations if g]
    meta: dict[str, Any] = {
        "codeanatomy/node_timings": node_timings_table(nodes, diag),
        "codeanatomy/hamilton_nodes": dg.MetadataValue.json(nodes),
        "codeanatomy/executed_nodes": dg.MetadataValue.json(diag.get("executed_nodes", [])),
        "codeanatomy/plan_matches": bool(diag.get("plan_matches", False)),
        "codeanatomy/cache_enabled": bool(diag.get("cache_enabled", False)),
        "codeanatomy/cache_hits": sum(1 for o in outcomes if o == "hit"),
        "codeanatomy/cache_misses": sum(1 for o in outcomes if o == "miss"),
        "codeanatomy/cache_recomputed": sum(1 for o in outcomes if o == "recompute"),
        "codeanatomy/plan_signature": diag.get("plan_signature", ""),
        "codeanatomy/critical_path": dg.MetadataValue.md(
            " -> ".join(f"`{n}`" for n in critical) or "(none)"
        ),
        "codeanatomy/critical_path_nodes": dg.MetadataValue.json(critical),
        "codeanatomy/generations": dg.MetadataValue.json(generations),
        "codeanatomy/hamilton_seconds": round(
            sum(float(records.get(n, {}).get("seconds", 0.0)) for n in nodes), 6
        ),
    }
    resolution = records.get("resolved", {}).get("stats")
    if resolution and "resolved" in nodes:
        # rounds, facts, truncation, and whether the last resolution was reused
        meta["codeanatomy/resolution"] = dg.MetadataValue.json(resolution)
    output = TABLE_OUTPUTS.get(table)
    fact = diag.get("node_facts", {}).get(output or "", {})
    if fact:
        # the plan facts of the store node that wrote this table (node tags as metadata)
        meta["codeanatomy/plan_generation"] = int(fact.get("generation") or 0)
        meta["codeanatomy/on_critical_path"] = bool(fact.get("on_critical_path"))
        meta["codeanatomy/plan_node_facts"] = dg.MetadataValue.json(
            json.loads(json.dumps(fact, default=str))
        )
    return meta


def table_metadata(table: str, result: BuildResult, warehouse: str) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "dagster/column_schema": column_schema(ALL_TABLES[table]),
        "dagster/uri": dg.MetadataValue.path(os.path.join(warehouse, table)),
        "codeanatomy/repo": result.repo_id,
        "codeanatomy/commit": result.commit or "",
        "codeanatomy/base_commit": result.base_commit or "",
        "codeanatomy/mode": result.mode,
        "codeanatomy/run_id": result.run_id,
        "codeanatomy/files": result.file_count,
        "codeanatomy/lines": result.line_count,
        "codeanatomy/extract_errors": result.error_count,
        "codeanatomy/build_seconds": round(result.seconds, 3),
        "codeanatomy/warnings": "\n".join(result.warnings) or "none",
    }
    write = result.writes.get(table)
    if write is not None:
        meta["dagster/row_count"] = write.rows
        meta["codeanatomy/delta_version"] = write.version
    elif table == "run_manifest" and result.manifest_version is not None:
        meta["dagster/row_count"] = 1
        meta["codeanatomy/delta_version"] = result.manifest_version
    meta.update(diagnostics_metadata(table, result))
    return meta
