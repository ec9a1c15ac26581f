"""Delta Lake storage: one Delta table per contract table under the warehouse.

Each build replaces only its own repo's rows, in one atomic Delta transaction per table
(``overwrite`` with a ``repo = ...`` predicate), so other repos in the same warehouse
and readers of the previous version are never disturbed.
"""

from __future__ import annotations

import logging
import os
import random
import time
from dataclasses import dataclass
from typing import Protocol

import pyarrow as pa
import pyarrow.compute as pc
from deltalake import CommitProperties, DeltaTable, write_deltalake
from deltalake.exceptions import CommitFailedError, DeltaError, TableNotFoundError

from .memory import release_memory
from .schema import partition_columns

log = logging.getLogger(__name__)

# Small data files keep min/max statistics selective for id lookups and let an
# incremental build rewrite little (see ``streams`` for the layout)
TARGET_FILE_BYTES = 1024 * 1024
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
    """The rows as a stream of record batches: the Delta writer encodes one batch at a
    time instead of first converting the whole table. A ``TableSource`` streams as it
    is produced (``streams``), so no whole table is ever built."""
    if isinstance(table, pa.Table):
        return table.to_reader(max_chunksize=STREAM_BATCH_ROWS)
    return table.reader()


def _with_other_repos(
    existing: DeltaTable, repo: str, new: pa.RecordBatchReader
) -> pa.RecordBatchReader:
    """Every other repo's rows of ``existing``, then ``new``: the content of a table
    rewritten whole (when its partition layout changes)."""
    schema = new.schema
    old = existing.to_pyarrow_dataset()
    missing = [f for f in schema if f.name not in old.schema.names]

    def batches():
        for b in old.scanner(
            filter=pc.field("repo") != repo, batch_size=STREAM_BATCH_ROWS
        ).to_batches():
            for f in missing:
                b = b.append_column(f, pa.nulls(b.num_rows, f.type))
            yield b.select(schema.names).cast(schema)
        yield from new

    return pa.RecordBatchReader.from_batches(schema, batches())


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
        layout = partition_columns(name)
        if existing is None:
            write_deltalake(
                path,
                _stream(table),
                mode="append",
                partition_by=layout,
                target_file_size=TARGET_FILE_BYTES,
                commit_properties=props,
            )
        elif list(existing.metadata().partition_columns) != layout:
            # a table of an older layout: rewritten whole, in one commit, with the
            # other repos' rows carried over (the build plan made this build full)
            write_deltalake(
                existing,
                _with_other_repos(existing, repo, _stream(table)),
                mode="overwrite",
                partition_by=layout,
                schema_mode="overwrite",
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
        if existing is None:
            return DeltaTable(path).version()
        # the writer updated ``existing`` to the version it committed (no second log read)
        return existing.version()

    version = _with_retries(write, name)
    # the encoder's buffers are garbage now; the next table's write reuses the pages
    release_memory()
    return TableWrite(name, version, _rows_written(table))


# an appended-to table (``run_manifest``: one row per build) is compacted once it has
# this many data files: every build reads it (``incremental.plan_build``, ``sql --at``),
# and 400 one-row files took 0.22 s to read against 0.01 s compacted
COMPACT_AFTER_FILES = 32


def append_rows(warehouse: str, name: str, table: pa.Table) -> TableWrite:
    path = table_path(warehouse, name)

    def write() -> int:
        write_deltalake(
            path, table, mode="append", partition_by=partition_columns(name), schema_mode="merge"
        )
        return DeltaTable(path).version()

    version = _with_retries(write, name)
    compact_small_files(warehouse, name)
    return TableWrite(name, version, table.num_rows)


def compact_small_files(warehouse: str, name: str, after: int = COMPACT_AFTER_FILES) -> bool:
    """Rewrites ``name``'s data files into few once it has more than ``after`` of them
    (Delta ``optimize``: a new version with the same rows; earlier versions stay
    readable). Best effort: a conflict with a concurrent writer leaves it for the next
    build. Returns whether it compacted."""
    dt = open_table(warehouse, name)
    if dt is None or len(dt.file_uris()) <= after:
        return False
    try:
        dt.optimize.compact()
    except (CommitFailedError, DeltaError) as exc:
        log.info("compaction of %s skipped: %s", name, exc)
        return False
    return True


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
