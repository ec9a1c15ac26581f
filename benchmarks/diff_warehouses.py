"""Row-for-row comparison of two warehouses (e.g. one built before a change and one after).

    .venv/bin/python benchmarks/diff_warehouses.py WAREHOUSE_A WAREHOUSE_B [--repo ID]
        [--tables cpg_nodes,cpg_edges,...] [--show 20]

For every table both warehouses hold, counts the rows only in A and only in B (multiset
difference over every column but the run-specific ones), then breaks the differing rows
down by kind / ast_type / path so a reader can tell what moved, and prints a few of each.
Exit status 0 when every table is identical, 1 otherwise.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
from deltalake import DeltaTable

from codeanatomy_hamilton.core.schema import CPG_TABLES

# columns that differ between two builds of the same input by design
RUN_COLUMNS = {"run_id", "started_at", "ended_at", "build_seconds", "stage_seconds"}
# every contract table a build writes but the manifest (whose rows carry run ids)
DEFAULT_TABLES = tuple(CPG_TABLES)
BREAKDOWN = ("kind", "ast_type", "error_kind", "key")


def read(warehouse: Path, table: str, repo: str | None) -> pa.Table | None:
    path = warehouse / table
    if not (path / "_delta_log").is_dir():
        return None
    t = DeltaTable(str(path)).to_pyarrow_table()
    if repo is not None and "repo" in t.column_names:
        t = t.filter(pc.equal(t["repo"], repo))
    keep = [c for c in t.column_names if c not in RUN_COLUMNS and c != "repo"]
    return t.select(sorted(keep))


def _text(col: pa.ChunkedArray) -> pa.Array:
    """The column as text: a cast where Arrow has one, else each value's repr (map and
    list columns such as ``cpg_props_map.props``, entries in stored order)."""
    if pa.types.is_nested(col.type):
        return pa.array([None if v is None else repr(v) for v in col.to_pylist()], pa.string())
    return pc.cast(col, pa.string())


def row_keys(t: pa.Table) -> pa.Array:
    """One text key per row, with nulls spelled apart from every value (joins drop nulls)."""
    parts = [pc.fill_null(_text(t[c]), "\x00null") for c in t.column_names]
    return pc.binary_join_element_wise(*parts, "\x1f")


def only_in(a: pa.Table, b: pa.Table) -> pa.Table:
    """Rows of ``a`` (with multiplicity) beyond those of ``b``, with an ``extra`` count."""
    ka = pa.table({"k": row_keys(a)}).group_by(["k"]).aggregate([([], "count_all")])
    kb = pa.table({"k": row_keys(b)}).group_by(["k"]).aggregate([([], "count_all")])
    joined = ka.join(kb, keys="k", join_type="left outer", right_suffix="_b")
    extra = pc.subtract(joined["count_all"], pc.fill_null(joined["count_all_b"], 0))
    diff = pa.table({"k": joined["k"], "extra": extra}).filter(pc.greater(extra, 0))
    # back to the rows themselves, one per differing key
    # (joins carry no map or list columns: those are shown as text)
    shown = pa.table(
        {c: _text(a[c]) if pa.types.is_nested(a[c].type) else a[c] for c in a.column_names}
    )
    rows = shown.append_column("k", row_keys(a))
    picked = rows.join(diff, keys="k", join_type="inner")
    first = picked.group_by(["k"], use_threads=False).aggregate(
        [(c, "first") for c in a.column_names]
    )
    first = first.rename_columns([c.removesuffix("_first") for c in first.column_names])
    out = first.join(diff, keys="k").drop(["k"])
    return out


def breakdown(t: pa.Table) -> str:
    parts = []
    for col in BREAKDOWN:
        if col in t.column_names and t.num_rows:
            g = (
                t.group_by([col])
                .aggregate([("extra", "sum")])
                .sort_by([("extra_sum", "descending")])
            )
            top = ", ".join(f"{r[col]}={r['extra_sum']}" for r in g.slice(0, 8).to_pylist())
            parts.append(f"by {col}: {top}")
    if "path" in t.column_names and t.num_rows:
        g = (
            t.group_by(["path"])
            .aggregate([("extra", "sum")])
            .sort_by([("extra_sum", "descending")])
        )
        parts.append(
            f"{g.num_rows} paths, top: "
            + ", ".join(f"{r['path']}={r['extra_sum']}" for r in g.slice(0, 5).to_pylist())
        )
    return "\n    ".join(parts)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("a", type=Path)
    ap.add_argument("b", type=Path)
    ap.add_argument("--repo")
    ap.add_argument("--tables", default=",".join(DEFAULT_TABLES))
    ap.add_argument("--show", type=int, default=5)
    args = ap.parse_args(argv)
    same = True
    for table in args.tables.split(","):
        ta, tb = read(args.a, table, args.repo), read(args.b, table, args.repo)
        if ta is None or tb is None:
            print(f"{table}: missing in {'A' if ta is None else 'B'}")
            same = False
            continue
        common = [c for c in ta.column_names if c in tb.column_names]
        if set(common) != set(ta.column_names) | set(tb.column_names):
            print(f"{table}: columns differ; comparing {common}")
        ta, tb = ta.select(common), tb.select(common)
        a_only, b_only = only_in(ta, tb), only_in(tb, ta)
        na = pc.sum(a_only["extra"]).as_py() or 0
        nb = pc.sum(b_only["extra"]).as_py() or 0
        print(
            f"{table}: A {ta.num_rows} rows, B {tb.num_rows} rows; only in A {na}, only in B {nb}"
        )
        for label, d in (("only in A", a_only), ("only in B", b_only)):
            if d.num_rows:
                same = False
                print(f"  {label}:\n    {breakdown(d)}")
                for row in d.slice(0, args.show).to_pylist():
                    print(f"      {row}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
