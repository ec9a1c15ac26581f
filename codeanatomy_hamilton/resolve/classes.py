"""Inheritance after stage A: base classes, C3 MRO, and the MRO lookup tables.

Base-class expressions were evaluated by the stage-A points-to (so bases reached
through imports, aliases and re-exports resolve); the linearisation itself is C3 in
Python over the classes (thousands of rows, with memoisation), and the lookup tables
(first class along the MRO that defines an attribute; the same after a given class,
for ``super()``) are joins in DataFusion.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

_MRO = pa.schema([("cls", pa.string()), ("pos", pa.int32()), ("owner", pa.string())])


@dataclass
class Hierarchy:
    bases: dict[str, list[str]] = field(default_factory=dict)  # class -> base values
    mro: dict[str, list[str]] = field(default_factory=dict)  # class -> c:/x: values
    errors: dict[str, str] = field(default_factory=dict)
    lookup: pa.Table | None = None
    superlookup: pa.Table | None = None
    self_init: pa.Table | None = None


def _merge(seqs: list[list[str]]) -> list[str] | None:
    seqs = [list(s) for s in seqs if s]
    out: list[str] = []
    while seqs:
        for s in seqs:
            head = s[0]
            if not any(head in t[1:] for t in seqs):
                break
        else:
            return None
        out.append(head)
        seqs = [t[1:] if t[0] == head else t for t in seqs]
        seqs = [t for t in seqs if t]
    return out


def _linearise(h: Hierarchy) -> None:
    state: dict[str, int] = {}

    def mro_of(v: str) -> list[str]:
        if not v.startswith("c:"):
            return [v]
        q = v[2:]
        got = h.mro.get(q)
        if got is not None:
            return got
        if state.get(q) == 1:  # inheritance cycle
            h.errors[q] = "inheritance cycle"
            return [v]
        state[q] = 1
        bases = [b for b in h.bases.get(q, []) if b != v]
        seqs = [mro_of(b) for b in bases]
        merged = _merge([*seqs, bases])
        if merged is None:
            h.errors[q] = "C3 linearisation failed; depth-first order used"
            merged = []
            for s in seqs:
                for x in s:
                    if x not in merged:
                        merged.append(x)
        res = [v, *merged]
        h.mro[q] = res
        state[q] = 2
        return res

    for q in list(h.bases):
        mro_of("c:" + q)


def class_hierarchy(pt: Any, facts: dict[str, pa.Table]) -> Hierarchy:
    h = Hierarchy()
    pt.register("__base", facts["rs_base"])
    rows = pt.sql(
        """SELECT b.cls, b.idx, p.val FROM __base b JOIN pt p ON p.key = b.key
           WHERE substr(p.val, 1, 2) IN ('c:', 'x:') ORDER BY b.cls, b.idx, p.val"""
    ).to_pydict()
    for q in (
        facts["rs_def"]
        .filter(pa.compute.starts_with(facts["rs_def"].column("val"), "c:"))
        .column("qual")
        .to_pylist()
    ):
        h.bases.setdefault(q, [])
    for q, v in zip(rows["cls"], rows["val"], strict=False):
        lst = h.bases.setdefault(q, [])
        if v not in lst:
            lst.append(v)
    _linearise(h)
    cls_l: list[str] = []
    pos_l: list[int] = []
    own_l: list[str] = []
    for q, seq in h.mro.items():
        for i, v in enumerate(seq):
            cls_l.append(q)
            pos_l.append(i)
            own_l.append(v[2:] if v.startswith("c:") else v)
    pt.register("mro", pa.table({"cls": cls_l, "pos": pos_l, "owner": own_l}, schema=_MRO))
    pt.register("__cattr", facts["rs_cattr"])
    h.lookup = pt.sql(
        """WITH ca AS (SELECT DISTINCT cls, attr FROM __cattr),
           j AS (SELECT m.cls, ca.attr, m.owner, m.pos FROM mro m JOIN ca ON ca.cls = m.owner),
           f AS (SELECT cls, attr, min(pos) AS mp FROM j GROUP BY cls, attr)
           SELECT j.cls, j.attr, j.owner FROM j JOIN f
             ON j.cls = f.cls AND j.attr = f.attr AND j.pos = f.mp"""
    )
    h.superlookup = pt.sql(
        """WITH ca AS (SELECT DISTINCT cls, attr FROM __cattr),
           k AS (SELECT m.cls, m.owner AS k, m.pos AS kp FROM mro m
                 WHERE m.owner IN (SELECT DISTINCT cls FROM sup)),
           j AS (SELECT k.k, k.cls, ca.attr, m.owner, m.pos FROM k
                 JOIN mro m ON m.cls = k.cls AND m.pos > k.kp
                 JOIN ca ON ca.cls = m.owner),
           f AS (SELECT k, cls, attr, min(pos) AS mp FROM j GROUP BY k, cls, attr)
           SELECT j.k, j.cls, j.attr, j.owner FROM j JOIN f
             ON j.k = f.k AND j.cls = f.cls AND j.attr = f.attr AND j.pos = f.mp"""
    )
    # methods of classes without subclasses in the repo: self can only be that class
    h.self_init = pt.sql(
        """SELECT p.key, CASE WHEN d.mkind = 'c' THEN 'c:' ELSE 'i:' END || d.cls AS val
           FROM __defs d JOIN params p ON p.fkey = substr(d.val, 3) AND p.pos = 0
           WHERE (d.mkind = 'm' OR d.mkind = 'c')
             AND d.cls NOT IN (SELECT owner FROM mro WHERE pos > 0)"""
    )
    return h
