"""Per-file fact batches come out of extraction with the types of ``FACT_SCHEMAS``
(so the summary's ``cast_fact_batch`` has nothing to cast), and values that do not
convert as typed still become the same rows as before (inferred, then cast)."""

from __future__ import annotations

import pyarrow as pa

from codeanatomy_hamilton.core.vocabulary import VF_ARG, VF_ATTR
from codeanatomy_hamilton.extract.fact_schemas import FACT_SCHEMAS, cast_fact_batch
from codeanatomy_hamilton.extract.file import _facts_batch, extract_file

SOURCE = b"""
import os

class Box:
    def __init__(self, v):
        self.v = v

def f(xs, *, key=None):
    b = Box(os.path.join("a", xs[0]))
    out = [b.v, key]
    out.append(sorted(xs, key=len))
    return out
"""


def test_fact_batches_have_schema_types() -> None:
    fx = extract_file("pkg/m.py", SOURCE)
    assert VF_ARG in fx.facts and VF_ATTR in fx.facts
    typed = [name for name in fx.facts if name in FACT_SCHEMAS]
    assert len(typed) >= 8
    for name in typed:
        batch = fx.facts[name]
        assert batch.schema.equals(FACT_SCHEMAS[name]), name
        # passed through unchanged by the summary's cast
        assert cast_fact_batch(name, batch) is batch


def test_values_not_convertible_as_typed_fall_back_to_cast() -> None:
    names = FACT_SCHEMAS[VF_ATTR].names
    row = {n: [None] for n in names}
    # a lone surrogate (Arrow needs UTF-8): escaped; a bool in an int32 column: cast
    row["node_id"], row["store"], row["attr"] = [7], [True], ["\ud800x"]
    batch = cast_fact_batch(VF_ATTR, _facts_batch(VF_ATTR, row))
    assert batch.schema.equals(FACT_SCHEMAS[VF_ATTR])
    assert batch.column("attr").to_pylist() == ["\\ud800x"]
    assert batch.column("store").to_pylist() == [1]
    # a column set other than the schema's: missing columns are nulls after the cast
    part = _facts_batch(VF_ATTR, {"node_id": [1, 2], "attr": ["a", "b"]})
    full = cast_fact_batch(VF_ATTR, part)
    assert full.schema.equals(FACT_SCHEMAS[VF_ATTR])
    assert full.column("base").to_pylist() == [None, None]
    assert full.column("node_id").type == pa.int64()
