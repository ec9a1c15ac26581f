"""The points-to engine's sorted-level structures: growing sets and maps of int64
kept in two sorted levels (a large base and a small recent level merged into it once
it passes an eighth of it, so a round's insertions cost O(recent), not O(all)), and
the CSR index of a static relation.

* ``IntMap``: int64 -> int64 (the interner's constructor memos, slot ids, ``f_cls``);
* ``CsrIndex``: a static relation's rows by their join key (``PointsTo.ix_*``);
* ``PairSet``: the flows seen, for the per-round set difference of derived flows;
* ``FactSet``: the points-to facts ``key << 32 | val`` (``PointsTo.pt``);
* ``Flows``: ``flow(dst, src, bind)`` rows indexed by ``src`` (``PointsTo.flows``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from codeanatomy_hamilton.core.arrays import (
    MASK32,
    distinct_pairs,
    expand,
    insert_at,
    isin_sorted,
    ranges,
    stable_order,
    usort,
)


class IntMap:
    """int64 -> int64 map in two sorted levels (a large base and a small recent level
    merged into it by a linear ``np.insert`` once it passes an eighth of it): batch
    lookups are binary searches, batch insertions cost O(recent)."""

    def __init__(self) -> None:
        e = np.zeros(0, np.int64)
        self.K, self.V, self.RK, self.RV = e, e, e, e

    @classmethod
    def of(cls, k: np.ndarray, v: np.ndarray) -> IntMap:
        """A map holding the sorted distinct keys ``k`` and their values ``v``."""
        m = cls()
        m.K, m.V = np.ascontiguousarray(k, np.int64), np.ascontiguousarray(v, np.int64)
        return m

    def items(self) -> tuple[np.ndarray, np.ndarray]:
        """Every key (sorted) and its value."""
        k = np.concatenate([self.K, self.RK])
        v = np.concatenate([self.V, self.RV])
        o = np.argsort(k, kind="stable")
        return k[o], v[o]

    def get(self, q: np.ndarray) -> np.ndarray:
        """Values of the keys ``q`` (-1 where absent)."""
        out = np.full(len(q), -1, np.int64)
        for K, V in ((self.K, self.V), (self.RK, self.RV)):
            if len(K):
                pos = np.minimum(np.searchsorted(K, q), len(K) - 1)
                hit = K[pos] == q
                out[hit] = V[pos[hit]]
        return out

    def put(self, k: np.ndarray, v: np.ndarray) -> None:
        """Adds keys not present yet (``k`` sorted, distinct)."""
        pos = np.searchsorted(self.RK, k)
        self.RK = insert_at(self.RK, pos, k)
        self.RV = insert_at(self.RV, pos, v)
        if len(self.RK) * 8 > len(self.K):
            pos = np.searchsorted(self.K, self.RK)
            self.K = insert_at(self.K, pos, self.RK)
            self.V = insert_at(self.V, pos, self.RV)
            self.RK = self.RV = np.zeros(0, np.int64)


class CsrIndex:
    """A static relation indexed by one int id column (CSR over the id space): the
    rows of id ``k`` are ``perm[off[k]:off[k + 1]]``, in their original order. A probe
    is two gathers per query id; no binary search (ids are dense, the relations are
    probed ~30 times a round with the delta)."""

    def __init__(self, keys: np.ndarray) -> None:
        perm = stable_order(keys)
        self.set_sorted(keys[perm], perm)

    def set_sorted(self, skeys: np.ndarray, perm: np.ndarray) -> None:
        """Index rows ``perm`` whose keys, in that order, are ``skeys`` (sorted)."""
        self.perm = perm
        n = int(skeys[-1]) + 1 if len(skeys) and skeys[-1] >= 0 else 0
        # off[k]: first sorted row with key >= k (null keys, -1, sort first, never hit)
        start = int(np.searchsorted(skeys, 0))
        self.off = np.empty(n + 1, np.int64)
        self.off[0] = start
        np.cumsum(np.bincount(skeys[start:], minlength=n), out=self.off[1:])
        self.off[1:] += start
        self.n = n

    def probe(self, q: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(probe row, relation row) of every match of ``q`` against the keys."""
        if not self.n or not len(q):
            e = np.zeros(0, np.int64)
            return e, e
        qc = np.where((q >= 0) & (q < self.n), q, self.n)
        lo = self.off[qc]
        cnt = self.off[np.minimum(qc + 1, self.n)] - lo
        return expand(lo, cnt, self.perm)


def _find_pairs(A: np.ndarray, B: np.ndarray, a: np.ndarray, b: np.ndarray) -> Any:
    """For pairs (a, b) against lexicographically sorted (A, B): (found mask, insertion
    position keeping the order). Ranges of equal ``A`` are short (a key with a few
    binds), so they are expanded and compared."""
    lo = np.searchsorted(A, a, "left")
    hi = np.searchsorted(A, a, "right")
    li, ri = expand(lo, hi - lo, None)
    found = np.zeros(len(a), bool)
    found[li[B[ri] == b[li]]] = True
    less = B[ri] < b[li]
    pos = lo + np.bincount(li[less], minlength=len(a))
    return found, pos


