"""The warehouse IO manager: downstream assets read CPG tables and write their own.

Where a table lives follows from its asset key, and nothing else:

- ``cpg/<table>`` (the CPG assets): ``<warehouse>/<table>``, queried as ``<table>``.
  Only the engine writes these; the IO manager refuses to, whoever asks.
- ``<prefix>/<name>`` (any other asset): ``<warehouse>/<schema>/<name>``, queried as
  ``<schema>.<name>`` in ``codeanatomy sql``, where ``schema`` is the key prefix (parts
  of a longer prefix joined by ``__``). A different prefix is a different table:
  ``mine/file_index`` is ``<warehouse>/mine/file_index``, never the CPG's
  ``file_index``. A key without a prefix, or with a reserved one (``cpg``, ``public``,
  a CPG table name), is refused with a message that says what to do.

Partitioned assets replace only their partitions' rows (``partition_expr`` metadata,
default ``repo``; the column must hold the partition key) in one atomic Delta commit;
commit conflicts with a concurrent run are retried. Inputs arrive as a
``pyarrow.Table`` (or ``pyarrow.RecordBatchReader`` / ``pyarrow.dataset.Dataset`` by
annotation) holding only the partition's rows and the ``columns`` an ``AssetIn``'s
metadata lists.

CPG tables are read at the Delta versions the newest successful build recorded in
``run_manifest`` (``timetravel.latest_build_versions``), through dagster-deltalake's
``DeltaTableResource`` pinned at that version (``cpg_table_resource``): a downstream
asset never sees the partial commits of a running or killed build.

This replaces dagster-deltalake's IO manager, which wrote every table at
``<root>/<key prefix>/<table>`` regardless of where the engine keeps the CPG tables and,
with deltalake 1.x, logged a warning and a DeprecationWarning on every output.
"""

from __future__ import annotations

import os
import random
import re
import time
import warnings
from dataclasses import dataclass
from typing import Any

import dagster as dg
import pyarrow as pa
import pyarrow.dataset as pads
from dagster_deltalake import DeltaTableResource, LocalConfig
from deltalake import DeltaTable, write_deltalake
from deltalake.exceptions import CommitFailedError, DeltaError, TableNotFoundError
from pydantic.warnings import PydanticDeprecatedSince20

from codeanatomy_hamilton.core.schema import ALL_TABLES
from codeanatomy_hamilton.store.delta import sql_quote, table_path
from codeanatomy_hamilton.store.timetravel import latest_build_versions

CPG_PREFIX = "cpg"
WAREHOUSE_IO = "codeanatomy_warehouse_io"
DEFAULT_PARTITION_EXPR = "repo"
# schemas a downstream table may not use: the CPG's own prefix and DataFusion's names
RESERVED_SCHEMAS = frozenset({CPG_PREFIX, "public", "information_schema", "datafusion"})
COMMIT_RETRIES = 6
_PLAIN_IDENT = re.compile(r"^[a-z_][a-z0-9_]*$")
_KEY_PART = re.compile(r"^[A-Za-z0-9_]+$")


class WarehouseWriteError(Exception):
    """An asset's output cannot go to the warehouse (the message says why and what to do)."""


def sql_ident(name: str) -> str:
    """``name`` as DataFusion reads it: unquoted when plain, else double-quoted."""
    return name if _PLAIN_IDENT.match(name) else '"' + name.replace('"', '""') + '"'


@dataclass(frozen=True)
class TableLocation:
    """Where one asset's Delta table lives and the name ``codeanatomy sql`` knows it by."""

    schema: str | None  # None: a CPG table at the top of the warehouse
    table: str
    path: str

    @property
    def sql_name(self) -> str:
        name = sql_ident(self.table)
        return name if self.schema is None else f"{sql_ident(self.schema)}.{name}"

    def select(self, partition_expr: str | None = None, keys: list[str] | None = None) -> str:
        """A query that runs as printed in ``codeanatomy sql``."""
        sql = f"SELECT * FROM {self.sql_name}"
        if partition_expr and keys:
            sql += f" WHERE {sql_ident(partition_expr)} IN ({', '.join(map(sql_quote, keys))})"
        return sql + " LIMIT 100"


def is_cpg_key(key: dg.AssetKey) -> bool:
    return len(key.path) == 2 and key.path[0] == CPG_PREFIX and key.path[1] in ALL_TABLES


