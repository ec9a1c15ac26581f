"""Delta Lake storage: one Delta table per contract table under the warehouse.

Each build replaces only its own repo's rows, in one atomic Delta transaction per table
(``overwrite`` with a ``repo = ...`` predicate), so other repos in the same warehouse
and readers of the previous version are never disturbed.
"""

from __future__ import annotations

import os
import random
import time
from dataclasses import dataclass
from typing import Protocol

import pyarrow as pa
from deltalake import CommitProperties, DeltaTable, write_deltalake
from deltalake.exceptions import CommitFailedError, TableNotFoundError

# files of roughly this size keep min/max statistics selective for id lookups
TARGET_FILE_BYTES = 32 * 1024 * 1024
COMMIT_RETRIES = 8


class WarehouseError(Exception):
    """The warehouse cannot be used (not writable, not a directory)."""


@dataclass(frozen=True)
class TableWrite:
    table: str
    version: int
    rows: int


def table_path(warehouse: str, name: str) -> str:
    return os.path.join(warehouse, name)


def check_warehouse(warehouse: str) -> None:
    """Create the warehouse folder if needed and prove it is writable."""
    try:
        os.makedirs(warehouse, exist_ok=True)
        probe = os.path.join(warehouse, f".write-probe-{os.getpid()}")
        with open(probe, "w") as fh:
            fh.write("ok")
        os.remove(probe)
    except OSError as exc:
        raise WarehouseError(
            f"warehouse {warehouse} is not writable: {exc.strerror or exc}"
        ) from None


def sql_quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def open_table(warehouse: str, name: str) -> DeltaTable | None:
    try:
        return DeltaTable(table_path(warehouse, name))
    except TableNotFoundError:
        return None


def _with_retries(action, what: str):
    """Delta commits from concurrent writers conflict; retry with jittered backoff."""
    delay = 0.05
    for attempt in range(COMMIT_RETRIES):
        try:
            return action()
        except CommitFailedError:
            if attempt == COMMIT_RETRIES - 1:
                raise
            time.sleep(delay + random.random() * delay)
            delay *= 2
    raise AssertionError(what)


# rows per record batch handed to the Delta writer (see ``_stream``)
STREAM_BATCH_ROWS = 128 * 1024


class TableSource(Protocol):
    """A table produced on demand (``streams.TableStream``): each ``reader()`` starts
    over, so a retried commit can stream it again."""

    rows_streamed: int

    def reader(self) -> pa.RecordBatchReader: ...


def _rows_written(data: pa.Table | TableSource) -> int:
    return data.num_rows if isinstance(data, pa.Table) else data.rows_streamed


def _stream(table: pa.Table | TableSource) -> pa.RecordBatchReader:
    """The table as a stream of record batches: the Delta writer then encodes one batch
    at a time instead of first converting the whole table, which about halves the
    memory a write of a large table (millions of edges) needs on top of the table.
    Dictionary-encoded columns are decoded batch by batch, so the Delta schema holds
    the contract's plain types. A ``TableSource`` streams as it is produced."""
    if not isinstance(table, pa.Table):
        return table.reader()
    plain = pa.schema(
        [
            f.with_type(f.type.value_type) if pa.types.is_dictionary(f.type) else f
            for f in table.schema
        ]
    )
    if plain == table.schema:
        return table.to_reader(max_chunksize=STREAM_BATCH_ROWS)
    batches = (b.cast(plain) for b in table.to_batches(max_chunksize=STREAM_BATCH_ROWS))
    return pa.RecordBatchReader.from_batches(plain, batches)


def replace_repo_rows(
    warehouse: str,
    name: str,
    table: pa.Table | TableSource,
    repo: str,
    predicate: str | None = None,
    commit_metadata: dict[str, str] | None = None,
) -> TableWrite:
    """Atomically replace the rows matching ``predicate`` (default: this repo's rows).

    ``commit_metadata`` goes into the Delta commit info (``DeltaTable.history()``)."""
    path = table_path(warehouse, name)
    pred = predicate or f"repo = {sql_quote(repo)}"
    props = CommitProperties(custom_metadata=commit_metadata) if commit_metadata else None

    def write() -> int:
        existing = open_table(warehouse, name)
        if existing is None:
            write_deltalake(
                path,
                _stream(table),
                mode="append",
                partition_by=["repo"],
                target_file_size=TARGET_FILE_BYTES,
                commit_properties=props,
            )
        else:
            write_deltalake(
                existing,
                _stream(table),
                mode="overwrite",
                predicate=pred,
                target_file_size=TARGET_FILE_BYTES,
                # tables written before a column was added (path/origin) take it on
                schema_mode="merge",
                commit_properties=props,
            )
        return DeltaTable(path).version()

    version = _with_retries(write, name)
    return TableWrite(name, version, _rows_written(table))


def append_rows(warehouse: str, name: str, table: pa.Table) -> TableWrite:
    path = table_path(warehouse, name)

    def write() -> int:
        write_deltalake(path, table, mode="append", partition_by=["repo"], schema_mode="merge")
        return DeltaTable(path).version()

    version = _with_retries(write, name)
    return TableWrite(name, version, table.num_rows)


def current_version(warehouse: str, name: str) -> int | None:
    dt = open_table(warehouse, name)
    return None if dt is None else dt.version()


def skip_write(warehouse: str, name: str) -> TableWrite:
    """A write with nothing to replace: no commit, the table stays at its version."""
    version = current_version(warehouse, name)
    return TableWrite(name, -1 if version is None else version, 0)


def list_tables(warehouse: str) -> list[str]:
    if not os.path.isdir(warehouse):
        return []
    return sorted(
        d for d in os.listdir(warehouse) if os.path.isdir(os.path.join(warehouse, d, "_delta_log"))
    )
