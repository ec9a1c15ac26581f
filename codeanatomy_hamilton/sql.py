"""Read-only SQL over a warehouse with DataFusion: every Delta table registered by name."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping

import pyarrow as pa
from datafusion import SessionContext, SQLOptions
from deltalake import DeltaTable

from .store import list_tables, table_path


class QueryError(Exception):
    """A query that cannot run (bad SQL, a write, a missing table)."""


# deltalake's DataFusion scan (an FFI plan) yields its rows only on its first
# execution, so the recursive term of a WITH RECURSIVE query, which runs again per
# iteration, saw the tables empty after one round (datafusion 55, deltalake 1.6): such
# queries read the tables as pyarrow datasets instead
_RECURSIVE = re.compile(r"\bWITH\s+RECURSIVE\b", re.IGNORECASE)


def session(
    warehouse: str, versions: Mapping[str, int] | None = None, datasets: bool = False
) -> SessionContext:
    """A DataFusion session with the warehouse's tables, optionally at given versions
    (``datasets``: registered as pyarrow datasets, see ``_RECURSIVE``)."""
    ctx = SessionContext()
    for name in list_tables(warehouse):
        dt = DeltaTable(table_path(warehouse, name))
        if versions and name in versions:
            dt.load_as_version(versions[name])
        if datasets:
            ctx.register_dataset(name, dt.to_pyarrow_dataset())
        else:
            ctx.register_table(name, dt)
    return ctx


READ_ONLY = SQLOptions().with_allow_ddl(False).with_allow_dml(False).with_allow_statements(False)


def query(warehouse: str, sql: str, versions: Mapping[str, int] | None = None) -> pa.Table:
    ctx = session(warehouse, versions, datasets=bool(_RECURSIVE.search(sql)))
    try:
        df = ctx.sql_with_options(sql, READ_ONLY)
        return df.to_arrow_table()
    except Exception as exc:  # DataFusion raises plain Exceptions with its own message
        msg = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise QueryError(msg) from None


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        return json.dumps(value, default=str)
    return str(value)


def format_table(table: pa.Table, fmt: str) -> str:
    rows = table.to_pylist()
    cols = table.column_names
    if fmt == "json":
        return json.dumps(rows, default=str, indent=None)
    if fmt == "csv":
        import csv
        import io

        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(cols)
        for r in rows:
            w.writerow([_text(r[c]) for c in cols])
        return buf.getvalue().rstrip("\n")
    widths = [len(c) for c in cols]
    cells = [[_text(r[c]) for c in cols] for r in rows]
    for r in cells:
        for i, v in enumerate(r):
            widths[i] = min(max(widths[i], len(v)), 80)
    line = "+".join("-" * (w + 2) for w in widths)
    out = [" | ".join(c.ljust(w) for c, w in zip(cols, widths, strict=True)), line]
    for r in cells:
        out.append(" | ".join(v[:80].ljust(w) for v, w in zip(r, widths, strict=True)))
    out.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(out)
