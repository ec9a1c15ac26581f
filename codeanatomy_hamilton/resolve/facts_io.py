"""The ``rs_*`` fact tables of ``extract.facts`` with fixed Arrow types.

Per-file batches infer types (an all-null column is ``null``), so every table is cast
to the schema below once, and a table no file produced becomes an empty table.
"""

from __future__ import annotations

import pyarrow as pa

from ..extract.facts import FACT_COLUMNS

_INT = {"callid": pa.int64(), "node_id": pa.int64(), "stmt_id": pa.int64(), "alias_id": pa.int64()}
_SMALL = {"pos": pa.int32(), "idx": pa.int32(), "star": pa.int32(), "level": pa.int32()}
_BOOL = {"top": pa.bool_()}

FACT_SCHEMAS: dict[str, pa.Schema] = {
    table: pa.schema(
        [(c, _INT.get(c) or _SMALL.get(c) or _BOOL.get(c) or pa.string()) for c in cols]
    )
    for table, cols in FACT_COLUMNS.items()
}


def load_facts(raw: dict[str, pa.Table]) -> dict[str, pa.Table]:
    out: dict[str, pa.Table] = {}
    for name, schema in FACT_SCHEMAS.items():
        t = raw.get(name)
        if t is None or t.num_rows == 0:
            out[name] = schema.empty_table()
            continue
        cols = []
        for f in schema:
            if f.name in t.column_names:
                cols.append(t.column(f.name).cast(f.type))
            else:
                cols.append(pa.nulls(t.num_rows, f.type))
        out[name] = pa.Table.from_arrays(cols, schema=schema).combine_chunks()
    return out
