"""Delta Lake storage: one Delta table per contract table under the warehouse.

Each build replaces only its own repo's rows, in one atomic Delta transaction per table
(``overwrite`` with a ``repo = ...`` predicate), so other repos in the same warehouse
and readers of the previous version are never disturbed.
"""

from __future__ import annotations

import json
import logging
import os
import random
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Protocol

import pyarrow as pa
import pyarrow.compute as pc
from deltalake import CommitProperties, DeltaTable, write_deltalake
from deltalake.exceptions import CommitFailedError, DeltaError, TableNotFoundError

from codeanatomy_hamilton.core.memory import release_memory
from codeanatomy_hamilton.core.schema import partition_columns

log = logging.getLogger(__name__)

# Small data files keep min/max statistics selective for id lookups and let an
# incremental build rewrite little (see ``streams`` for the layout)
TARGET_FILE_BYTES = 1024 * 1024
COMMIT_RETRIES = 8

# Table properties every table gets:
# - a checkpoint every 10 commits: opening a table replays the JSON commits since the
#   last checkpoint, and a build opens each table a few times. With Delta's default
#   of 100, a warehouse that had 65 builds took 20 - 35 ms per open (0.45 s of a
#   2 - 3 s incremental build); after a checkpoint, 4 - 10 ms. A checkpoint costs
#   ~30 - 60 ms, once every 10 builds.
# - no expired-log cleanup: it deletes commits older than 30 days when a checkpoint
#   is written, and ``sql --at COMMIT`` (time travel through the versions recorded in
#   run_manifest) and ``incremental.writes_since`` (commit history) need them. Data
#   files are never vacuumed by the builds either, so every recorded version stays
#   readable; the commits are a few KB each.
TABLE_PROPERTIES = {
    "delta.checkpointInterval": "10",
    "delta.enableExpiredLogCleanup": "false",
}


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


# tables opened during one build (``shared_tables``), by path
_SHARED: ContextVar[dict[str, DeltaTable] | None] = ContextVar("codeanatomy_tables", default=None)


@contextmanager
def shared_tables() -> Iterator[None]:
    """Within the block, ``open_table`` opens each table once and brings the open table
    up to date on later calls (a look for newer commits, ~2 ms, instead of a log
    replay). A build plans, writes and records its manifest against the same tables:
    ~20 opens became ~10."""
    token = _SHARED.set({})
    try:
        yield
    finally:
        _SHARED.reset(token)


def open_table(warehouse: str, name: str) -> DeltaTable | None:
    path = table_path(warehouse, name)
    shared = _SHARED.get()
    dt = shared.get(path) if shared is not None else None
    if dt is not None:
        # another repo's build may have committed since (the build lock is per repo)
        dt.update_incremental()
        return dt
    try:
        dt = DeltaTable(path)
    except TableNotFoundError:
        return None
    if shared is not None:
        shared[path] = dt
    return dt


def ensure_properties(dt: DeltaTable) -> None:
    """Give a table created before ``TABLE_PROPERTIES`` existed those properties (one
    metadata commit, once). Best effort: a concurrent writer's conflict leaves it for
    the next build."""
    config = dt.metadata().configuration
    if all(config.get(k) == v for k, v in TABLE_PROPERTIES.items()):
        return
    try:
        dt.alter.set_table_properties(TABLE_PROPERTIES, raise_if_not_exists=False)
    except (CommitFailedError, DeltaError) as exc:
        log.info("table properties of %s not set: %s", dt.table_uri, exc)


def _writable(warehouse: str, name: str) -> DeltaTable | None:
    """The table a write goes to, with ``TABLE_PROPERTIES``; None: not created yet."""
    dt = open_table(warehouse, name)
    if dt is not None:
        ensure_properties(dt)
    return dt


