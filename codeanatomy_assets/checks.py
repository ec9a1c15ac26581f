"""Asset checks on the CPG outputs, evaluated with DataFusion SQL over the Delta tables.

Every check is scoped to one repo (the partition key): other repos in the same warehouse
neither hide nor cause a failure. The checks:

- ``schema_contract`` (every table): the columns docs/tables.md documents, with their types.
- ``unique_node_ids`` (``cpg_nodes``): no node id appears twice in the repo.
- ``edge_endpoints_exist`` (``cpg_edges``, ``cpg_edges_by_src``, ``cpg_edges_by_dst``):
  every ``src_id`` and ``dst_id`` is a ``node_id`` of the repo's ``cpg_nodes``.
- ``not_empty`` (``cpg_nodes``, ``cpg_edges``, ``file_index``): a repo with analysed
  Python files (rows in ``file_index``; for ``file_index`` itself, files the build saw)
  has rows.

They run inside the CPG multi-asset, right after the engine writes the tables, as
*blocking* checks: a wrong table fails the step, so no downstream asset (e.g. the call
graph metrics) reads it. ``evaluate`` is the same logic as plain Python, used by the
tests on deliberately corrupted tables and usable from a notebook.
"""

import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import dagster as dg
import pyarrow as pa
from datafusion import SessionContext

from codeanatomy_hamilton.core.schema import ALL_TABLES
from codeanatomy_hamilton.store.delta import open_table, sql_quote

EDGE_TABLES = ("cpg_edges", "cpg_edges_by_src", "cpg_edges_by_dst")
NON_EMPTY_TABLES = ("cpg_nodes", "cpg_edges", "file_index")

CHECK_DESCRIPTIONS = {
    "schema_contract": "The table has every column of the contract schema, with its type.",
    "unique_node_ids": "No node_id appears twice within the repo.",
    "edge_endpoints_exist": "Every src_id and dst_id is a node_id of the repo's cpg_nodes.",
    "not_empty": "A repo with analysed Python files has rows in this table.",
}


def checks_for_table(table: str) -> list[str]:
    names = ["schema_contract"]
    if table == "cpg_nodes":
        names.append("unique_node_ids")
    if table in EDGE_TABLES:
        names.append("edge_endpoints_exist")
    if table in NON_EMPTY_TABLES:
        names.append("not_empty")
    return names


@dataclass
class CheckOutcome:
    name: str
    table: str
    passed: bool
    description: str
    metadata: dict[str, Any] = field(default_factory=dict)


def _normalize(t: pa.DataType) -> str:
    """Type names with Delta's physical variations folded (large/view strings, etc.)."""
    if pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t):
        return "string"
    if pa.types.is_timestamp(t):
        return "timestamp"
    if pa.types.is_list(t) or pa.types.is_large_list(t) or pa.types.is_list_view(t):
        return f"list<{_normalize(t.value_type)}>"
    if pa.types.is_map(t):
        return f"map<{_normalize(t.key_type)},{_normalize(t.item_type)}>"
    return str(t)


def _session(warehouse: str, tables: Iterable[str]) -> SessionContext:
    ctx = SessionContext()
    for name in set(tables):
        dt = open_table(warehouse, name)
        if dt is not None:
            ctx.register_table(name, dt)
    return ctx


def _scalar(ctx: SessionContext, sql: str) -> int:
    batches = ctx.sql(sql).collect()
    for b in batches:
        if b.num_rows:
            v = b.column(0)[0].as_py()
            return int(v or 0)
    return 0


def check_schema(warehouse: str, table: str, repo: str) -> CheckOutcome:
    dt = open_table(warehouse, table)
    if dt is None:
        return CheckOutcome("schema_contract", table, False, f"table {table} does not exist")
    actual = {f.name: f.type for f in pa.schema(dt.schema().to_arrow())}
    problems = []
    for f in ALL_TABLES[table]:
        if f.name not in actual:
            problems.append(f"missing column {f.name}")
        elif _normalize(actual[f.name]) != _normalize(f.type):
            problems.append(f"{f.name}: {actual[f.name]} instead of {f.type}")
    return CheckOutcome(
        "schema_contract",
        table,
        not problems,
        "; ".join(problems) or "schema matches the contract",
        {"problems": problems, "columns": len(actual)},
    )


def check_unique_node_ids(warehouse: str, repo: str, table: str = "cpg_nodes") -> CheckOutcome:
    ctx = _session(warehouse, [table])
    dupes = _scalar(
        ctx,
        f"SELECT count(*) FROM (SELECT node_id FROM {table} WHERE repo = {sql_quote(repo)} "
        f"GROUP BY node_id HAVING count(*) > 1)",
    )
    return CheckOutcome(
        "unique_node_ids",
        table,
        dupes == 0,
        f"{dupes} node ids appear more than once" if dupes else "node ids are unique",
        {"duplicate_node_ids": dupes},
    )


