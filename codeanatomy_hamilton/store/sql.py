"""Read-only SQL over a warehouse with DataFusion: every Delta table registered by name
(the CPG tables by table name, downstream assets' tables as ``<schema>.<table>``).

Every table is read at the versions the newest successful build recorded
(``timetravel.latest_build_versions``), so a query sees one build, never the partial
commits of a running or killed one. A query runs under limits: a memory pool that
spills sorts, joins and aggregations to disk under ``<warehouse>/.codeanatomy/
sql-spill`` (``DEFAULT_MEMORY_MB``), a time limit (``DEFAULT_TIMEOUT_S``), and a cap on
the operators of one query (DataFusion's planner recurses per operator: a 16,000-term
expression overflowed the stack and killed the process; 6,000 terms took minutes).
Results are streamed batch by batch to the output, never held whole.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import threading
import time
from collections.abc import Iterator, Mapping
from typing import TextIO

import pyarrow as pa
from datafusion import RuntimeEnvBuilder, SessionConfig, SessionContext, SQLOptions
from datafusion.catalog import Schema
from deltalake import DeltaTable
from deltalake.exceptions import DeltaError

from codeanatomy_hamilton.core.messages import first_line
from codeanatomy_hamilton.store.delta import (
    list_schema_tables,
    list_tables,
    open_readable,
    table_path,
)
from codeanatomy_hamilton.store.timetravel import latest_build_versions

DEFAULT_MEMORY_MB = 2048
DEFAULT_TIMEOUT_S = 600.0
# operators (arithmetic, comparison, AND/OR, ...) in one query: 2,000 plan in well
# under a second; the planner's cost grows faster than linearly beyond
MAX_OPERATORS = 2000
# rows whose cells set the column widths of ``--format table`` (later rows are cut
# to those widths): a table is printed while it streams
TABLE_WIDTH_ROWS = 10_000


class QueryError(Exception):
    """A query that cannot run (bad SQL, a write, a missing table, a limit)."""


# deltalake's DataFusion scan (an FFI plan) yields its rows only on its first
# execution, so the recursive term of a WITH RECURSIVE query, which runs again per
# iteration, saw the tables empty after one round (datafusion 55, deltalake 1.6): such
# queries read the tables as pyarrow datasets instead
_RECURSIVE = re.compile(r"\bWITH\s+RECURSIVE\b", re.IGNORECASE)


def spill_dir(warehouse: str) -> str:
    return os.path.join(warehouse, ".codeanatomy", "sql-spill")


def session(
    warehouse: str,
    versions: Mapping[str, int] | None = None,
    memory_mb: float = DEFAULT_MEMORY_MB,
    datasets: bool = False,
) -> SessionContext:
    """A DataFusion session with the warehouse's tables at ``versions`` (default: the
    versions of the newest successful build), with a spilling memory pool
    (``datasets``: registered as pyarrow datasets, see ``_RECURSIVE``)."""
    if versions is None:
        try:
            versions = latest_build_versions(warehouse) or {}
        except DeltaError as exc:
            raise QueryError(f"run_manifest is unreadable: {first_line(exc)}") from None
    runtime = RuntimeEnvBuilder().with_fair_spill_pool(int(memory_mb * 1024 * 1024))
    spill = spill_dir(warehouse)
    try:
        os.makedirs(spill, exist_ok=True)
        can_spill = os.access(spill, os.W_OK)
    except OSError:
        can_spill = False
    # a read-only warehouse is still queried, within the memory limit, without spilling
    if can_spill:
        runtime = runtime.with_disk_manager_specified(spill)
    else:
        runtime = runtime.with_disk_manager_disabled()
    ctx = SessionContext(SessionConfig(), runtime)
    for name in list_tables(warehouse):
        try:
            dt = open_readable(warehouse, name, versions.get(name))
        except DeltaError as exc:
            raise QueryError(f"table {name} is unreadable: {first_line(exc)}") from None
        if datasets:
            ctx.register_dataset(name, dt.to_pyarrow_dataset())
        else:
            ctx.register_table(name, dt)
    # downstream assets' tables, as ``<schema>.<table>`` (schema = the asset key prefix),
    # at their newest version: no build manifest records them
    catalog = ctx.catalog()
    for schema, tables in list_schema_tables(warehouse).items():
        catalog.register_schema(schema, Schema.memory_schema())
        for name in tables:
            catalog.schema(schema).register_table(
                name, DeltaTable(table_path(os.path.join(warehouse, schema), name))
            )
    return ctx


READ_ONLY = SQLOptions().with_allow_ddl(False).with_allow_dml(False).with_allow_statements(False)

# a token scan that skips string literals, quoted names and comments
_TOKEN = re.compile(
    r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|--[^\n]*|/\*.*?\*/"
    r"|\b(?:AND|OR)\b|<>|!=|<=|>=|\|\||[-+*/%=<>]",
    re.S | re.I,
)


def check_complexity(sql: str, limit: int = MAX_OPERATORS) -> None:
    """Refuses a query with more than ``limit`` operators, before DataFusion parses it."""
    n = sum(
        1
        for m in _TOKEN.finditer(sql)
        if m.group()[0] not in "'\"" and m.group()[:2] not in ("--", "/*")
    )
    if n > limit:
        raise QueryError(f"query has {n} operators; the limit is {limit} (split the expression)")


@contextlib.contextmanager
def _time_limit(seconds: float | None) -> Iterator[None]:
    """Raises ``QueryError`` in the main thread after ``seconds``, wherever the query
    is then (DataFusion checks for Python signals while it waits on a query; the
    caller may be writing rows). Elsewhere than in the main thread, no limit."""
    if not seconds or threading.current_thread() is not threading.main_thread():
        yield
        return
    start = time.monotonic()

    def expired(signum: int, frame: object) -> None:
        raise QueryError(
            f"query stopped after {time.monotonic() - start:.0f} s "
            f"(time limit {seconds:g} s; --timeout)"
        )

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def stream(
    warehouse: str,
    sql: str,
    versions: Mapping[str, int] | None = None,
    *,
    timeout_s: float | None = DEFAULT_TIMEOUT_S,
    memory_mb: float = DEFAULT_MEMORY_MB,
) -> Iterator[pa.RecordBatch]:
    """The result of one read-only query, batch by batch, under the limits."""
    check_complexity(sql)
    spill = spill_dir(warehouse)
    made_spill = not os.path.isdir(spill)
    try:
        with _time_limit(timeout_s):
            ctx = session(warehouse, versions, memory_mb, bool(_RECURSIVE.search(sql)))
            try:
                df = ctx.sql_with_options(sql, READ_ONLY)
                schema = df.schema()
                empty = True
                for batch in df.execute_stream():
                    b = batch.to_pyarrow()
                    empty = False
                    yield b
                if empty:
                    yield pa.RecordBatch.from_pylist([], schema=schema)
            except (QueryError, GeneratorExit):
                raise
            except Exception as exc:  # DataFusion raises plain Exceptions
                raise QueryError(first_line(exc)) from None
    finally:
        if made_spill:
            shutil.rmtree(spill, ignore_errors=True)


def query(
    warehouse: str,
    sql: str,
    versions: Mapping[str, int] | None = None,
    *,
    timeout_s: float | None = DEFAULT_TIMEOUT_S,
    memory_mb: float = DEFAULT_MEMORY_MB,
) -> pa.Table:
    """The whole result of one read-only query (``stream`` collected)."""
    batches = list(stream(warehouse, sql, versions, timeout_s=timeout_s, memory_mb=memory_mb))
    return pa.Table.from_batches(batches)


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        return json.dumps(value, default=str)
    return str(value)


def write_result(batches: Iterator[pa.RecordBatch], fmt: str, out: TextIO) -> int:
    """Writes the batches to ``out`` as they come, in ``fmt``; returns the row count."""
    first = next(batches, None)
    if first is None:
        return 0
    cols = first.schema.names
    rows = 0

    def all_rows() -> Iterator[dict]:
        yield from first.to_pylist()
        for b in batches:
            yield from b.to_pylist()

    if fmt == "json":
        out.write("[")
        for i, r in enumerate(all_rows()):
            out.write((", " if i else "") + json.dumps(r, default=str))
            rows += 1
        out.write("]\n")
        return rows
    if fmt == "csv":
        import csv

        w = csv.writer(out, lineterminator="\n")
        w.writerow(cols)
        for r in all_rows():
            w.writerow([_text(r[c]) for c in cols])
            rows += 1
        return rows
    it = all_rows()
    head = []
    for r in it:
        head.append([_text(r[c]) for c in cols])
        if len(head) >= TABLE_WIDTH_ROWS:
            break
    widths = [len(c) for c in cols]
    for r in head:
        for i, v in enumerate(r):
            widths[i] = min(max(widths[i], len(v)), 80)
    line = "+".join("-" * (w + 2) for w in widths)
    out.write(" | ".join(c.ljust(w) for c, w in zip(cols, widths, strict=True)) + "\n")
    out.write(line + "\n")

    def emit(cells: list[str]) -> None:
        out.write(" | ".join(v[:w].ljust(w) for v, w in zip(cells, widths, strict=True)) + "\n")

    for cells in head:
        emit(cells)
    rows = len(head)
    for r in it:
        emit([_text(r[c]) for c in cols])
        rows += 1
    out.write(f"({rows} row{'s' if rows != 1 else ''})\n")
    return rows


def format_table(table: pa.Table, fmt: str) -> str:
    """``table`` as ``write_result`` prints it (without the final newline)."""
    import io

    buf = io.StringIO()
    batches = table.to_batches() or [pa.RecordBatch.from_pylist([], schema=table.schema)]
    write_result(iter(batches), fmt, buf)
    return buf.getvalue().rstrip("\n")
