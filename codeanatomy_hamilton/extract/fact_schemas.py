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

from codeanatomy_hamilton.core.vocabulary import (
    FACT_COLUMNS,
    VF_ARG,
    VF_ATTR,
    VF_ELEM,
    VF_HOF,
    VF_IMPLICIT,
    VF_PARAM,
    VF_RAISE,
    VF_RET,
    VF_TRY,
)

_INT = {"callid": pa.int64(), "node_id": pa.int64(), "stmt_id": pa.int64(), "alias_id": pa.int64()}
_SMALL = {"pos": pa.int32(), "idx": pa.int32(), "star": pa.int32(), "level": pa.int32()}
_BOOL = {"top": pa.bool_()}

# the value-flow pass's tables (``extract.valueflow``), with their Arrow types
_I64, _I32, _STR = pa.int64(), pa.int32(), pa.string()
VF_FACT_SCHEMAS: dict[str, pa.Schema] = {
    # one row per argument / receiver of a call: kind p (positional, ``pos``), k
    # (keyword ``kw``), s (``*x`` at ``pos``), w (``**x``), r (receiver); ``meth`` the
    # attribute name of ``x.meth(...)`` (on every row of the call); ``key`` the
    # operand's points-to key (a container passed whole to an external call)
    VF_ARG: pa.schema(
        [
            ("callid", _I64),
            ("kind", _STR),
            ("pos", _I32),
            ("kw", _STR),
            ("node_id", _I64),
            ("meth", _STR),
            ("key", _STR),
        ]
    ),
    # one row per parameter: kind p (positional, ``pos``), k (keyword-only), v (*args),
    # w (**kwargs); ``mkind`` m/c/s for methods (first parameter bound or not)
    VF_PARAM: pa.schema(
        [
            ("fnode", _I64),
            ("kind", _STR),
            ("pos", _I32),
            ("name", _STR),
            ("node_id", _I64),
            ("mkind", _STR),
            ("qual", _STR),
        ]
    ),
    # returned (kind r) and yielded (y) value nodes of each function
    VF_RET: pa.schema([("fnode", _I64), ("kind", _STR), ("node_id", _I64)]),
    # attribute access: ``store`` 1 for a store (``node_id`` is the value stored), 0 for
    # a load (``node_id`` the Attribute); ``base`` the points-to key of the object or
    # ``bval`` the object itself (module / class bodies); ``alloc`` the allocation site
    # (call or display node) a local variable base was bound to once, 0 when unknown
    VF_ATTR: pa.schema(
        [
            ("node_id", _I64),
            ("store", _I32),
            ("base", _STR),
            ("bval", _STR),
            ("attr", _STR),
            ("base_node", _I64),
            ("alloc", _I64),
        ]
    ),
    # container elements: a store of the value at ``node_id`` (slot ``=tok`` or null
    # for unknown), a load into ``node_id`` (slot ``tok`` or null for any element)
    VF_ELEM: pa.schema(
        [
            ("node_id", _I64),
            ("store", _I32),
            ("base", _STR),
            ("bval", _STR),
            ("slot", _STR),
            ("base_node", _I64),
        ]
    ),
    # raised values per function (``fnode`` -1 at module level): the raised node, its
    # points-to key and the raise statement (``site``, whose call key ``@site`` holds
    # the raised class); calls and raises inside try bodies (``callid`` the call or
    # raise statement) -> every handler that may see them: ``ord`` (innermost try
    # first, then clause order), ``tkey`` the points-to key of one handler type (null:
    # bare ``except:``, "": a type without a key), ``named`` 1 for ``except ... as e``
    # (``sub`` 1: a bare ``raise`` in ``except T as e``, re-raising ``e``, an instance
    # of T or of a subclass of T; ``node_id`` is then the handler, ``key`` T's key)
    VF_RAISE: pa.schema(
        [("fnode", _I64), ("node_id", _I64), ("key", _STR), ("site", _I64), ("sub", _I32)]
    ),
    VF_TRY: pa.schema(
        [("callid", _I64), ("node_id", _I64), ("ord", _I32), ("tkey", _STR), ("named", _I32)]
    ),
    # implicit calls: ``for``/comprehension iteration (``__iter__``/``__next__``) and
    # ``with`` (``__enter__``), by the node performing them: the target their result
    # reaches and the receiver (the iterated object / context manager)
    VF_IMPLICIT: pa.schema([("callid", _I64), ("node_id", _I64), ("recv", _I64)]),
    # functions called back by the node ``callid`` (``map(f, xs)``, ``sorted(xs,
    # key=f)``, ``functools.partial(f, a)``, a decorator applied to a def): the value
    # at ``node_id`` reaches the callback's parameter at ``pos`` (or named ``kw``);
    # ``ret`` 1 when what the callback returns is the value of ``callid``
    VF_HOF: pa.schema(
        [("callid", _I64), ("node_id", _I64), ("pos", _I32), ("kw", _STR), ("ret", _I32)]
    ),
}

FACT_SCHEMAS: dict[str, pa.Schema] = {
    table: pa.schema(
        [(c, _INT.get(c) or _SMALL.get(c) or _BOOL.get(c) or pa.string()) for c in cols]
    )
    for table, cols in FACT_COLUMNS.items()
}
# the value-flow pass's tables travel the same way
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
    """One file's batch of fact table ``name``, cast (see ``cast_fact_table``); a batch
    already of the schema (as ``extract.file`` builds them) as it is."""
    if batch.schema.equals(FACT_SCHEMAS[name]):
        return batch
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