def table_location(warehouse: str, key: dg.AssetKey) -> TableLocation:
    """The table of asset ``key`` (see the module docstring); raises WarehouseWriteError
    for keys that cannot have one."""
    if is_cpg_key(key):
        return TableLocation(None, key.path[-1], table_path(warehouse, key.path[-1]))
    user = key.to_user_string()
    if len(key.path) < 2:
        raise WarehouseWriteError(
            f"asset {user!r} has no key prefix: the warehouse keeps downstream tables under "
            f"<warehouse>/<prefix>/<name> so they never mix with the CPG tables; give the "
            f"asset a key prefix, e.g. key_prefix='mine'"
        )
    bad = [p for p in key.path if not _KEY_PART.match(p)]
    if bad:
        raise WarehouseWriteError(
            f"asset {user!r}: key part {bad[0]!r} is not a table or schema name (use letters, digits, _)"
        )
    schema = "__".join(key.path[:-1])
    if schema.lower() in RESERVED_SCHEMAS or schema in ALL_TABLES:
        raise WarehouseWriteError(
            f"asset {user!r}: key prefix {schema!r} is reserved (the CPG tables are written "
            f"by the engine only); choose another prefix"
        )
    folder = os.path.join(warehouse, schema)
    if os.path.isdir(os.path.join(folder, "_delta_log")):
        raise WarehouseWriteError(
            f"asset {user!r}: {folder} is a table, not a schema folder; choose another prefix"
        )
    return TableLocation(schema, key.path[-1], table_path(folder, key.path[-1]))


def cpg_table_resource(warehouse: str, table: str, repo: str | None = None) -> DeltaTableResource:
    """dagster-deltalake's resource for CPG table ``table``, pinned at the Delta version
    the newest successful build (of ``repo``, else of any repo) recorded, so whoever loads
    it reads one build (``None``: no build recorded yet, the newest version)."""
    if table not in ALL_TABLES:
        raise KeyError(f"{table!r} is not a CPG table (one of {', '.join(ALL_TABLES)})")
    versions = latest_build_versions(warehouse, repo) or {}
    return DeltaTableResource(
        url=table_path(warehouse, table), storage_options=LocalConfig(), version=versions.get(table)
    )