# flows packed into one int64 (``PairSet``): dst, src and bind + 2 on 21 bits each
_PACK_BITS = 21
_PACK_LIM = 1 << _PACK_BITS
_PACK_MASK = np.int64(_PACK_LIM - 1)


def _pack_flows(a: np.ndarray, b: np.ndarray) -> np.ndarray | None:
    """``dst << 42 | src << 21 | (bind + 2)`` of flows ``a`` (``dst << 32 | src``,
    both >= 0) and binds ``b`` (>= -2), ordered as the pairs (a, b); None when an id
    does not fit."""
    if not len(a):
        return np.zeros(0, np.int64)
    d, s = a >> 32, a & MASK32
    if d.max() >= _PACK_LIM or s.max() >= _PACK_LIM or b.max() + 2 >= _PACK_LIM:
        return None
    return (d << (2 * _PACK_BITS)) | (s << _PACK_BITS) | (b + 2)


class PairSet:
    """A growing set of int64 pairs (flows as ``dst << 32 | src`` and bind), for the
    per-round set difference of derived flows against the known ones, vectorised.

    Two sorted levels: a large base and a small recent level that takes the
    insertions of each round and is merged into the base (a linear ``np.insert``)
    once it passes an eighth of it, so a round costs O(recent), not O(all flows).
    While every id fits in 21 bits (two million strings) a flow is one packed int64
    (``_pack_flows``): one sort and one binary search per level instead of sorting
    both columns and searching ranges of pairs; past that, lexicographically sorted
    pairs (``A``, ``B``), converted once."""

    def __init__(self, a: np.ndarray, b: np.ndarray) -> None:
        e = np.zeros(0, np.int64)
        self.RA = self.RB = self.RP = e
        p = _pack_flows(a, b)
        self.P: np.ndarray | None = None
        if p is not None:
            self.P = usort(p)
            self.A = self.B = e
        else:
            self.A, self.B, _first = distinct_pairs(a, b)

    def _unpack(self) -> None:
        """Switches to pairs (an id passed the packed width): the packed order is the
        lexicographic order of the pairs."""
        assert self.P is not None
        allp = self.P
        if len(self.RP):
            allp = insert_at(allp, np.searchsorted(allp, self.RP), self.RP)
        d, s = allp >> (2 * _PACK_BITS), (allp >> _PACK_BITS) & _PACK_MASK
        self.A, self.B = (d << 32) | s, (allp & _PACK_MASK) - 2
        self.P = None
        self.RP = np.zeros(0, np.int64)

    def add(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Adds the pairs; returns the indices (ascending) of the rows that were not
        known, the first occurrence of each."""
        if not len(a):
            return np.zeros(0, np.int64)
        if self.P is not None:
            p = _pack_flows(a, b)
            if p is not None:
                return self._add_packed(p)
            self._unpack()
        sa, sb, o = distinct_pairs(a, b)
        known, _ = _find_pairs(self.A, self.B, sa, sb)
        rknown, rpos = _find_pairs(self.RA, self.RB, sa, sb)
        new = ~(known | rknown)
        if new.any():
            self.RA = insert_at(self.RA, rpos[new], sa[new])
            self.RB = insert_at(self.RB, rpos[new], sb[new])
            if len(self.RA) * 8 > len(self.A):
                _, pos = _find_pairs(self.A, self.B, self.RA, self.RB)
                self.A = insert_at(self.A, pos, self.RA)
                self.B = insert_at(self.B, pos, self.RB)
                self.RA = self.RB = np.zeros(0, np.int64)
        return np.sort(o[new])

    def _add_packed(self, p: np.ndarray) -> np.ndarray:
        assert self.P is not None
        o = np.argsort(p)
        ps = p[o]
        start = np.ones(len(ps), bool)
        np.not_equal(ps[1:], ps[:-1], out=start[1:])
        starts = np.flatnonzero(start)
        first = np.minimum.reduceat(o, starts)  # first occurrence of each distinct flow
        u = ps[starts]
        new = ~(isin_sorted(u, self.P) | isin_sorted(u, self.RP))
        if new.any():
            un = u[new]
            self.RP = insert_at(self.RP, np.searchsorted(self.RP, un), un)
            if len(self.RP) * 8 > len(self.P):
                self.P = insert_at(self.P, np.searchsorted(self.P, self.RP), self.RP)
                self.RP = np.zeros(0, np.int64)
        return np.sort(first[new])


class FactSet:
    """The points-to facts ``key << 32 | val``: a sorted base and a small sorted recent
    level (merged into the base by a linear ``np.insert`` once it passes an eighth of
    it), so that adding a round's facts costs O(recent), not O(all facts).

    Per key id, whether it holds any fact (``has``, one False past the last key
    marked): most probes are for keys with no fact at all (three in five candidate
    facts of a round, two in three sources of new flows), which then skip the binary
    searches."""

    def __init__(self, facts: np.ndarray) -> None:
        self.base = facts
        self.rec = np.zeros(0, np.int64)
        self.has = np.zeros(1, bool)
        self._mark(facts)

    def _mark(self, facts: np.ndarray) -> None:
        """Marks the keys of ``facts`` (sorted, keys >= 0) as holding facts."""
        if not len(facts):
            return
        k = facts >> 32
        need = int(k[-1]) + 2
        if need > len(self.has):
            h = np.zeros(max(need, 2 * len(self.has)), bool)
            h[: len(self.has)] = self.has
            self.has = h
        self.has[k] = True

    def _with_facts(self, keys: np.ndarray) -> np.ndarray:
        """Mask of the key ids (>= 0) that hold facts."""
        return self.has[np.minimum(keys, len(self.has) - 1)]

    def __len__(self) -> int:
        return len(self.base) + len(self.rec)

    def all(self) -> np.ndarray:
        """Every fact, sorted."""
        if len(self.rec):
            self.base = insert_at(self.base, np.searchsorted(self.base, self.rec), self.rec)
            self.rec = np.zeros(0, np.int64)
        return self.base

    def known(self, cand: np.ndarray) -> np.ndarray:
        """Mask of the facts of ``cand`` (keys >= 0) already present."""
        out = np.zeros(len(cand), bool)
        m = self._with_facts(cand >> 32)
        c = cand[m]
        if not len(c):
            return out
        out[m] = isin_sorted(c, self.base) | isin_sorted(c, self.rec)
        return out

    def add(self, new: np.ndarray) -> None:
        """Adds facts not present yet (sorted, distinct)."""
        self._mark(new)
        self.rec = insert_at(self.rec, np.searchsorted(self.rec, new), new)
        if len(self.rec) * 8 > len(self.base):
            self.all()

    def values_of(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(row, value id) of every fact of ``keys`` (ids >= 0): the facts of key k are
        the run [k << 32, (k + 1) << 32) of each sorted level (rows in no particular
        order)."""
        lis, vals = [], []
        sel = np.flatnonzero(self._with_facts(keys))
        o = sel[np.argsort(keys[sel])]  # sorted queries: binary searches stay in cache
        ks = keys[o]
        for a in (self.base, self.rec):
            if len(a):
                lo = np.searchsorted(a, ks << 32)
                hi = np.searchsorted(a, (ks + 1) << 32)
                li, pi = expand(lo, hi - lo, None)
                lis.append(o[li])
                vals.append(a[pi] & MASK32)
        if not lis:
            e = np.zeros(0, np.int64)
            return e, e
        return np.concatenate(lis), np.concatenate(vals)


class Flows:
    """``flow(dst, src, bind)`` rows in growable buffers, indexed by ``src`` in two
    levels: a CSR base (``CsrIndex``) and a small sorted recent level taking each
    round's flows, merged into the base once it passes an eighth of it."""

    def __init__(self, d: np.ndarray, s: np.ndarray, b: np.ndarray) -> None:
        self.n = len(d)
        cap = max(2 * self.n, 1024)
        self._d, self._s, self._b = (np.empty(cap, np.int64) for _ in range(3))
        self._d[: self.n], self._s[: self.n], self._b[: self.n] = d, s, b
        o = stable_order(s)
        self.bkeys, self.brows = s[o], o
        self.base = CsrIndex(np.zeros(0, np.int64))
        self.base.set_sorted(self.bkeys, self.brows)
        self.rkeys = self.rrows = np.zeros(0, np.int64)

    @property
    def d(self) -> np.ndarray:
        return self._d[: self.n]

    @property
    def s(self) -> np.ndarray:
        return self._s[: self.n]

    @property
    def b(self) -> np.ndarray:
        return self._b[: self.n]

    def probe(self, q: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(probe row, flow row) of every flow whose src is in ``q``."""
        li, ri = self.base.probe(q)
        if not len(self.rkeys):
            return li, ri
        li2, ri2 = ranges(self.rkeys, self.rrows, q)
        return np.concatenate([li, li2]), np.concatenate([ri, ri2])

    def add(self, d: np.ndarray, s: np.ndarray, b: np.ndarray) -> None:
        n0, m = self.n, len(d)
        if n0 + m > len(self._d):
            cap = 2 * (n0 + m)
            for name in ("_d", "_s", "_b"):
                old = getattr(self, name)
                new = np.empty(cap, np.int64)
                new[:n0] = old[:n0]
                setattr(self, name, new)
        self._d[n0 : n0 + m], self._s[n0 : n0 + m], self._b[n0 : n0 + m] = d, s, b
        self.n += m
        o = stable_order(s)
        ins = np.searchsorted(self.rkeys, s[o], "right")
        self.rkeys = insert_at(self.rkeys, ins, s[o])
        self.rrows = insert_at(self.rrows, ins, n0 + o)
        if len(self.rkeys) * 8 > len(self.bkeys):
            ins = np.searchsorted(self.bkeys, self.rkeys, "right")
            self.bkeys = insert_at(self.bkeys, ins, self.rkeys)
            self.brows = insert_at(self.brows, ins, self.rrows)
            self.base.set_sorted(self.bkeys, self.brows)
            self.rkeys = self.rrows = np.zeros(0, np.int64)
