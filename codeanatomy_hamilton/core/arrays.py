"""Array primitives over int64 id columns (numpy): distinct values, stable orders,
sorted insertion, range expansion and membership.

The points-to engine (``resolve.points_to``), the stages around it (``resolve.classes``,
``resolve.output``, ``resolve.valueflow``) and the path queries (``flows``) share these;
every one keeps to numpy's SIMD sort and binary searches (see below for why).
"""

from __future__ import annotations

import numpy as np

# low 32 bits of a packed ``key << 32 | val`` (ids are below 2**31)
MASK32 = np.int64(0xFFFFFFFF)


# numpy's ``np.unique`` hashes (numpy 2.x): ~100x slower than its SIMD sort on the
# millions of distinct int64 values of a round here, so distinct values come from a
# sort and a neighbour comparison; stable orders from sorting ``key << 32 | row``.
def usort(a: np.ndarray) -> np.ndarray:
    """Sorted distinct values."""
    s = np.sort(a)
    if len(s) < 2:
        return s
    keep = np.empty(len(s), bool)
    keep[0] = True
    np.not_equal(s[1:], s[:-1], out=keep[1:])
    return s[keep]


def uinv(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sorted distinct values and, per element, the index of its value among them."""
    o = np.argsort(a)
    s = a[o]
    first = np.ones(len(s), bool)
    np.not_equal(s[1:], s[:-1], out=first[1:])
    inv = np.empty(len(a), np.int64)
    inv[o] = np.cumsum(first) - 1
    return s[first], inv


def ucount(a: np.ndarray, presorted: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Sorted distinct values and their counts."""
    s = a if presorted else np.sort(a)
    if not len(s):
        return s, np.zeros(0, np.int64)
    first = np.ones(len(s), bool)
    np.not_equal(s[1:], s[:-1], out=first[1:])
    starts = np.flatnonzero(first)
    return s[starts], np.diff(np.append(starts, len(s)))


def insert_at(a: np.ndarray, pos: np.ndarray, vals: np.ndarray) -> np.ndarray:
    """``np.insert(a, pos, vals)`` for non-decreasing ``pos`` (insertion points of
    sorted values), as two scatters (``np.insert`` argsorts the positions first)."""
    m = len(vals)
    if not m:
        return a
    out = np.empty(len(a) + m, a.dtype)
    at = pos + np.arange(m)
    keep = np.ones(len(out), bool)
    keep[at] = False
    out[at] = vals
    out[keep] = a
    return out


def distinct_pairs(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distinct (a, b) rows sorted lexicographically, and the index of the first
    occurrence of each: both columns become dense codes (order-preserving), so that
    one SIMD sort of ``code_a * len(distinct b) + code_b`` replaces ``np.lexsort``."""
    if not len(a):
        e = np.zeros(0, np.int64)
        return e, e, e
    ua, ia = uinv(a)
    ub, ib = uinv(b)
    p = ia * len(ub) + ib  # < len(a) ** 2: no overflow below 3e9 rows
    o = np.argsort(p)
    ps = p[o]
    start = np.ones(len(ps), bool)
    np.not_equal(ps[1:], ps[:-1], out=start[1:])
    starts = np.flatnonzero(start)
    first = np.minimum.reduceat(o, starts)
    u = ps[starts]
    return ua[u // len(ub)], ub[u % len(ub)], first


def stable_order(keys: np.ndarray) -> np.ndarray:
    """``np.argsort(keys, kind="stable")`` for ids (-1 <= key < 2**31), via one SIMD
    sort of ``key << 32 | row`` (a stable argsort of int64 is ~10x slower)."""
    n = len(keys)
    if n >= 1 << 32 or (n and (keys.min() < -1 or keys.max() >= 1 << 31)):
        return np.argsort(keys, kind="stable")
    return np.sort((keys << 32) | np.arange(n, dtype=np.int64)) & MASK32


def expand(
    lo: np.ndarray, cnt: np.ndarray, perm: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray]:
    """(probe row, relation row) pairs of ``cnt`` consecutive rows from ``lo``."""
    total = int(cnt.sum())
    if total == 0:
        e = np.zeros(0, np.int64)
        return e, e
    li = np.repeat(np.arange(len(lo)), cnt)
    starts = np.repeat(lo - np.cumsum(cnt) + cnt, cnt)
    ri = starts + np.arange(total)
    return li, (perm[ri] if perm is not None else ri)


def ranges(
    skeys: np.ndarray, perm: np.ndarray | None, q: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(query row, row) of every element of ``skeys`` (sorted) equal to a query, the
    rows taken through ``perm`` when given."""
    lo = np.searchsorted(skeys, q, "left")
    hi = np.searchsorted(skeys, q, "right")
    return expand(lo, hi - lo, perm)


def isin_sorted(q: np.ndarray, sorted_a: np.ndarray) -> np.ndarray:
    """Mask of the elements of ``q`` found in ``sorted_a`` (sorted): ``np.isin`` by
    binary search (``np.isin`` hashes, slow on many distinct int64 values)."""
    if not len(sorted_a):
        return np.zeros(len(q), bool)
    pos = np.minimum(np.searchsorted(sorted_a, q), len(sorted_a) - 1)
    return sorted_a[pos] == q