def load_table(resource: DeltaTableResource) -> DeltaTable:
    """``resource.load()``: dagster-deltalake 0.29's ``LocalConfig`` still calls pydantic's
    ``dict()``, deprecated in pydantic 2, on every load; a user sees no warning for it."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=PydanticDeprecatedSince20)
        return resource.load()


def partition_rows(path: str, column: str, keys: list[str]) -> int:
    """Rows of the given partitions, from the Delta log's per-file statistics (no data
    read); counted from the data where a file has no statistics."""
    dt = DeltaTable(path)
    actions = pa.table(dt.get_add_actions(flatten=True))
    part = f"partition.{column}"
    if part in actions.column_names and "num_records" in actions.column_names:
        wanted = set(keys)
        counts = [
            n
            for p, n in zip(
                actions[part].to_pylist(), actions["num_records"].to_pylist(), strict=True
            )
            if p in wanted
        ]
        if None not in counts:
            return int(sum(counts))
    dataset = dt.to_pyarrow_dataset()
    return dataset.count_rows(filter=pads.field(column).isin(keys))


def _as_table(obj: Any) -> pa.Table:
    if isinstance(obj, pa.Table):
        return obj
    if isinstance(obj, pa.RecordBatchReader):
        return obj.read_all()
    if isinstance(obj, pads.Dataset):
        return obj.to_table()
    raise WarehouseWriteError(
        f"the warehouse IO manager stores pyarrow Tables, not {type(obj).__name__}"
    )


def _with_retries(write: Any) -> None:
    for attempt in range(COMMIT_RETRIES):
        try:
            write()
            return
        except CommitFailedError:
            # a concurrent run committed to the same table first; Delta's optimistic
            # commit needs a retry against the new version
            if attempt == COMMIT_RETRIES - 1:
                raise
            time.sleep(0.05 * 2**attempt + random.random() * 0.05)


class WarehouseIOManager(dg.IOManager):
    """Reads CPG and downstream tables, writes downstream tables (never CPG tables)."""

    def __init__(self, warehouse: str) -> None:
        self.warehouse = os.path.abspath(warehouse)

    # -- writing ---------------------------------------------------------------------------
    def handle_output(self, context: dg.OutputContext, obj: Any) -> None:
        if obj is None:
            return
        key = context.asset_key
        if is_cpg_key(key):
            raise WarehouseWriteError(
                f"asset {key.to_user_string()!r} is a CPG table: only the CodeAnatomy engine "
                f"writes CPG tables; give your asset another key prefix"
            )
        loc = table_location(self.warehouse, key)
        table = _as_table(obj)
        meta = dict(context.definition_metadata or {})
        os.makedirs(os.path.dirname(loc.path), exist_ok=True)
        if context.has_asset_partitions:
            column = str(meta.get("partition_expr") or DEFAULT_PARTITION_EXPR)
            keys = sorted(context.asset_partition_keys)
            self._check_partition_column(key, table, column, keys)
            self._write_partitions(loc, table, column, keys)
            rows = partition_rows(loc.path, column, keys)
            query = loc.select(column, keys)
        else:
            _with_retries(
                lambda: write_deltalake(loc.path, table, mode="overwrite", schema_mode="overwrite")
            )
            rows = table.num_rows
            query = loc.select()
        context.add_output_metadata(
            {
                "dagster/row_count": rows,
                "codeanatomy/rows_written": table.num_rows,
                "dagster/table_name": loc.sql_name,
                "dagster/uri": dg.MetadataValue.path(loc.path),
                "codeanatomy/query": dg.MetadataValue.md(f"```sql\n{query}\n```"),
                "codeanatomy/delta_version": DeltaTable(loc.path).version(),
            }
        )

    @staticmethod
    def _check_partition_column(
        key: dg.AssetKey, table: pa.Table, column: str, keys: list[str]
    ) -> None:
        if column not in table.column_names:
            raise WarehouseWriteError(
                f"asset {key.to_user_string()!r} is partitioned: its table needs a {column!r} "
                f"column holding the partition key (set partition_expr metadata to name another)"
            )
        values = set(table.column(column).unique().to_pylist())
        stray = sorted(str(v) for v in values - set(keys))
        if stray:
            raise WarehouseWriteError(
                f"asset {key.to_user_string()!r}: column {column!r} holds {stray[:3]} but the run "
                f"writes partition(s) {keys}; rows of other partitions would never be replaced"
            )

    @staticmethod
    def _write_partitions(
        loc: TableLocation, table: pa.Table, column: str, keys: list[str]
    ) -> None:
        predicate = f"{sql_ident(column)} IN ({', '.join(map(sql_quote, keys))})"

        def write() -> None:
            try:
                DeltaTable(loc.path)
            except TableNotFoundError:
                write_deltalake(loc.path, table, mode="overwrite", partition_by=[column])
                return
            try:
                # replaces exactly these partitions' rows, atomically; other repos stay
                write_deltalake(loc.path, table, mode="overwrite", predicate=predicate)
            except DeltaError as exc:
                if isinstance(exc, CommitFailedError):
                    raise
                raise WarehouseWriteError(
                    f"cannot write {loc.sql_name} ({loc.path}): {str(exc).splitlines()[0]}; "
                    f"if the asset's columns changed, delete that folder once or use a new key"
                ) from None

        _with_retries(write)

    # -- reading ---------------------------------------------------------------------------
    def load_input(self, context: dg.InputContext) -> Any:
        key = context.asset_key
        loc = table_location(self.warehouse, key)
        try:
            if loc.schema is None:  # a CPG table: at the newest complete build
                keys = list(context.asset_partition_keys) if context.has_asset_partitions else []
                repo = keys[0] if len(keys) == 1 else None
                dt = load_table(cpg_table_resource(self.warehouse, loc.table, repo))
            else:
                dt = DeltaTable(loc.path)
        except TableNotFoundError:
            raise WarehouseWriteError(
                f"table {loc.sql_name} of asset {key.to_user_string()!r} does not exist in "
                f"{self.warehouse}: materialize it first"
            ) from None
        dataset = dt.to_pyarrow_dataset()
        row_filter = None
        if context.has_asset_partitions:
            upstream = context.upstream_output
            upstream_meta = dict(upstream.definition_metadata or {}) if upstream else {}
            column = str(upstream_meta.get("partition_expr") or DEFAULT_PARTITION_EXPR)
            row_filter = pads.field(column).isin(list(context.asset_partition_keys))
        columns = (context.definition_metadata or {}).get("columns")
        wanted = context.dagster_type.typing_type
        if wanted is pads.Dataset:
            return dataset if row_filter is None else dataset.filter(row_filter)
        scanner = dataset.scanner(columns=columns, filter=row_filter)
        if wanted is pa.RecordBatchReader:
            return scanner.to_reader()
        return scanner.to_table()


@dg.io_manager(
    required_resource_keys={"codeanatomy"},
    description="Reads CPG tables and writes downstream tables as Delta tables in the "
    "CodeAnatomy warehouse (<warehouse>/<key prefix>/<name>); never writes CPG tables.",
)
def warehouse_io_manager(init_context: dg.InitResourceContext) -> WarehouseIOManager:
    """The IO manager for downstream assets; the warehouse comes from the ``codeanatomy``
    resource, so it needs no settings of its own."""
    return WarehouseIOManager(init_context.resources.codeanatomy.warehouse_path())
