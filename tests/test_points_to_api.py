"""The points-to engine's query API (``resolve.points_to.core.PointsTo`` and its
``Interner``), which the stages after the fixed point read instead of its state, and
``arrays.isin_sorted``, the one membership helper of the resolver."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from codeanatomy_hamilton.core.arrays import isin_sorted, usort
from codeanatomy_hamilton.extract.file import extract_file
from codeanatomy_hamilton.resolve import resolve_repo
from codeanatomy_hamilton.resolve.points_to.core import ENCODED_COLUMNS, PointsTo
from codeanatomy_hamilton.resolve.points_to.interner import K_B, K_I, K_NONE
from tests.resolve_helpers import collect_resolve_input

SOURCE = b"""\
class A:
    def run(self, x, y=1, *rest, k=2, **kw):
        return x

class B(A):
    pass

def make():
    return B()

b = make()
b.run(1)
"""


def _fixed_point() -> PointsTo:
    """The fixed point of a resolution of ``m.py`` (handed out by ``on_interner``)."""
    inp = collect_resolve_input([extract_file("m.py", SOURCE)])
    got: list[PointsTo] = []
    inp.on_interner = got.append
    resolve_repo(inp)
    assert len(got) == 1
    return got[0]


def _ids(pt: PointsTo, *strings: str) -> np.ndarray:
    return pt.interner.lookup(pa.array(strings, pa.string()))


def test_isin_sorted_agrees_with_numpy_isin() -> None:
    rng = np.random.default_rng(7)
    for n in (0, 1, 5, 400):
        sorted_a = usort(rng.integers(-1, 60, n))
        q = rng.integers(-3, 70, 300)
        np.testing.assert_array_equal(isin_sorted(q, sorted_a), np.isin(q, sorted_a))
    assert isin_sorted(np.zeros(0, np.int64), np.arange(3)).shape == (0,)


def test_interner_encodes_decodes_and_describes_values() -> None:
    pt = _fixed_point()
    S = pt.interner
    make, fmake, absent = _ids(pt, "m.make", "f:m.make", "no such string")
    assert absent == -1 and make >= 0 and fmake >= 0
    assert S.decode(np.array([make, fmake])).to_pylist() == ["m.make", "f:m.make"]
    assert S.text(int(fmake)) == "f:m.make"
    assert S.quals(np.array([fmake])).tolist() == [make]
    assert S.kinds(np.array([make])).tolist() == [K_NONE]
    assert S.prefixed("f:", np.array([make])).tolist() == [fmake]
    # ``encode`` interns what ``lookup`` does not know; the same string, the same id
    new = S.encode(pa.array(["m.brand_new"]))
    assert new[0] >= 0 and _ids(pt, "m.brand_new").tolist() == new.tolist()


def test_values_params_and_mro_owner() -> None:
    pt = _fixed_point()
    S = pt.interner
    keys = np.append(_ids(pt, "m.b", "m.A.run.self", "m.make"), -1)
    li, v = pt.values_of(keys)
    held = {(int(i), S.text(int(x))) for i, x in zip(li, v, strict=True)}
    assert {(0, "i:m.B"), (1, "i:m.A"), (1, "i:m.B"), (2, "f:m.make")} <= held
    assert not any(i == 3 for i, _ in held)  # -1: no key
    np.testing.assert_array_equal(pt.fact_counts(keys), np.bincount(li, minlength=4))
    assert pt.fact_counts(np.array([-1, S.n + 10])).tolist() == [0, 0]
    # the instance of B: its class is m.B, ``run`` is found on m.A along the MRO
    inst = v[(li == 0) & (S.kinds(v) == K_I)]
    assert S.decode(S.quals(inst)).to_pylist() == ["m.B"]
    cls, run, a = _ids(pt, "m.B", "run", "m.A")
    assert pt.mro_owner(np.array([cls, a]), np.array([run, run])).tolist() == [a, a]
    assert pt.mro_owner(np.array([cls]), _ids(pt, "self")).tolist() == [-1]
    # parameters in ``rs_param`` order, positions -1 past the positional ones
    row, pos, key = pt.params_of(_ids(pt, "m.A.run", "m.make"))
    assert row.tolist() == [0] * 6 and pos.tolist() == [0, 1, 2, -1, -1, -1]
    assert S.decode(key).to_pylist() == [
        "m.A.run.self", "m.A.run.x", "m.A.run.y", "m.A.run.k", "m.A.run.rest", "m.A.run.kw",
    ]  # fmt: skip


def test_call_keys_hold_the_bound_method_keyed_by_its_class() -> None:
    pt = _fixed_point()
    S = pt.interner
    _, v = pt.values_of(pt.column_ids("rs_call", "ckey"))
    bound = v[S.kinds(v) == K_B]
    assert S.decode(bound).to_pylist() == ["b:m.A.run|m.A"]
    assert S.decode(S.quals(bound)).to_pylist() == ["m.A.run"]
    assert S.decode(S.seconds(bound)).to_pylist() == ["m.A"]


def test_kept_state_and_stats() -> None:
    pt = _fixed_point()
    state, encoded = pt.kept_state()
    assert list(encoded) == ENCODED_COLUMNS
    assert len(state["strings"]) == pt.interner.n
    keys = pt.column_ids("rs_param", "key")
    assert pt.interner.decode(keys).to_pylist()[:2] == ["m.A.run.self", "m.A.run.x"]
    stats = pt.stats()
    assert stats["resolve_rounds"] > 1
    assert stats["points_to_facts"] == pt.size() > 0
    assert stats["points_to_keys_bounded"] == stats["points_to_facts_not_propagated"] == 0
    assert stats["points_to_budget_hit"] == 0
