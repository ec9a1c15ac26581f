"""The fact tables (``rs_*`` of ``extract.facts``, columns in ``core.vocabulary``;
``vf_*`` of ``extract.valueflow``) with fixed Arrow types.

Per-file batches infer types (an all-null column is ``null``), so every table is cast
to the schema below, and a table no file produced becomes an empty table. Summaries
cast each file's batches once (``fragments.summarize``), so that batches of different
files concatenate without type promotion and the fragment-store pack
(``summary_pack``) can hold them as one table per fact table.
"""

from __future__ import annotations

import pyarrow as pa

from codeanatomy_hamilton.core.vocabulary import FACT_COLUMNS
from codeanatomy_hamilton.extract.valueflow import VF_FACT_SCHEMAS

_INT = {"callid": pa.int64(), "node_id": pa.int64(), "stmt_id": pa.int64(), "alias_id": pa.int64()}
_SMALL = {"pos": pa.int32(), "idx": pa.int32(), "star": pa.int32(), "level": pa.int32()}
_BOOL = {"top": pa.bool_()}

FACT_SCHEMAS: dict[str, pa.Schema] = {
    table: pa.schema(
        [(c, _INT.get(c) or _SMALL.get(c) or _BOOL.get(c) or pa.string()) for c in cols]
    )
    for table, cols in FACT_COLUMNS.items()
}
# the value-flow pass's tables (``extract.valueflow``) travel the same way
FACT_SCHEMAS.update(VF_FACT_SCHEMAS)


def cast_fact_table(name: str, t: pa.Table | pa.RecordBatch) -> pa.Table:
    """``t`` with the columns and types of ``FACT_SCHEMAS[name]`` (missing columns are
    nulls, extra columns dropped)."""
    schema = FACT_SCHEMAS[name]
    cols = []
    for f in schema:
        if f.name in t.schema.names:
            col = t.column(f.name)
            cols.append(col if col.type == f.type else col.cast(f.type))
        else:
            cols.append(pa.nulls(t.num_rows, f.type))
    return pa.Table.from_arrays(cols, schema=schema)


def cast_fact_batch(name: str, batch: pa.RecordBatch) -> pa.RecordBatch:
    """One file's batch of fact table ``name``, cast (see ``cast_fact_table``)."""
    table = cast_fact_table(name, batch).combine_chunks()
    batches = table.to_batches()
    return batches[0] if batches else pa.RecordBatch.from_pylist([], schema=table.schema)


def load_facts(raw: dict[str, pa.Table]) -> dict[str, pa.Table]:
    out: dict[str, pa.Table] = {}
    for name, schema in FACT_SCHEMAS.items():
        t = raw.get(name)
        if t is None or t.num_rows == 0:
            out[name] = schema.empty_table()
            continue
        out[name] = cast_fact_table(name, t).combine_chunks()
    return out