def _created_version(warehouse: str, name: str) -> int:
    """The version of a table the write just created (a new table has no open handle)."""
    created = open_table(warehouse, name)
    assert created is not None, name
    return created.version()


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
        existing = _writable(warehouse, name)
        layout = partition_columns(name)
        if existing is None:
            write_deltalake(
                path,
                _stream(table),
                mode="append",
                partition_by=layout,
                target_file_size=TARGET_FILE_BYTES,
                commit_properties=props,
                configuration=TABLE_PROPERTIES,
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
            return _created_version(warehouse, name)
        # the writer updated ``existing`` to the version it committed (no second log read)
        return existing.version()

    def write_or_source_error() -> int:
        try:
            return write()
        except Exception as exc:
            # the rows' own producer failed (a damaged fragment): its exception, not
            # the Delta writer's text of it
            failure = getattr(table, "failure", None)
            if failure is not None:
                raise failure from exc
            raise

    version = _with_retries(write_or_source_error, name)
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
        existing = _writable(warehouse, name)
        if existing is None:
            write_deltalake(
                path,
                table,
                mode="append",
                partition_by=partition_columns(name),
                configuration=TABLE_PROPERTIES,
            )
            return _created_version(warehouse, name)
        write_deltalake(existing, table, mode="append", schema_mode="merge")
        return existing.version()

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


def list_schema_tables(warehouse: str) -> dict[str, list[str]]:
    """Delta tables one folder down, ``<warehouse>/<schema>/<table>``: tables of
    downstream assets, one schema per asset key prefix (the CPG tables sit at the top).
    A folder that is itself a table, and hidden folders, are not schemas."""
    out: dict[str, list[str]] = {}
    top = set(list_tables(warehouse))
    if not os.path.isdir(warehouse):
        return out
    for schema in sorted(os.listdir(warehouse)):
        folder = os.path.join(warehouse, schema)
        if schema in top or schema.startswith((".", "_")) or not os.path.isdir(folder):
            continue
        tables = list_tables(folder)
        if tables:
            out[schema] = tables
    return out


# -- damaged commits ---------------------------------------------------------------------


def _log_dir(warehouse: str, name: str) -> str:
    return os.path.join(table_path(warehouse, name), "_delta_log")


def damaged_last_commit(warehouse: str, name: str) -> tuple[int, str] | None:
    """(version, file) of ``name``'s newest commit when that file is not whole JSON
    lines (cut short by a crash of the disk or the machine, or garbled); None when it
    reads. A Delta commit is written whole under a new name, so only damage after the
    fact leaves one torn; every reader of the table fails on it."""
    log_dir = _log_dir(warehouse, name)
    try:
        commits = sorted(f for f in os.listdir(log_dir) if _COMMIT_NAME.fullmatch(f))
    except OSError:
        return None
    if not commits:
        return None
    path = os.path.join(log_dir, commits[-1])
    try:
        with open(path, "rb") as fh:
            lines = [line for line in fh.read().split(b"\n") if line.strip()]
        if not lines:
            raise ValueError("empty commit")
        for line in lines:
            if not isinstance(json.loads(line), dict):
                raise ValueError("not an action")
    except (OSError, ValueError):
        return int(commits[-1][:20]), path
    return None


_COMMIT_NAME = re.compile(r"\d{20}\.json")


def open_readable(warehouse: str, name: str, version: int | None = None) -> DeltaTable:
    """``name`` at ``version`` (default: newest) for reading; when that version's commit
    is damaged (``damaged_last_commit``), the version before it, the last good one."""
    path = table_path(warehouse, name)
    try:
        return DeltaTable(path, version=version)
    except DeltaError:
        damaged = damaged_last_commit(warehouse, name)
        if damaged is None or damaged[0] == 0 or (version is not None and version < damaged[0]):
            raise
        return DeltaTable(path, version=damaged[0] - 1)


class DamagedTableError(WarehouseError):
    """A table's newest commit is damaged and could not be set aside."""


REPAIRS_FILE = "repairs.json"


def _repairs_path(warehouse: str) -> str:
    return os.path.join(warehouse, ".codeanatomy", REPAIRS_FILE)


def rolled_back(warehouse: str) -> dict[str, list[tuple[int, float]]]:
    """Per table, (version, when) of each commit ``repair_damaged_tables`` set aside. A
    build that ended before ``when`` and recorded that version or a later one saw rows
    the table no longer holds: an incremental build from it is not safe
    (``incremental.writes_since``)."""
    try:
        with open(_repairs_path(warehouse)) as fh:
            data = json.load(fh)
        return {str(k): [(int(v), float(t)) for v, t in vs] for k, vs in data.items()}
    except (OSError, ValueError, TypeError, AttributeError):
        return {}


def repair_damaged_tables(warehouse: str) -> list[str]:
    """Sets aside the damaged newest commit of every table (moved to
    ``.codeanatomy/damaged/<table>/``), which returns the table to its last good
    version, and records the rollback (``rolled_back``); the build that repairs then
    runs in full. Returns one line per table repaired."""
    out = []
    for name in list_tables(warehouse):
        damaged = damaged_last_commit(warehouse, name)
        if damaged is None:
            continue
        version, path = damaged
        aside = os.path.join(warehouse, ".codeanatomy", "damaged", name)
        try:
            os.makedirs(aside, exist_ok=True)
            os.replace(path, os.path.join(aside, f"{os.path.basename(path)}.{int(time.time())}"))
        except OSError as exc:
            raise DamagedTableError(
                f"table {name} has a damaged last commit {path} and it cannot be moved "
                f"({exc.strerror or exc}); move it out of {os.path.dirname(path)} "
                "and run a full build"
            ) from None
        repairs = rolled_back(warehouse)
        repairs.setdefault(name, []).append((version, time.time()))
        tmp = _repairs_path(warehouse) + f".{os.getpid()}.tmp"
        with open(tmp, "w") as fh:
            json.dump(repairs, fh)
        os.replace(tmp, _repairs_path(warehouse))
        out.append(
            f"table {name}: damaged commit {version} set aside; the table is back at "
            f"version {version - 1}, so this build is a full one"
        )
    return out