def check_edge_endpoints(warehouse: str, repo: str, table: str = "cpg_edges") -> CheckOutcome:
    ctx = _session(warehouse, [table, "cpg_nodes"])
    r = sql_quote(repo)
    if not ctx.table_exist(table):
        return CheckOutcome("edge_endpoints_exist", table, False, f"table {table} does not exist")
    if not ctx.table_exist("cpg_nodes") or not _scalar(
        ctx, f"SELECT count(*) FROM cpg_nodes WHERE repo = {r}"
    ):
        # a subset run that wrote edges before any nodes exist: nothing to compare with
        return CheckOutcome(
            "edge_endpoints_exist",
            table,
            True,
            "skipped: cpg_nodes has no rows for this repo yet (materialize cpg/cpg_nodes)",
            {"skipped": True},
        )
    dangling = {}
    for end in ("src_id", "dst_id"):
        dangling[end] = _scalar(
            ctx,
            f"SELECT count(*) FROM (SELECT {end} AS id FROM {table} WHERE repo = {r}) e "
            f"LEFT JOIN (SELECT DISTINCT node_id FROM cpg_nodes WHERE repo = {r}) n "
            f"ON e.id = n.node_id WHERE n.node_id IS NULL",
        )
    total = sum(dangling.values())
    return CheckOutcome(
        "edge_endpoints_exist",
        table,
        total == 0,
        f"{dangling['src_id']} src_id and {dangling['dst_id']} dst_id values are not node ids"
        if total
        else "every edge endpoint is a node",
        {"dangling_src": dangling["src_id"], "dangling_dst": dangling["dst_id"]},
    )


def check_not_empty(
    warehouse: str, repo: str, table: str, file_count: int | None = None
) -> CheckOutcome:
    tables = [table, "file_index"]
    ctx = _session(warehouse, tables)
    registered = {t for t in tables if ctx.table_exist(t)}
    r = sql_quote(repo)
    rows = (
        _scalar(ctx, f"SELECT count(*) FROM {table} WHERE repo = {r}") if table in registered else 0
    )
    if table == "file_index" or "file_index" not in registered:
        files = file_count if file_count is not None else rows
    else:
        files = _scalar(ctx, f"SELECT count(*) FROM file_index WHERE repo = {r}")
        if file_count is not None:
            files = max(files, file_count)
    passed = rows > 0 or files == 0
    return CheckOutcome(
        "not_empty",
        table,
        passed,
        f"{rows} rows for {files} analysed files",
        {"rows": rows, "files": files},
    )


def evaluate(
    name: str, warehouse: str, table: str, repo: str, file_count: int | None = None
) -> CheckOutcome:
    """Run one check on one table of one repo."""
    if name == "schema_contract":
        return check_schema(warehouse, table, repo)
    if name == "unique_node_ids":
        return check_unique_node_ids(warehouse, repo, table)
    if name == "edge_endpoints_exist":
        return check_edge_endpoints(warehouse, repo, table)
    if name == "not_empty":
        return check_not_empty(warehouse, repo, table, file_count)
    raise KeyError(f"unknown check {name!r}")


def evaluate_all(
    warehouse: str, repo: str, tables: Iterable[str] | None = None
) -> list[CheckOutcome]:
    out = []
    for table in tables if tables is not None else ALL_TABLES:
        for name in checks_for_table(table):
            out.append(evaluate(name, warehouse, table, repo))
    return out


# -- Dagster ------------------------------------------------------------------------------
def check_specs(
    asset_key_for: Any, partitions_def: dg.PartitionsDefinition
) -> list[dg.AssetCheckSpec]:
    """The blocking check specs of every CPG table (attached to the multi-asset).

    Partitioned like the assets: each evaluation belongs to one repo, so the UI shows
    the partition of the latest execution and plots a check's metadata per repo.
    """
    with warnings.catch_warnings():
        # partitioned checks are a "preview" feature of Dagster 1.13 and warn once per
        # spec at import; it is the documented way to tie an evaluation to a partition
        warnings.filterwarnings(
            "ignore", message="Specifying a partitions_def on an AssetCheckSpec"
        )
        return [
            dg.AssetCheckSpec(
                name=name,
                asset=asset_key_for(table),
                description=CHECK_DESCRIPTIONS[name],
                blocking=True,
                partitions_def=partitions_def,
            )
            for table in ALL_TABLES
            for name in checks_for_table(table)
        ]


def check_result(outcome: CheckOutcome, asset_key: dg.AssetKey) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(
        asset_key=asset_key,
        check_name=outcome.name,
        passed=outcome.passed,
        severity=dg.AssetCheckSeverity.ERROR,
        description=outcome.description,
        metadata={
            k: v if isinstance(v, int | float | str | bool) else dg.MetadataValue.json(v)
            for k, v in outcome.metadata.items()
        },
    )
