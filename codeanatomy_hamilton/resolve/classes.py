"""Inheritance after stage A: base classes, C3 MRO, and the MRO lookup tables.

Base-class expressions were evaluated by the stage-A points-to (so bases reached
through imports, aliases and re-exports resolve); the linearisation itself is C3 in
Python over the classes (thousands of rows, with memoisation), and the lookup tables
(first class along the MRO that defines an attribute; the same after a given class,
for ``super()``) are vectorised joins (numpy) over the MRO rows with the class and
attribute names encoded as ints once.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from codeanatomy_hamilton.core.arrays import expand, usort
from codeanatomy_hamilton.core.vocabulary import (
    PREFIX_LEN,
    RS_BASE,
    RS_CATTR,
    RS_DEF,
    RS_SUPER,
    MethodKind,
    Val,
)
from codeanatomy_hamilton.resolve.points_to.core import PointsTo
from codeanatomy_hamilton.resolve.points_to.interner import K_C, K_X


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
        if not v.startswith(Val.CLASS):
            return [v]
        q = v[PREFIX_LEN:]
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
        mro_of(Val.CLASS + q)


def _base_rows(pt: PointsTo, base: pa.Table) -> list[tuple[str, int, str]]:
    """(class, base index, value) of every class or external value a base-class
    expression may hold, sorted (class, index, value)."""
    S = pt.interner
    li, v = pt.values_of(S.lookup(base.column("key")))
    kind = S.kinds(v)
    ok = (kind == K_C) | (kind == K_X)
    li, v = li[ok], v[ok]
    cls = base.column("cls").to_pylist()
    idx = base.column("idx").to_pylist()
    text = S.text
    rows = [(cls[i], idx[i], text(x)) for i, x in zip(li.tolist(), v.tolist(), strict=True)]
    # a null index sorts last (as SQL's ascending NULLS LAST)
    rows.sort(key=lambda r: (r[0], r[1] is None, r[1] or 0, r[2]))
    return rows


def _first_rows(groups: list[np.ndarray], pos: np.ndarray) -> np.ndarray:
    """Indices of the rows with the least ``pos`` of each group (rows grouped by the
    columns ``groups``): one per group."""
    if not len(pos):
        return np.zeros(0, np.int64)
    o = np.lexsort((pos, *reversed(groups)))
    return o[_group_starts(groups, o)]


def _group_starts(groups: list[np.ndarray], o: np.ndarray) -> np.ndarray:
    """Mask of the rows (in the order ``o``) that start a new group."""
    start = np.zeros(len(o), bool)
    start[:1] = True
    for g in groups:
        gs = g[o]
        start[1:] |= gs[1:] != gs[:-1]
    return start


def _lookups(h: Hierarchy, facts: dict[str, pa.Table]) -> tuple[pa.Table, pa.Table]:
    """``lookup`` (cls, attr, owner): the first class along the MRO of ``cls`` that
    defines ``attr``; ``superlookup`` (k, cls, attr, owner): the same after class ``k``
    in the MRO of ``cls``, for ``super()`` in methods of ``k`` (only classes that
    use ``super()``)."""
    cls_l: list[str] = []
    own_l: list[str] = []
    pos_l: list[int] = []
    for q, seq in h.mro.items():
        for i, v in enumerate(seq):
            cls_l.append(q)
            pos_l.append(i)
            own_l.append(v[PREFIX_LEN:] if v.startswith(Val.CLASS) else v)
    ca, sup = facts[RS_CATTR], facts[RS_SUPER]
    # one int code per distinct string of the columns that are compared
    parts = [
        pa.array(cls_l, pa.string()),
        pa.array(own_l, pa.string()),
        ca.column("cls").combine_chunks().cast(pa.string()),
        ca.column("attr").combine_chunks().cast(pa.string()),
        sup.column("cls").combine_chunks().cast(pa.string()),
    ]
    de = pc.dictionary_encode(pa.concat_arrays(parts))
    codes = de.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)
    names = de.dictionary
    cut = np.cumsum([0, *(len(x) for x in parts)])
    m_cls, m_own, c_cls, c_attr, s_cls = (
        codes[a:b] for a, b in zip(cut[:-1], cut[1:], strict=True)
    )
    m_pos = np.array(pos_l, np.int64)
    ok = (c_cls >= 0) & (c_attr >= 0)
    pairs = usort((c_cls[ok] << 32) | c_attr[ok])  # DISTINCT cls, attr
    c_cls, c_attr = pairs >> 32, pairs & 0xFFFFFFFF

    # class -> its attribute rows (c_cls is sorted)
    def attrs_of(owner: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        lo = np.searchsorted(c_cls, owner, "left")
        hi = np.searchsorted(c_cls, owner, "right")
        return expand(lo, hi - lo, None)

    def table(cols: dict[str, np.ndarray]) -> pa.Table:
        # dictionary-encoded over ``names``: the tables have a row per (class,
        # attribute) along every MRO (tens of millions on the whole stdlib, ~1.8 GiB
        # as plain strings); the interner reads the codes without decoding them
        return pa.table(
            {
                k: pa.DictionaryArray.from_arrays(pa.array(v, pa.int32()), names)
                for k, v in cols.items()
            }
        )

    # lookup: MRO rows x attributes of their owner, the least position per (cls, attr)
    r, t = attrs_of(m_own)
    jc, ja, jo, jp = m_cls[r], c_attr[t], m_own[r], m_pos[r]
    f = _first_rows([jc, ja], jp)
    lookup = table({"cls": jc[f], "attr": ja[f], "owner": jo[f]})
    # superlookup: MRO rows whose owner uses super() (k at kp), x the later MRO rows
    # of the same class (rows of a class are contiguous, by position), x attributes
    sup_cls = usort(s_cls[s_cls >= 0])
    kr = np.nonzero(np.isin(m_own, sup_cls))[0]
    n = len(m_cls)
    block_end = np.empty(n, np.int64)
    if n:
        starts = _group_starts([m_cls], np.arange(n))
        first = np.nonzero(starts)[0]
        ends = np.append(first[1:], n)
        block_end[:] = np.repeat(ends, np.diff(np.append(first, n)))
    ki, mr = expand(kr + 1, block_end[kr] - kr - 1, None)
    kk, kc, mo, mp = m_own[kr][ki], m_cls[kr][ki], m_own[mr], m_pos[mr]
    r, t = attrs_of(mo)
    jk, jc, ja, jo, jp = kk[r], kc[r], c_attr[t], mo[r], mp[r]
    f = _first_rows([jk, jc, ja], jp)
    superlookup = table({"k": jk[f], "cls": jc[f], "attr": ja[f], "owner": jo[f]})
    return lookup, superlookup


def _subclasses(h: Hierarchy) -> dict[str, list[str]]:
    """Class -> itself and every class of the repository whose MRO holds it (sorted)."""
    out: dict[str, set[str]] = {}
    for q, seq in h.mro.items():
        for v in seq:
            if v.startswith(Val.CLASS):
                out.setdefault(v[PREFIX_LEN:], set()).add(q)
    return {k: sorted(v) for k, v in out.items()}


def _self_init(pt: PointsTo, h: Hierarchy, defs: pa.Table) -> pa.Table:
    """``self`` (the first parameter of a method of class K) is any instance of K or of
    a subclass of K in the repository (the class for classmethods): methods are mostly
    entered from outside the code that creates their instances (tests, frameworks,
    ``repr()``), so the class hierarchy, not the instances created in the repository,
    says what ``self`` may be. Bound methods are keyed by the class that defines them
    (``PointsTo._transform``), so a method reached through many subclasses is still
    one value per call site."""
    subs = _subclasses(h)
    mk = defs.column("mkind")
    # ``__new__`` is a static method whose first parameter is the class
    new = pc.and_(pc.equal(mk, MethodKind.STATIC), pc.ends_with(defs.column("val"), ".__new__"))
    keep = pc.or_(pc.is_in(mk, value_set=pa.array([MethodKind.METHOD, MethodKind.CLASS])), new)
    d = defs.filter(pc.fill_null(keep, False))
    fkey = pt.interner.lookup(pc.utf8_slice_codeunits(d.column("val"), 2))
    di, pos, pkey = pt.params_of(fkey)
    ok = pos == 0
    di, pkey = di[ok], pkey[ok]
    cls = d.column("cls").to_pylist()
    kinds = d.column("mkind").to_pylist()
    vals = d.column("val").to_pylist()
    pkeys = pt.interner.decode(pkey).to_pylist()
    keys: list[str] = []
    seeds: list[str] = []
    for i, pk in zip(di.tolist(), pkeys, strict=True):
        pre = (
            Val.CLASS if kinds[i] == MethodKind.CLASS or vals[i].endswith(".__new__") else Val.INST
        )
        for sub in subs.get(cls[i], (cls[i],)):
            keys.append(pk)
            seeds.append(pre + sub)
    return pa.table(
        {"key": pa.array(keys, pa.string()), "val": pa.array(seeds, pa.string())},
        schema=pa.schema([("key", pa.string()), ("val", pa.string())]),
    )


def class_hierarchy(pt: PointsTo, facts: dict[str, pa.Table]) -> Hierarchy:
    h = Hierarchy()
    rows = _base_rows(pt, facts[RS_BASE])
    for q in (
        facts[RS_DEF]
        .filter(pa.compute.starts_with(facts[RS_DEF].column("val"), Val.CLASS))
        .column("qual")
        .to_pylist()
    ):
        h.bases.setdefault(q, [])
    for q, _i, v in rows:
        lst = h.bases.setdefault(q, [])
        if v not in lst:
            lst.append(v)
    _linearise(h)
    h.lookup, h.superlookup = _lookups(h, facts)
    h.self_init = _self_init(pt, h, facts[RS_DEF])
    return h
