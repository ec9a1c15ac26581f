"""The points-to fixed point: semi-naive evaluation as vectorised joins over integer
columns (numpy). No SQL engine is involved: the queries around the fixed point
(``classes``, ``output``) are numpy joins over the same ids.

Every string (variable/expression/call keys, values, attribute names) is interned once
into a dense int id (``_Strings``); values carry parsed metadata per id (kind, the
qualname after the prefix, the two halves of ``b:``/``s:`` values, dot count, method
kind). Static relations (``attr``, ``astore``, ``sub``, ``sstore``, ``calls``, ``args``,
``params``, ``ann``, ``sup``) are indexed by their join key once (CSR over the id
space), so a round is a few gathers of the *delta* against those indexes: no hash
table of a static relation is rebuilt per round (that, plus planning, was ~40 ms per
DataFusion query even for a delta of 4 facts, in the SQL version).

Relations and rules are those of the SQL version (see git history):

* ``pt(key, val)``: accumulated as sorted int64 ``key << 32 | val`` in two levels (a
  base and a small recent level merged into it now and then, ``_FactSet``): dedupe of
  new facts and ``nf x pt`` are binary searches into them;
* ``flow(dst, src, bind)``: ``pt(dst) >= transform(bind, pt(src))``; ``bind`` is a
  receiver value (``i:Q``/``c:Q``: methods read through it become bound methods
  ``b:<fkey>|Q``), ``P`` (parameters and returns: external objects do not cross) or
  none; indexed by ``src`` (``_Flows``), deduplicated by ``_PairSet``;
* per round: new flows from the delta (attribute loads/stores along the MRO, call
  results, constructors, ``__call__``, arguments -> parameters, containers), then new
  facts (old flows x delta, new flows x all facts, and rules creating values). Each
  rule probes only the delta facts of the value kinds it reads.

Strings are built only by the few value/key constructors (``Q.attr``, ``Q[]``,
``f.<ret>``, ``i:Q``, ``b:f|Q``, ...), memoised per input id, so Python touches each
distinct derived string once over the whole run. Distinct values and orders come from
numpy's SIMD sort (``_usort``, ``_stable_order``), never from ``np.unique``/``lexsort``
(hash-based / stable sorts, one to two orders of magnitude slower on these arrays).

The output does not depend on which id a string gets: the per-key bound
``HARD_KEY_CAP`` ranks values by their strings, and every other rule is a join. So an
interner kept from an earlier build (``kept_strings``), whose ids follow that build's
order, gives the same result as a fresh one.
"""

from __future__ import annotations

import builtins
import logging
import re
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from codeanatomy_hamilton.extract.facts import (
    APPEND,
    DICT_MARK,
    INDEX_MARK,
    PREFIX_MARK,
    PROP_MODE,
    PROTO_MODE,
    SHIFT,
    TUPLE_MARK,
)
from codeanatomy_hamilton.resolve.kept_strings import KeptStrings, StrList

# Widening: a key that may hold this many values stops growing (and values of
# external objects do not cross calls, flows marked ``P``: parameters and returns).
# Context-insensitive points-to sets of widely shared parameters
# (``inspect.isfunction(object)``) otherwise grow with the whole program; a call
# reaching that many targets is noise anyway.
KEY_CAP = 16
# ``KEY_CAP`` is checked against the facts known before a round, so a key may take
# many values in the round that saturates it (a parameter of ``assertEqual`` fed by
# thousands of call sites). On ordinary code that overshoot stays small (at most 113
# values on the standard library without tests), but on the whole standard library
# it fed a cascade (keys with thousands of values flowing into keys with thousands of
# values: 12M facts after 15 rounds and >20 GB). ``HARD_KEY_CAP`` bounds a key within
# the round too; it lies well above what ordinary code reaches, so results there are
# unchanged, and every value dropped by it is counted (``resolution_truncated``).
HARD_KEY_CAP = 256
# Global budget on points-to facts: past it the fixed point stops widening (the
# facts so far are kept, the run is reported as truncated). ~16 bytes per fact in
# the sorted array and its per-round copies; 30M facts keep resolution in a few GiB.
FACT_BUDGET = 30_000_000

# value kinds (prefix of the value string)
K_NONE, K_F, K_C, K_I, K_M, K_L, K_X, K_XI, K_B, K_S = range(10)
_PREFIX = {"f": K_F, "c": K_C, "i": K_I, "m": K_M, "l": K_L, "x": K_X, "b": K_B, "s": K_S}
# bind markers besides value ids
NO_BIND = -1
P_BIND = -2
# method kinds as bits (a value may in principle have several rs_def rows)
MK_S, MK_C, MK_M = 1, 2, 4
# ``__new__``: a static method that a constructor call binds to the class (``cls``)
MK_NEW = 8
_MK = {"s": MK_S, "c": MK_C, "m": MK_M}
_MASK32 = np.int64(0xFFFFFFFF)
# keyed containers (see ``extract.facts``): ``<key>@t<n>`` sequence with positions
# (literal length n when known), ``<key>@d`` dict display with constant keys
_SEQ_RE = re.compile(re.escape(TUPLE_MARK) + r"([0-9]*)$")
_PLAIN, _SEQ, _DICT = 0, 1, 2

# builtin container types: an instance of a repository class deriving from one holds
# elements (``PointsTo._container_classes``)
_CONTAINER_BASES = frozenset(
    "x:" + t
    for t in (
        "builtins.dict", "builtins.list", "builtins.set", "builtins.frozenset",
        "builtins.tuple", "collections.OrderedDict", "collections.defaultdict",
        "collections.deque", "collections.UserDict", "collections.UserList",
    )
)  # fmt: skip

# a call key past ``KEY_CAP`` still takes the methods the call runs implicitly, up
# to this many values (a call of 16 classes also runs their ``__init__``, ``__new__``;
# a key that grew far past the cap in one round stays where it is)
IMPLICIT_CAP = 4 * KEY_CAP
# the methods a call runs implicitly on the value it calls (``_implicit_past_cap``)
_IMPLICIT_METHODS = (".__call__", ".__init__", ".__new__")

# External callables whose result calls (or is) their first argument: calling the
# result calls it; called without a positional argument (``lru_cache(maxsize=8)``)
# the result is a decorator of that kind, which keeps the decorated function
WRAPPERS = (
    "functools.partial", "functools.lru_cache", "functools.cache",
    "functools.cached_property", "functools.update_wrapper", "functools.singledispatch",
    "contextlib.contextmanager", "contextlib.asynccontextmanager", "builtins.staticmethod",
    "builtins.classmethod", "builtins.property", "typing.final", "typing.overload",
    "abc.abstractmethod",
)  # fmt: skip

log = logging.getLogger(__name__)


def _rss_mib() -> float:
    """Resident set size of this process (Linux; 0 elsewhere), for debug traces."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


# numpy's ``np.unique`` hashes (numpy 2.x): ~100x slower than its SIMD sort on the
# millions of distinct int64 values of a round here, so distinct values come from a
# sort and a neighbour comparison; stable orders from sorting ``key << 32 | row``.
def _usort(a: np.ndarray) -> np.ndarray:
    """Sorted distinct values."""
    s = np.sort(a)
    if len(s) < 2:
        return s
    keep = np.empty(len(s), bool)
    keep[0] = True
    np.not_equal(s[1:], s[:-1], out=keep[1:])
    return s[keep]


def _uinv(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sorted distinct values and, per element, the index of its value among them."""
    o = np.argsort(a)
    s = a[o]
    first = np.ones(len(s), bool)
    np.not_equal(s[1:], s[:-1], out=first[1:])
    inv = np.empty(len(a), np.int64)
    inv[o] = np.cumsum(first) - 1
    return s[first], inv


def _ucount(a: np.ndarray, presorted: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Sorted distinct values and their counts."""
    s = a if presorted else np.sort(a)
    if not len(s):
        return s, np.zeros(0, np.int64)
    first = np.ones(len(s), bool)
    np.not_equal(s[1:], s[:-1], out=first[1:])
    starts = np.flatnonzero(first)
    return s[starts], np.diff(np.append(starts, len(s)))


def _insert_at(a: np.ndarray, pos: np.ndarray, vals: np.ndarray) -> np.ndarray:
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


def _distinct_pairs(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distinct (a, b) rows sorted lexicographically, and the index of the first
    occurrence of each: both columns become dense codes (order-preserving), so that
    one SIMD sort of ``code_a * len(distinct b) + code_b`` replaces ``np.lexsort``."""
    if not len(a):
        e = np.zeros(0, np.int64)
        return e, e, e
    ua, ia = _uinv(a)
    ub, ib = _uinv(b)
    p = ia * len(ub) + ib  # < len(a) ** 2: no overflow below 3e9 rows
    o = np.argsort(p)
    ps = p[o]
    start = np.ones(len(ps), bool)
    np.not_equal(ps[1:], ps[:-1], out=start[1:])
    starts = np.flatnonzero(start)
    first = np.minimum.reduceat(o, starts)
    u = ps[starts]
    return ua[u // len(ub)], ub[u % len(ub)], first


def _stable_order(keys: np.ndarray) -> np.ndarray:
    """``np.argsort(keys, kind="stable")`` for ids (-1 <= key < 2**31), via one SIMD
    sort of ``key << 32 | row`` (a stable argsort of int64 is ~10x slower)."""
    n = len(keys)
    if n >= 1 << 32 or (n and (keys.min() < -1 or keys.max() >= 1 << 31)):
        return np.argsort(keys, kind="stable")
    return np.sort((keys << 32) | np.arange(n, dtype=np.int64)) & _MASK32


class _IntMap:
    """int64 -> int64 map in two sorted levels (a large base and a small recent level
    merged into it by a linear ``np.insert`` once it passes an eighth of it): batch
    lookups are binary searches, batch insertions cost O(recent)."""

    def __init__(self) -> None:
        e = np.zeros(0, np.int64)
        self.K, self.V, self.RK, self.RV = e, e, e, e

    @classmethod
    def of(cls, k: np.ndarray, v: np.ndarray) -> _IntMap:
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
        self.RK = _insert_at(self.RK, pos, k)
        self.RV = _insert_at(self.RV, pos, v)
        if len(self.RK) * 8 > len(self.K):
            pos = np.searchsorted(self.K, self.RK)
            self.K = _insert_at(self.K, pos, self.RK)
            self.V = _insert_at(self.V, pos, self.RV)
            self.RK = self.RV = np.zeros(0, np.int64)


class _Strings:
    """String interner with per-id value metadata in growable numpy arrays."""

    def __init__(self, kept: KeptStrings | None = None) -> None:
        # ``ids`` holds the strings this run interned; those of a kept interner are
        # found through its hash index (``_kept_ids``), never copied into a dict
        self.ids: dict[str, int] = {}
        self.strs: list[str] | StrList = []
        self.n = 0
        cap = 1 << 16
        self.vk = np.zeros(cap, np.int8)
        self.vq = np.full(cap, -1, np.int64)  # qualname after the prefix
        self.v2 = np.full(cap, -1, np.int64)  # second half of b:/s: values
        self.dots = np.zeros(cap, np.int16)  # dot count (read for values only)
        self.bi = np.zeros(cap, bool)  # vq starts with "builtins."
        self.mk = np.zeros(cap, np.int8)  # method-kind bits of f: values / fkeys
        self.memo1: dict[str, _IntMap] = {}
        self.memo2: dict[str, _IntMap] = {}
        # Arrow copy of ``strs``: the parts interned in bulk (already Arrow arrays),
        # then the strings added one by one, converted when ``_arrow`` is called
        self._arrow_parts: list[pa.Array] = []
        self._arrow_len = 0
        self._arrow_cache: pa.Array | None = None
        self.kept = kept
        if kept is not None:
            self._start_from(kept)

    def _start_from(self, kept: KeptStrings) -> None:
        """Starts with the strings, per-string metadata and constructor memos of a kept
        interner (method kinds are per build: ``mk`` starts empty)."""
        n = len(kept.strings)
        self.strs = StrList(kept.strings)
        self.n = n
        self._grow(n)
        for name in ("vk", "vq", "v2", "dots", "bi"):
            getattr(self, name)[:n] = kept.meta[name]
        for name, (k, v) in kept.memo1.items():
            self.memo1[name] = _IntMap.of(k, v)
        for name, (k, v) in kept.memo2.items():
            self.memo2[name] = _IntMap.of(k, v)
        self._arrow_parts = [kept.strings]
        self._arrow_len = n

    def _kept_ids(self, arr: pa.Array) -> np.ndarray:
        """Ids of ``arr``'s strings in the kept interner (-1: not there, or null)."""
        kept = self.kept
        if kept is None or not len(arr):
            return np.full(len(arr), -1, np.int64)
        return kept.find(arr)

    def _find(self, arr: pa.Array, lst: list[str]) -> np.ndarray:
        """Ids of the strings ``lst`` (= ``arr``) interned so far, -1 for the others."""
        get = self.ids.get
        m = np.array([get(x, -1) for x in lst], np.int64)
        if self.kept is not None:
            miss = np.flatnonzero(m < 0)
            if len(miss):
                m[miss] = self._kept_ids(arr.take(pa.array(miss)))
        return m

    def kept_state(self) -> dict[str, Any]:
        """What a later build needs to start from this interner (``KeptStrings``)."""
        n = self.n
        return {
            "strings": self._arrow(),
            "meta": {k: getattr(self, k)[:n] for k in ("vk", "vq", "v2", "dots", "bi")},
            "memo1": {k: m.items() for k, m in self.memo1.items()},
            "memo2": {k: m.items() for k, m in self.memo2.items()},
        }

    def _grow(self, need: int) -> None:
        cap = len(self.vk)
        if need <= cap:
            return
        while cap < need:
            cap *= 2
        for name, fill in (("vk", 0), ("vq", -1), ("v2", -1), ("dots", 0), ("bi", 0), ("mk", 0)):
            old = getattr(self, name)
            new = np.full(cap, fill, old.dtype)
            new[: len(old)] = old
            setattr(self, name, new)

    def get(self, s: str) -> int:
        i = self.ids.get(s)
        if i is not None:
            return i
        if self.kept is not None:
            i = int(self._kept_ids(pa.array([s], pa.string()))[0])
            if i >= 0:
                return i
        return self._new(s)

    def _new(self, s: str) -> int:
        """Numbers ``s`` (known neither to this run nor to the kept interner)."""
        i = self.n
        self.ids[s] = i
        self.strs.append(s)
        self.n += 1
        self._grow(self.n)
        self.dots[i] = s.count(".")
        kind = K_NONE
        if s.startswith("xi:"):
            kind, rest = K_XI, s[3:]
        elif len(s) > 1 and s[1] == ":" and s[0] in _PREFIX:
            kind, rest = _PREFIX[s[0]], s[2:]
        if kind != K_NONE:
            if kind in (K_B, K_S):
                a, _, b = rest.partition("|")
                q, q2 = self.get(a), self.get(b)
                self.v2[i] = q2
            else:
                q = self.get(rest)
            self.vk[i] = kind
            self.vq[i] = q
            self.bi[i] = rest.startswith("builtins.")
        return i

    def get_many(self, lst: list[str]) -> np.ndarray:
        """``[self.get(s) for s in lst]``, with the same ids (new strings and their
        parts are numbered in the same order), but the metadata of the new strings is
        written to the numpy arrays once, not element by element."""
        if self.kept is not None:
            return self._get_many_kept(lst)
        # One ``setdefault`` per string (lookup and insertion in one probe): the
        # strings come freshly built from the constructors, and each probe of this
        # dict of ~500k strings is a cache miss (get, get again, then insert cost
        # a quarter of the derivation of new strings).
        ids = self.ids
        setdefault = ids.setdefault
        append = self.strs.append
        n0 = n = self.n
        # ids of the new values and their metadata (kind, vq, v2, builtins, dots);
        # dot counts are read for values only (as in ``_add_new``)
        vi: list[int] = []
        vmeta: list[tuple[int, int, int, bool, int]] = []

        def parse(s: str, i: int) -> None:
            # ``s`` was just numbered ``i``: its parts get the next ids, first then second
            if s[1:2] == ":":
                kind = _PREFIX.get(s[0], K_NONE)
                if kind == K_NONE:
                    return
                rest = s[2:]
            elif s.startswith("xi:"):
                kind, rest = K_XI, s[3:]
            else:
                return
            q2 = -1
            if kind == K_B or kind == K_S:
                a, _, b = rest.partition("|")
                q = number(a)
                q2 = number(b)
            else:
                q = number(rest)
            vi.append(i)
            vmeta.append((kind, q, q2, rest.startswith("builtins."), s.count(".")))

        def number(s: str) -> int:
            # the id of ``s``, numbering it (and its parts) if it is new
            nonlocal n
            i = setdefault(s, n)
            if i == n:
                n += 1
                append(s)
                parse(s, i)
            return i

        # the same steps as ``number``, inline: this loop runs once per string asked
        out = []
        for s in lst:
            i = setdefault(s, n)
            if i == n:
                n += 1
                append(s)
                parse(s, i)
            out.append(i)
        if n > n0:
            self.n = n
            self._grow(n)
        if vi:
            iv = np.array(vi, np.int64)
            kind, q, q2, bi, dots = (np.array(c) for c in zip(*vmeta, strict=True))
            self.vk[iv] = kind
            self.vq[iv] = q
            self.bi[iv] = bi
            self.dots[iv] = dots
            two = q2 >= 0  # b:/s: values
            self.v2[iv[two]] = q2[two]
        return np.array(out, np.int64)

    def _get_many_kept(self, lst: list[str]) -> np.ndarray:
        """``get_many`` over a kept interner: one vectorised probe of it for the whole
        list; the strings it lacks (few: its memos derived most strings already) are
        looked up in this run's dict, else numbered one by one."""
        if not lst:
            return np.zeros(0, np.int64)
        found = self._kept_ids(pa.array(lst, pa.string()))
        miss = np.flatnonzero(found < 0)
        if len(miss):
            get, new = self.ids.get, self._new
            for j in miss.tolist():
                s = lst[j]
                i = get(s)
                found[j] = new(s) if i is None else i
        return found

    def _add_new(self, arr: pa.Array, strs: list[str]) -> np.ndarray:
        """Interns distinct strings not seen yet, with vectorised metadata (the
        per-string ``get`` is for the few strings derived during the fixed point)."""
        n0, m = self.n, len(strs)
        self.ids.update(zip(strs, range(n0, n0 + m), strict=True))
        if self._arrow_len == n0:
            self._arrow_parts.append(arr)
            self._arrow_len += m
        self.strs.extend(strs)
        self.n += m
        self._grow(self.n)
        ids = np.arange(n0, n0 + m, dtype=np.int64)
        p2 = pc.utf8_slice_codeunits(arr, 0, 2)
        kinds = pa.array(["f:", "c:", "i:", "m:", "l:", "x:", "b:", "s:"])
        codes = np.array([K_F, K_C, K_I, K_M, K_L, K_X, K_B, K_S, K_NONE], np.int8)
        vk = codes[pc.index_in(p2, value_set=kinds).fill_null(len(kinds)).to_numpy()]
        xi = pc.starts_with(arr, "xi:").to_numpy(zero_copy_only=False)
        vk[xi] = K_XI
        vidx = np.nonzero(vk != K_NONE)[0]
        if not len(vidx):
            return ids
        va = arr.take(pa.array(vidx))
        # dot counts are read for values only (the depth bound of external attributes)
        self.dots[ids[vidx]] = pc.count_substring(va, ".").to_numpy()
        rest = pc.if_else(
            pa.array(xi[vidx]), pc.utf8_slice_codeunits(va, 3), pc.utf8_slice_codeunits(va, 2)
        )
        two = (vk[vidx] == K_B) | (vk[vidx] == K_S)
        parts = pc.split_pattern(rest, "|", max_splits=1)
        first = pc.if_else(pa.array(two), pc.list_element(parts, 0), rest)
        # b:/s: without a second half get "" (as str.partition does in ``get``)
        second = pc.if_else(pa.array(two), _second(parts).fill_null(""), pa.nulls(len(va)))
        sel = ids[vidx]
        self.vk[sel] = vk[vidx]
        self.vq[sel] = self.intern(first)
        self.v2[sel] = self.intern(second.cast(pa.string()))
        self.bi[sel] = pc.starts_with(rest, "builtins.").to_numpy(zero_copy_only=False)
        return ids

    def intern(self, arr: Any) -> np.ndarray:
        """int64 ids of a string column (nulls -> -1): Python sees each distinct string
        once (dictionary-encoded first); new strings are added in bulk."""
        if isinstance(arr, pa.ChunkedArray):
            arr = arr.combine_chunks() if arr.num_chunks else pa.array([], pa.string())
        if not len(arr):
            return np.zeros(0, np.int64)
        de = pc.dictionary_encode(arr.cast(pa.string()))
        d = de.dictionary
        lst = d.to_pylist()
        if not self.n:  # nothing interned yet: every string is new
            m = np.append(self._add_new(d, lst), -1)
        else:
            m = np.append(self._find(d, lst), -1)
            miss = np.nonzero(m[:-1] < 0)[0]
            if len(miss):
                m[miss] = self._add_new(d.take(pa.array(miss)), [lst[i] for i in miss])
        return m[de.indices.fill_null(len(m) - 1).to_numpy(zero_copy_only=False)]

    def lookup(self, arr: Any) -> np.ndarray:
        """int64 ids of a string column without interning (unknown strings and nulls
        -> -1): for reading results, so that the ids of the fixed point do not move."""
        if isinstance(arr, pa.ChunkedArray):
            arr = arr.combine_chunks() if arr.num_chunks else pa.array([], pa.string())
        if not len(arr):
            return np.zeros(0, np.int64)
        de = pc.dictionary_encode(arr.cast(pa.string()))
        d = de.dictionary
        m = np.append(self._find(d, d.to_pylist()), -1)
        return m[de.indices.fill_null(len(m) - 1).to_numpy(zero_copy_only=False)]

    def _arrow(self) -> pa.Array:
        """All strings as one Arrow array; extended by the strings added since the
        last call (the bulk of them, from the input, is converted once)."""
        if self._arrow_cache is None or len(self._arrow_cache) != self.n:
            if self._arrow_len < self.n:
                self._arrow_parts.append(pa.array(self.strs[self._arrow_len :], pa.string()))
                self._arrow_len = self.n
            self._arrow_cache = pa.concat_arrays(self._arrow_parts)
            self._arrow_parts = [self._arrow_cache]
        return self._arrow_cache

    def encode(self, col: Any) -> np.ndarray:
        return self.intern(col)

    def encode_many(
        self, cols: list[Any], known: list[np.ndarray | None] | None = None
    ) -> list[np.ndarray]:
        """``encode`` of several columns through one dictionary (the columns share
        most strings: keys appear as dst, src, base, ckey, ...). ``known``: per column,
        the ids of its rows where already known (-1 elsewhere), from a kept interner:
        only the other rows are interned."""
        arrs = []
        for c in cols:
            if isinstance(c, pa.ChunkedArray):
                c = c.combine_chunks() if c.num_chunks else pa.array([], pa.string())
            arrs.append(c.cast(pa.string()))
        if known is None:
            ids = self.intern(pa.concat_arrays(arrs)) if arrs else np.zeros(0, np.int64)
            out, o = [], 0
            for c in arrs:
                out.append(ids[o : o + len(c)])
                o += len(c)
            return out
        out, todo = [], []
        for c, k in zip(arrs, known, strict=True):
            ok = k is not None and len(k) == len(c)
            ids = k.astype(np.int64) if ok else np.full(len(c), -1, np.int64)
            out.append(ids)
            todo.append(np.flatnonzero(ids < 0))
        pieces = [c.take(pa.array(u)) for c, u in zip(arrs, todo, strict=True) if len(u)]
        if pieces:
            got, o = self.intern(pa.concat_arrays(pieces)), 0
            for ids, u in zip(out, todo, strict=True):
                ids[u] = got[o : o + len(u)]
                o += len(u)
        return out

    def decode(self, ids: np.ndarray) -> pa.Array:
        return self._arrow().take(pa.array(ids))

    # -- memoised constructors ---------------------------------------------
    def unary(self, name: str, ids: np.ndarray, make: Any) -> np.ndarray:
        """``make(str) -> str`` applied to ids, memoised per input id (a sorted map of
        the ids seen: a dense array per constructor would cost O(all strings))."""
        memo = self.memo1.get(name)
        if memo is None:
            memo = self.memo1[name] = _IntMap()
        out = memo.get(ids)
        miss = _usort(ids[out < 0])
        if len(miss):
            strs = self.strs
            got = self.get_many([make(strs[i]) for i in miss.tolist()])
            memo.put(miss, got)
            out = memo.get(ids)
        return out

    def binary(self, name: str, a: np.ndarray, b: np.ndarray, make: Any) -> np.ndarray:
        """``make(str, str) -> str`` applied pairwise, memoised per (a, b)."""
        if not len(a):
            return np.zeros(0, np.int64)
        memo = self.memo2.get(name)
        if memo is None:
            memo = self.memo2[name] = _IntMap()
        uniq, inv = _uinv((a << 32) | b)
        res = memo.get(uniq)
        miss = np.flatnonzero(res < 0)
        if len(miss):
            # new strings are interned in the order of the sorted pairs
            strs = self.strs
            mp = uniq[miss]
            got = self.get_many([make(strs[p >> 32], strs[p & 0xFFFFFFFF]) for p in mp.tolist()])
            memo.put(mp, got)
            res[miss] = got
        return res[inv]


def _second(parts: pa.Array) -> pa.Array:
    """The second element of each list (null where the list has one)."""
    n = pc.list_value_length(parts).to_numpy(zero_copy_only=False)
    flat = pc.list_flatten(parts)
    offs = parts.offsets.to_numpy()
    idx = offs[:-1] - offs[0] + 1
    has = n > 1
    took = flat.take(pa.array(np.where(has, idx, 0))) if len(flat) else flat
    return pc.if_else(pa.array(has), took, pa.nulls(len(n), pa.string()))


class _Index:
    """A static relation indexed by one int id column (CSR over the id space): the
    rows of id ``k`` are ``perm[off[k]:off[k + 1]]``, in their original order. A probe
    is two gathers per query id; no binary search (ids are dense, the relations are
    probed ~30 times a round with the delta)."""

    def __init__(self, keys: np.ndarray) -> None:
        perm = _stable_order(keys)
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
        return _expand(lo, cnt, self.perm)


def _kinds(*kinds: int) -> np.ndarray:
    """Lookup table: value kind -> whether a rule reads values of that kind."""
    t = np.zeros(16, bool)
    t[list(kinds)] = True
    return t


# the value kinds each probing rule reads: delta facts of other kinds (most of them
# are containers, ``l:``) are not probed at all
_ATTR_LOAD = _kinds(K_M, K_C, K_I, K_S)
_ATTR_STORE = _kinds(K_C, K_I, K_M)
_CONTAINER = _kinds(K_L)
_CALLED = _kinds(K_F, K_B, K_X, K_XI, K_C, K_I)
_CLASS = _kinds(K_C)
_CALL_VALUE = _kinds(K_C, K_X, K_B)
_EXTERNAL = _kinds(K_X, K_XI)
_SUPER_SELF = _kinds(K_I, K_C)
_INSTANCE = _kinds(K_I)


def _probe_kinds(
    ix: _Index, keys: np.ndarray, vk: np.ndarray, table: np.ndarray, rows: np.ndarray | None = None
) -> Any:
    """``ix.probe(keys)`` restricted to the rows whose value kind is in ``table``
    (same pairs, in the same order, as probing every row and masking afterwards) and,
    if given, to the rows of the mask ``rows`` (rules that do not depend on the
    stage-B lookups probe only the delta facts that go through every rule)."""
    sel = np.flatnonzero(table[vk] if rows is None else table[vk] & rows)
    li, ri = ix.probe(keys[sel])
    return sel[li], ri


def _expand(lo: np.ndarray, cnt: np.ndarray, perm: np.ndarray | None) -> Any:
    """(probe row, relation row) pairs of ``cnt`` consecutive rows from ``lo``."""
    total = int(cnt.sum())
    if total == 0:
        e = np.zeros(0, np.int64)
        return e, e
    li = np.repeat(np.arange(len(lo)), cnt)
    starts = np.repeat(lo - np.cumsum(cnt) + cnt, cnt)
    ri = starts + np.arange(total)
    return li, (perm[ri] if perm is not None else ri)


def _ranges(skeys: np.ndarray, perm: np.ndarray | None, q: np.ndarray) -> Any:
    lo = np.searchsorted(skeys, q, "left")
    hi = np.searchsorted(skeys, q, "right")
    return _expand(lo, hi - lo, perm)


def _find_pairs(A: np.ndarray, B: np.ndarray, a: np.ndarray, b: np.ndarray) -> Any:
    """For pairs (a, b) against lexicographically sorted (A, B): (found mask, insertion
    position keeping the order). Ranges of equal ``A`` are short (a key with a few
    binds), so they are expanded and compared."""
    lo = np.searchsorted(A, a, "left")
    hi = np.searchsorted(A, a, "right")
    li, ri = _expand(lo, hi - lo, None)
    found = np.zeros(len(a), bool)
    found[li[B[ri] == b[li]]] = True
    less = B[ri] < b[li]
    pos = lo + np.bincount(li[less], minlength=len(a))
    return found, pos


# flows packed into one int64 (``_PairSet``): dst, src and bind + 2 on 21 bits each
_PACK_BITS = 21
_PACK_LIM = 1 << _PACK_BITS
_PACK_MASK = np.int64(_PACK_LIM - 1)


def _pack_flows(a: np.ndarray, b: np.ndarray) -> np.ndarray | None:
    """``dst << 42 | src << 21 | (bind + 2)`` of flows ``a`` (``dst << 32 | src``,
    both >= 0) and binds ``b`` (>= -2), ordered as the pairs (a, b); None when an id
    does not fit."""
    if not len(a):
        return np.zeros(0, np.int64)
    d, s = a >> 32, a & _MASK32
    if d.max() >= _PACK_LIM or s.max() >= _PACK_LIM or b.max() + 2 >= _PACK_LIM:
        return None
    return (d << (2 * _PACK_BITS)) | (s << _PACK_BITS) | (b + 2)


def _sorted_member(sorted_a: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Mask of the elements of ``q`` found in ``sorted_a``."""
    if not len(sorted_a):
        return np.zeros(len(q), bool)
    pos = np.minimum(np.searchsorted(sorted_a, q), len(sorted_a) - 1)
    return sorted_a[pos] == q


class _PairSet:
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
            self.P = _usort(p)
            self.A = self.B = e
        else:
            self.A, self.B, _first = _distinct_pairs(a, b)

    def _unpack(self) -> None:
        """Switches to pairs (an id passed the packed width): the packed order is the
        lexicographic order of the pairs."""
        assert self.P is not None
        allp = self.P
        if len(self.RP):
            allp = _insert_at(allp, np.searchsorted(allp, self.RP), self.RP)
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
        sa, sb, o = _distinct_pairs(a, b)
        known, _ = _find_pairs(self.A, self.B, sa, sb)
        rknown, rpos = _find_pairs(self.RA, self.RB, sa, sb)
        new = ~(known | rknown)
        if new.any():
            self.RA = _insert_at(self.RA, rpos[new], sa[new])
            self.RB = _insert_at(self.RB, rpos[new], sb[new])
            if len(self.RA) * 8 > len(self.A):
                _, pos = _find_pairs(self.A, self.B, self.RA, self.RB)
                self.A = _insert_at(self.A, pos, self.RA)
                self.B = _insert_at(self.B, pos, self.RB)
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
        new = ~(_sorted_member(self.P, u) | _sorted_member(self.RP, u))
        if new.any():
            un = u[new]
            self.RP = _insert_at(self.RP, np.searchsorted(self.RP, un), un)
            if len(self.RP) * 8 > len(self.P):
                self.P = _insert_at(self.P, np.searchsorted(self.P, self.RP), self.RP)
                self.RP = np.zeros(0, np.int64)
        return np.sort(first[new])


class _FactSet:
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
            self.base = _insert_at(self.base, np.searchsorted(self.base, self.rec), self.rec)
            self.rec = np.zeros(0, np.int64)
        return self.base

    def known(self, cand: np.ndarray) -> np.ndarray:
        """Mask of the facts of ``cand`` (keys >= 0) already present."""
        out = np.zeros(len(cand), bool)
        m = self._with_facts(cand >> 32)
        c = cand[m]
        if not len(c):
            return out
        out[m] = _sorted_member(self.base, c) | _sorted_member(self.rec, c)
        return out

    def add(self, new: np.ndarray) -> None:
        """Adds facts not present yet (sorted, distinct)."""
        self._mark(new)
        self.rec = _insert_at(self.rec, np.searchsorted(self.rec, new), new)
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
                li, pi = _expand(lo, hi - lo, None)
                lis.append(o[li])
                vals.append(a[pi] & _MASK32)
        if not lis:
            e = np.zeros(0, np.int64)
            return e, e
        return np.concatenate(lis), np.concatenate(vals)


class _Flows:
    """``flow(dst, src, bind)`` rows in growable buffers, indexed by ``src`` in two
    levels: a CSR base (``_Index``) and a small sorted recent level taking each
    round's flows, merged into the base once it passes an eighth of it."""

    def __init__(self, d: np.ndarray, s: np.ndarray, b: np.ndarray) -> None:
        self.n = len(d)
        cap = max(2 * self.n, 1024)
        self._d, self._s, self._b = (np.empty(cap, np.int64) for _ in range(3))
        self._d[: self.n], self._s[: self.n], self._b[: self.n] = d, s, b
        o = _stable_order(s)
        self.bkeys, self.brows = s[o], o
        self.base = _Index(np.zeros(0, np.int64))
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
        li2, ri2 = _ranges(self.rkeys, self.rrows, q)
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
        o = _stable_order(s)
        ins = np.searchsorted(self.rkeys, s[o], "right")
        self.rkeys = _insert_at(self.rkeys, ins, s[o])
        self.rrows = _insert_at(self.rrows, ins, n0 + o)
        if len(self.rkeys) * 8 > len(self.bkeys):
            ins = np.searchsorted(self.bkeys, self.rkeys, "right")
            self.bkeys = _insert_at(self.bkeys, ins, self.rkeys)
            self.brows = _insert_at(self.brows, ins, self.rrows)
            self.base.set_sorted(self.bkeys, self.brows)
            self.rkeys = self.rrows = np.zeros(0, np.int64)


def _eq(col: Any, value: str) -> np.ndarray:
    """Mask of the rows of a string column equal to ``value`` (null: False), in Arrow
    (no Python strings)."""
    m = pc.fill_null(pc.equal(col, value), False)
    return np.asarray(m.to_numpy(zero_copy_only=False), bool)


# the input columns interned in one pass (their ids are what ``kept_strings`` keeps)
ENCODED_COLUMNS: list[tuple[str, str]] = [
    ("rs_init", "key"), ("rs_init", "val"), ("rs_flow", "dst"), ("rs_flow", "src"),
    ("rs_attr", "e"), ("rs_attr", "base"), ("rs_attr", "attr"),
    ("rs_astore", "base"), ("rs_astore", "attr"), ("rs_astore", "src"),
    ("rs_sub", "e"), ("rs_sub", "base"), ("rs_sstore", "base"), ("rs_sstore", "src"),
    ("rs_call", "ckey"), ("rs_call", "res"), ("rs_arg", "ckey"), ("rs_arg", "src"),
    ("rs_arg", "kw"), ("rs_param", "fkey"), ("rs_param", "key"), ("rs_param", "name"),
    ("rs_ann", "key"), ("rs_ann", "src"), ("rs_super", "e"), ("rs_super", "selfkey"),
    ("rs_super", "cls"),
]  # fmt: skip


class PointsTo:
    """Holds the relations and runs rounds until nothing new is derived."""

    def __init__(
        self,
        facts: dict[str, pa.Table],
        seeds: Any,
        kept: KeptStrings | None = None,
        hints: dict[tuple[str, str], np.ndarray] | None = None,
    ) -> None:
        """``kept``: start from an earlier run's interner; ``hints``: the kept ids of
        the rows of ``ENCODED_COLUMNS`` (-1 where unknown), see ``kept_strings``."""
        self.rounds = 0
        self.seeds = seeds
        S = self.S = _Strings(kept)
        init_seed, flow_seed = seeds.tables()
        # one interning pass over every string column; ``enc`` then reads the result
        spec = ENCODED_COLUMNS
        cols = [facts[t][c] for t, c in spec]
        cols += [init_seed["key"], init_seed["val"], flow_seed["dst"], flow_seed["src"]]
        known = None
        if kept is not None and hints is not None:
            known = [hints.get(k) for k in spec] + [None] * 4
        got = S.encode_many(cols, known)
        done = self.encoded = dict(zip(spec, got, strict=False))

        def enc(t: str, c: str) -> np.ndarray:
            return done[(t, c)]

        ik = np.concatenate([enc("rs_init", "key"), got[-4]])
        iv = np.concatenate([enc("rs_init", "val"), got[-3]])
        fd = np.concatenate([enc("rs_flow", "dst"), got[-2]])
        fs = np.concatenate([enc("rs_flow", "src"), got[-1]])
        ok = (fd >= 0) & (fs >= 0)
        # flows: (dst, src, bind), deduplicated; indexed by src (appended per round)
        pairs = _usort((fd[ok] << 32) | fs[ok])  # distinct (dst, src), sorted
        fb = np.full(len(pairs), NO_BIND, np.int64)
        self.flows = _Flows(pairs >> 32, pairs & _MASK32, fb)
        self.flow_seen = _PairSet(pairs, fb)
        # static relations
        self.a_e, self.a_base, self.a_attr = (
            enc("rs_attr", "e"),
            enc("rs_attr", "base"),
            enc("rs_attr", "attr"),
        )
        self.ix_attr = _Index(self.a_base)
        # protocol reads (``extract.facts.proto``: keys ending in ``p``) look for
        # methods of the repository only: no external ``x.__add__`` values
        a_e = facts["rs_attr"]["e"]
        self.a_proto = (
            pc.ends_with(a_e, "p").to_numpy(zero_copy_only=False).astype(bool)
            if len(a_e)
            else np.zeros(0, bool)
        )
        self.as_base, self.as_attr, self.as_src = (
            enc("rs_astore", "base"),
            enc("rs_astore", "attr"),
            enc("rs_astore", "src"),
        )
        self.ix_astore = _Index(self.as_base)
        self.sb_e, self.sb_base = enc("rs_sub", "e"), enc("rs_sub", "base")
        self.ix_sub = _Index(self.sb_base)
        # positional reads (``e`` ends with ``~i<N>``): the interned id of "N", else -1
        e_str = facts["rs_sub"]["e"]
        if isinstance(e_str, pa.ChunkedArray):
            e_str = e_str.combine_chunks() if e_str.num_chunks else pa.array([], pa.string())
        e_str = e_str.cast(pa.string())
        pos = pc.extract_regex(e_str, INDEX_MARK + r"(?P<n>-?[0-9]+|s[0-9a-f]*)$")
        self.sb_pos = S.intern(pc.struct_field(pos, [0]) if len(e_str) else e_str)
        self.ss_base, self.ss_src = enc("rs_sstore", "base"), enc("rs_sstore", "src")
        self.ss_slot = S.intern(facts["rs_sstore"]["slot"])
        # per container id: kind (-1: not parsed yet) and literal length (or -1)
        self._ckind = np.zeros(0, np.int8)
        self._clen = np.zeros(0, np.int64)
        # slot tokens (``<container>[<tok>]``) get small local ids; the slot ids are
        # memoised per (container, token)
        self._tok_ids: dict[str, int] = {}
        self._tok_strs: list[str] = []
        for t in ("", "*", "-*", ">"):
            self._tok(t)
        self._slot_memo = _IntMap()
        self._token_columns()
        self.ix_sstore = _Index(self.ss_base)
        c = facts["rs_call"]
        self.c_key, self.c_res = enc("rs_call", "ckey"), enc("rs_call", "res")
        self.c_mode_deco = _eq(c["mode"], "deco")
        self.c_mode_raise = _eq(c["mode"], "raise")
        # property accesses and protocol calls are keyed by the attribute read itself:
        # what it holds is called, and it never gets constructors or ``__call__``
        self.c_mode_attr = _eq(c["mode"], PROP_MODE) | _eq(c["mode"], PROTO_MODE)
        # a property read's value is what its getter returns (``rs_call.res`` of a
        # ``prop`` row is the attribute's own key): only accessors (``rs_prop``) read
        # through an instance give it; a plain function stored in an attribute is not
        # called by reading it
        self.c_mode_prop = _eq(c["mode"], PROP_MODE)
        self.accessors = _usort(S.intern(facts["rs_prop"]["fkey"]))
        self.ix_calls = _Index(self.c_key)
        # call keys, sorted: the methods a call runs implicitly (``__call__`` of the
        # instances it may call, ``__init__``/``__new__`` of the classes) enter the
        # call key past ``KEY_CAP`` (see ``_implicit_past_cap``)
        self.ckey_ids = _usort(self.c_key[self.c_key >= 0])
        g = facts["rs_arg"]
        self.g_key, self.g_src, self.g_kw = (
            enc("rs_arg", "ckey"),
            enc("rs_arg", "src"),
            enc("rs_arg", "kw"),
        )
        self.g_pos = g["pos"].fill_null(-1).to_numpy().astype(np.int64)
        self.g_star = g["star"].fill_null(0).to_numpy().astype(np.int64)
        self.ix_args = _Index(self.g_key)
        p = facts["rs_param"]
        self.p_fkey, self.p_key, self.p_name = (
            enc("rs_param", "fkey"),
            enc("rs_param", "key"),
            enc("rs_param", "name"),
        )
        self.p_pos = p["pos"].fill_null(-1).to_numpy().astype(np.int64)
        self.p_kind_p, self.p_kind_k = _eq(p["kind"], "p"), _eq(p["kind"], "k")
        self.p_kind_v, self.p_kind_w = _eq(p["kind"], "v"), _eq(p["kind"], "w")
        self.ix_params = _Index(self.p_fkey)
        # npos of each parameter row's function (count of positional parameters)
        fk_p = self.p_fkey[self.p_kind_p]
        u, cnt = _ucount(fk_p)
        pos = np.searchsorted(u, self.p_fkey)
        pos_c = np.minimum(pos, max(len(u) - 1, 0))
        hit = (len(u) > 0) & (u[pos_c] == self.p_fkey) if len(u) else np.zeros(len(pos), bool)
        self.p_npos = np.where(hit, cnt[pos_c] if len(u) else 0, 0)
        # (fkey, name) of non-*args/**kwargs parameters, for the **kwargs left join
        nv = ~(self.p_kind_v | self.p_kind_w)
        self.p_named = _usort((self.p_fkey[nv] << 32) | self.p_name[nv])

        self.an_key, self.an_src = enc("rs_ann", "key"), enc("rs_ann", "src")
        self.ix_ann = _Index(self.an_src)
        self.su_e, self.su_self, self.su_cls = (
            enc("rs_super", "e"),
            enc("rs_super", "selfkey"),
            enc("rs_super", "cls"),
        )
        self.ix_sup = _Index(self.su_self)
        d = facts["rs_def"].filter(pc.is_valid(facts["rs_def"]["mkind"]))
        vid = S.intern(d["val"])
        mk = d["mkind"].to_numpy(zero_copy_only=False)
        bits = np.zeros(len(mk), np.int8)
        for m, bit in _MK.items():
            bits[mk == m] = bit
        bits[pc.ends_with(d["val"], ".__new__").to_numpy(zero_copy_only=False)] |= MK_NEW
        np.bitwise_or.at(S.mk, vid, bits)
        np.bitwise_or.at(S.mk, S.vq[vid], bits)  # also per fkey, for bound methods
        # fkey -> the class defining the method: a bound method is keyed by that class
        # (``_transform``), since ``self`` of a method is every instance of its class
        # and subclasses anyway (``classes._self_init``)
        fk_ids, first = _usort(S.vq[vid]), None
        cls_ids = S.intern(d["cls"])
        o = np.argsort(S.vq[vid], kind="stable")
        sv = S.vq[vid][o]
        first = np.ones(len(sv), bool)
        np.not_equal(sv[1:], sv[:-1], out=first[1:])
        self.f_cls = _IntMap.of(fk_ids, cls_ids[o][first])
        # lookups become available in stage B
        self.lk_keys = np.zeros(0, np.int64)  # (cls << 32 | attr), sorted
        self.lk_owner = np.zeros(0, np.int64)
        self.sl_keys = np.zeros(0, np.int64)  # (k, cls, attr) packed, sorted
        self.sl_owner = np.zeros(0, np.int64)
        self.sl_pair: dict[tuple[int, int], int] = {}
        self.ext_base = _IntMap()  # class -> first external base (stage B)
        self.cc_base = _IntMap()  # container class -> its elements' key (stage B)
        self.px_keys = np.zeros(0, np.int64)  # reads by name prefix (stage B)
        self._builtin_ok: dict[tuple[int, int], bool] = {}
        self.init_attr = S.get("__init__")
        self.call_attr = S.get("__call__")
        self.wrap_ids = _usort(np.array([S.get("x:" + w) for w in WRAPPERS], np.int64))
        # call keys with a positional first argument
        self.has_arg0 = _usort(self.g_key[(self.g_pos == 0) & (self.g_key >= 0)])
        self.class_attr = S.get("__class__")
        self.new_attr = S.get("__new__")
        # points-to facts
        ok = (ik >= 0) & (iv >= 0)
        self.pt = _FactSet(_usort((ik[ok] << 32) | iv[ok]))
        self.counts = np.zeros(0, np.int64)
        # truncation accounting (see HARD_KEY_CAP / FACT_BUDGET), reported in stats
        self.truncated_facts = 0
        self.truncated_keys: set[int] = set()
        self.budget_hit = False
        self._count(self.pt.all())
        self.delta = self.pt.all().copy()
        self._pending = np.zeros(0, np.int64)
        # facts of the delta that go through every rule (None: all of them); the others
        # only through the rules that stage-B lookups change (see ``enable_classes``)
        self._all_rules: np.ndarray | None = None

    # -- plumbing ----------------------------------------------------------
    @property
    def ptk(self) -> np.ndarray:
        """Every points-to fact ``key << 32 | val``, sorted."""
        return self.pt.all()

    def _count(self, packed: np.ndarray) -> None:
        if not len(packed):
            return
        keys, n = _ucount(packed >> 32, presorted=True)
        need = max(self.S.n, int(keys[-1]) + 1)
        if len(self.counts) < need:
            c = np.zeros(need * 2, np.int64)
            c[: len(self.counts)] = self.counts
            self.counts = c
        self.counts[keys] += n

    def values_of(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(row, value id) of every points-to fact of ``keys`` (ids, -1: none)."""
        k = np.where(keys >= 0, keys, 0)
        ptk = self.ptk
        lo = np.searchsorted(ptk, k << 32)
        hi = np.where(keys >= 0, np.searchsorted(ptk, (k + 1) << 32), lo)
        li, pi = _expand(lo, hi - lo, None)
        return li, ptk[pi] & _MASK32

    def size(self) -> int:
        return len(self.pt)

    # -- stages --------------------------------------------------------------
    def enable_classes(self, hier: Any) -> None:
        """Stage B: class lookups become available; every known fact is re-examined
        by the rules (the whole of ``pt`` becomes the delta once)."""
        S = self.S
        lk = hier.lookup
        c, a, o = S.encode(lk["cls"]), S.encode(lk["attr"]), S.encode(lk["owner"])
        packed = (c << 32) | a
        order = np.argsort(packed, kind="stable")
        self.lk_keys, self.lk_owner = packed[order], o[order]
        sl = hier.superlookup
        k, c, a, o = (S.encode(sl[n]) for n in ("k", "cls", "attr", "owner"))
        # (k, cls) pairs get a small id so the triple packs into one int64
        pair = np.array(
            [
                self.sl_pair.setdefault(t, len(self.sl_pair))
                for t in zip(k.tolist(), c.tolist(), strict=True)
            ],
            np.int64,
        )
        packed = (pair << 32) | a
        order = np.argsort(packed, kind="stable")
        self.sl_keys, self.sl_owner = packed[order], o[order]
        self._external_bases(hier)
        self._container_classes(hier)
        self._prefix_lookups()
        if hier.self_init.num_rows:
            ik, iv = S.encode(hier.self_init["key"]), S.encode(hier.self_init["val"])
            ok = (ik >= 0) & (iv >= 0)
            self._pending = self._add_facts(_usort((ik[ok] << 32) | iv[ok]), count=False)
        # Every known fact is re-examined, but only by the rules that the lookups
        # change (attribute loads/stores on classes and instances, ``super()``
        # attributes, constructors and ``__call__``): stage A ended at its fixed point,
        # so the other rules already derived all they can from those facts (what they
        # re-derive is known, or blocked by a key cap: counts only grow). The facts
        # added here (``self_init``) are new to every rule. Same result as the whole of
        # ``pt`` through every rule, without re-deriving stage A (a third of the work).
        # If stage A stopped early (round limit), everything goes through every rule.
        converged = not len(self.delta) and not self.budget_hit
        self._all_rules = self._pending.copy() if converged else None
        self.delta = self.ptk.copy()

    def _prefix_lookups(self) -> None:
        """For reads by name prefix (``getattr(x, "visit_" + k)``, attribute rows named
        ``<prefix>PREFIX_MARK``): per (class, prefix) the attributes along the MRO whose
        names start with it and their owners, sorted by ``cls << 32 | prefix``."""
        S = self.S
        strs = S.strs
        pats = [
            (p, strs[p][: -len(PREFIX_MARK)])
            for p in _usort(self.a_attr[self.a_attr >= 0]).tolist()
            if strs[p].endswith(PREFIX_MARK)
        ]
        self.px_keys = np.zeros(0, np.int64)
        c, a, o = self.lk_keys >> 32, self.lk_keys & _MASK32, self.lk_owner
        if not pats or not len(a):
            return
        ua, inv = _uinv(a)
        names = [strs[x] for x in ua.tolist()]
        rows_k: list[np.ndarray] = []
        rows_i: list[np.ndarray] = []
        for pid, pre in pats:
            hit = np.array([n.startswith(pre) for n in names], bool)
            r = np.flatnonzero(hit[inv])
            rows_k.append((c[r] << 32) | pid)
            rows_i.append(r)
        k = np.concatenate(rows_k)
        r = np.concatenate(rows_i)
        order = np.argsort(k, kind="stable")
        self.px_keys, self.px_attr, self.px_owner = k[order], a[r][order], o[r][order]

    def _prefix_loads(
        self,
        li: np.ndarray,
        ri: np.ndarray,
        dv: np.ndarray,
        vk: np.ndarray,
        vq: np.ndarray,
        emit: Any,
    ) -> None:
        """Reads by name prefix of classes and instances: every matching attribute
        (``_prefix_lookups``), bound as an attribute load binds it."""
        k = vk[li]
        m = (k == K_C) | (k == K_I)
        if not m.any():
            return
        lm, rm = li[m], ri[m]
        q = (vq[lm] << 32) | self.a_attr[rm]
        lo = np.searchsorted(self.px_keys, q, "left")
        hi = np.searchsorted(self.px_keys, q, "right")
        i, j = _expand(lo, hi - lo, None)
        if len(i):
            emit(
                self.a_e[rm][i],
                self._dot(self.px_owner[j], self.px_attr[j]),
                dv[lm][i],
            )

    def _container_classes(self, hier: Any) -> None:
        """Class id -> the key of the elements its instances hold, for classes of the
        repository that derive from a builtin container type (``class Registry(dict)``:
        ``self[k] = v``, ``reg[k]``, ``for x in reg``, ``reg.values()``)."""
        cls = [
            q for q, seq in sorted(hier.mro.items()) if any(v in _CONTAINER_BASES for v in seq[1:])
        ]
        self.cc_base = _IntMap()
        if cls:
            c = self.S.encode(pa.array(cls, pa.string()))
            e = self.S.encode(pa.array([q + "@i[]" for q in cls], pa.string()))
            o = np.argsort(c, kind="stable")
            self.cc_base = _IntMap.of(c[o], e[o])

    def _container_instances(
        self, dk: np.ndarray, vk: np.ndarray, vq: np.ndarray, emit: Any
    ) -> None:
        """Element reads and stores on instances of container classes
        (``_container_classes``): one plain element key per class. A stage-B rule, so
        it reads the whole delta (not only ``every``)."""
        for ix, read in ((self.ix_sub, True), (self.ix_sstore, False)):
            li, ri = _probe_kinds(ix, dk, vk, _INSTANCE)
            if not len(li):
                continue
            ek = self.cc_base.get(vq[li])
            h = ek >= 0
            if read:
                emit(self.sb_e[ri][h], ek[h], NO_BIND)
            else:
                emit(ek[h], self.ss_src[ri][h], NO_BIND)

    def _external_bases(self, hier: Any) -> None:
        """Class id -> the first class outside the repository on its MRO (``object``
        aside): an attribute no class of the repository defines along the MRO is
        looked up there (``_external_attrs``)."""
        cls: list[str] = []
        ext: list[str] = []
        for q, seq in sorted(hier.mro.items()):
            for v in seq[1:]:
                if v.startswith("x:") and v != "x:builtins.object":
                    cls.append(q)
                    ext.append(v[2:])
                    break
        self.ext_base = _IntMap()
        if cls:
            c = self.S.encode(pa.array(cls, pa.string()))
            e = self.S.encode(pa.array(ext, pa.string()))
            o = np.argsort(c, kind="stable")
            self.ext_base = _IntMap.of(c[o], e[o])

    def _external_attrs(self, emit: Any) -> None:
        """``self.base_method`` in a class ``A(ext.Base)``: an attribute of an instance
        or class that no class of the repository on its MRO defines is the external
        base's (``x:ext.Base.base_method``). Lookups are a stage-B rule, so this reads
        the whole delta (``_new_facts`` sees only part of stage B's first one)."""
        if not len(self.ext_base.K) and not len(self.ext_base.RK):
            return
        S = self.S
        dk = self.delta >> 32
        dv = self.delta & _MASK32
        li, ri = _probe_kinds(self.ix_attr, dk, S.vk[dv], _SUPER_SELF)
        if not len(li):
            return
        q = S.vq[dv[li]]
        ext = self.ext_base.get(q)
        m = (ext >= 0) & ~self.a_proto[ri]
        if not m.any():
            return
        at = self.a_attr[ri][m]
        own = self._lookup(q[m], at)
        h = own < 0
        h[h] = self._builtin_method_ok(ext[m][h], at[h])
        emit(self.a_e[ri][m][h], self._val("x:", self._dot(ext[m][h], at[h])))

    def _builtin_method_ok(self, ext: np.ndarray, attr: np.ndarray) -> np.ndarray:
        """Mask of the (external base, attribute) pairs kept: a builtin type's own
        attributes are known (this interpreter's ``builtins``, never the analysed
        code), so only its methods count (``Exception.handle`` does not exist,
        ``property.fget`` is data); other external bases are unknown, kept."""
        out = np.ones(len(ext), bool)
        S = self.S
        strs = S.strs
        for i in np.flatnonzero(S.bi[self._val("x:", ext)]).tolist():
            key = (int(ext[i]), int(attr[i]))
            ok = self._builtin_ok.get(key)
            if ok is None:
                typ = getattr(builtins, strs[key[0]][len("builtins.") :], None)
                ok = self._builtin_ok[key] = callable(getattr(typ, strs[key[1]], None))
            out[i] = ok
        return out

    def _add_facts(self, cand: np.ndarray, count: bool = True) -> np.ndarray:
        """Adds the facts of ``cand`` (sorted, unique) not yet known; returns them."""
        if not len(cand):
            return cand
        fresh = ~self.pt.known(cand)
        if count:
            fresh &= self._within_cap(cand, fresh)
        new = cand[fresh]
        if len(new):
            self.pt.add(new)
            if count:
                self._count(new)
        return new

    def _within_cap(self, cand: np.ndarray, fresh: np.ndarray) -> np.ndarray:
        """Mask of the fresh facts of ``cand`` (sorted) that keep their key within
        ``HARD_KEY_CAP`` (known facts plus those fresh facts ranked before them, by
        value string: deterministic); the others are dropped and counted."""
        k = cand >> 32
        cnt = self.counts
        base = np.zeros(len(k), np.int64)
        inr = k < len(cnt)
        base[inr] = cnt[k[inr]]
        # rank of each fresh fact among the fresh facts of its key (keys are contiguous)
        f = fresh.astype(np.int64)
        cum = np.cumsum(f) - f
        # first row of each key's run (k is sorted): the running max of run starts
        start = np.ones(len(k), bool)
        np.not_equal(k[1:], k[:-1], out=start[1:])
        first = np.maximum.accumulate(np.where(start, np.arange(len(k)), 0))
        rank = cum - cum[first]
        ok = base + rank < HARD_KEY_CAP
        if not (fresh & ~ok).any():
            return ok
        # A key overflows: its fresh values are ranked by their strings, not by id, so
        # that which values stay does not depend on the order strings were interned in
        # (ids of an interner kept between builds differ from a fresh one's).
        over = _usort(k[fresh & ~ok])
        rows = np.flatnonzero(fresh & _sorted_member(over, k))
        strs = self.S.strs
        vals = (cand[rows] & _MASK32).tolist()
        order = sorted(range(len(rows)), key=lambda i: (int(k[rows[i]]), strs[vals[i]]))
        rows = rows[np.array(order, np.int64)]
        rk = k[rows]
        start = np.ones(len(rows), bool)
        np.not_equal(rk[1:], rk[:-1], out=start[1:])
        first = np.maximum.accumulate(np.where(start, np.arange(len(rows)), 0))
        ok[rows] = base[rows] + (np.arange(len(rows)) - first) < HARD_KEY_CAP
        dropped = int((fresh & ~ok).sum())
        if dropped:
            self.truncated_facts += dropped
            self.truncated_keys.update(_usort(k[fresh & ~ok]).tolist())
        return ok

    def _every_rule_mask(self) -> np.ndarray | None:
        """Mask of the delta facts that go through every rule (None: all)."""
        if self._all_rules is None:
            return None
        # the delta is sorted and distinct (every fact, see ``enable_classes``) and
        # much longer than ``a``: search the few facts of ``a`` in it, not the reverse
        a, d = self._all_rules, self.delta
        out = np.zeros(len(d), bool)
        if len(a) and len(d):
            pos = np.minimum(np.searchsorted(d, a), len(d) - 1)
            hit = d[pos] == a
            out[pos[hit]] = True
        return out

    def _lookup(self, cls: np.ndarray, attr: np.ndarray) -> np.ndarray:
        """Owner along the MRO of (cls, attr), -1 where none."""
        if not len(self.lk_keys) or not len(cls):
            return np.full(len(cls), -1, np.int64)
        q = (cls << 32) | attr
        pos = np.minimum(np.searchsorted(self.lk_keys, q), len(self.lk_keys) - 1)
        return np.where(self.lk_keys[pos] == q, self.lk_owner[pos], -1)

    def run(self, max_rounds: int = 200) -> None:
        while len(self.delta) and max_rounds > 0:
            if len(self.pt) >= FACT_BUDGET:
                # stop widening: what is known stays, the run is reported truncated
                self.budget_hit = True
                log.warning(
                    "points-to budget of %d facts reached after %d rounds; "
                    "resolution stops widening (results incomplete)",
                    FACT_BUDGET, self.rounds,
                )  # fmt: skip
                self.delta = np.zeros(0, np.int64)
                break
            max_rounds -= 1
            self.rounds += 1
            every = self._every_rule_mask()
            self._all_rules = None
            nd, ns, nb = self._new_flows(every)
            new = self._new_facts(nd, ns, nb, every)
            if len(self._pending):
                # facts added between the stages count for the cap from the end of
                # the first round on (as the per-round refresh of the SQL version did)
                self._count(self._pending)
                self._pending = np.zeros(0, np.int64)
            if len(nd):
                self.flows.add(nd, ns, nb)
            self.delta = new
            if log.isEnabledFor(logging.DEBUG):
                log.debug(
                    "round %d: delta=%d pt=%d flows=%d new_flows=%d strings=%d rss=%.0fMiB",
                    self.rounds, len(new), len(self.pt), self.flows.n, len(nd), self.S.n,
                    _rss_mib(),
                )  # fmt: skip

    # -- rules -------------------------------------------------------------
    def _new_flows(self, every: np.ndarray | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """New flows from the delta. ``every``: mask of the delta facts that go through
        every rule; the others only through the lookup rules (None: all facts)."""
        S = self.S
        dk = self.delta >> 32
        dv = self.delta & _MASK32
        vk = S.vk[dv]
        vq = S.vq[dv]
        dst: list[np.ndarray] = []
        src: list[np.ndarray] = []
        bnd: list[np.ndarray] = []

        def emit(d: np.ndarray, s: np.ndarray, b: Any) -> None:
            if len(d):
                dst.append(d)
                src.append(s)
                bnd.append(np.broadcast_to(np.asarray(b, np.int64), d.shape).copy())

        dot = self._dot
        # attribute loads
        li, ri = _probe_kinds(self.ix_attr, dk, vk, _ATTR_LOAD)
        if len(li):
            k = vk[li]
            attr = self.a_attr[ri]
            e = self.a_e[ri]
            m = k == K_M
            if every is not None:
                m &= every[li]
            emit(e[m], dot(vq[li][m], attr[m]), NO_BIND)
            m = (k == K_C) | (k == K_I)
            q, at = vq[li][m], attr[m]
            own = self._lookup(q, at)
            emit(e[m], dot(np.where(own >= 0, own, q), at), dv[li][m])
            m = k == K_S
            if m.any() and len(self.sl_keys):
                sv = dv[li][m]
                k1, k2 = vq[li][m], S.v2[sv]
                pairs = np.array(
                    [self.sl_pair.get(t, -1) for t in zip(k1.tolist(), k2.tolist(), strict=True)],
                    np.int64,
                )
                q = (pairs << 32) | attr[m]
                pos = np.minimum(np.searchsorted(self.sl_keys, q), len(self.sl_keys) - 1)
                hit = (pairs >= 0) & (self.sl_keys[pos] == q)
                emit(
                    e[m][hit],
                    dot(self.sl_owner[pos][hit], attr[m][hit]),
                    self._val("i:", k2[hit]),
                )
            if len(self.px_keys):
                self._prefix_loads(li, ri, dv, vk, vq, emit)
        # attribute stores
        li, ri = _probe_kinds(self.ix_astore, dk, vk, _ATTR_STORE)
        if len(li):
            k = vk[li]
            attr, s = self.as_attr[ri], self.as_src[ri]
            m = (k == K_C) | (k == K_I)
            q, at = vq[li][m], attr[m]
            own = self._lookup(q, at)
            emit(dot(np.where(own >= 0, own, q), at), s[m], NO_BIND)
            m = k == K_M
            if every is not None:
                m &= every[li]
            emit(dot(vq[li][m], attr[m]), s[m], NO_BIND)
        # container elements
        li, ri = _probe_kinds(self.ix_sub, dk, vk, _CONTAINER, every)
        m = vk[li] == K_L
        if m.any():
            q, e, row = vq[li][m], self.sb_e[ri][m], ri[m]
            kinds, _n = self._containers(q)
            at = (kinds != _PLAIN) & (self.sb_pos[row] >= 0)
            emit(e[~at], self._elem(q[~at]), NO_BIND)
            if at.any():
                self._keyed_reads(q[at], e[at], row[at], emit)
        li, ri = _probe_kinds(self.ix_sstore, dk, vk, _CONTAINER, every)
        m = vk[li] == K_L
        emit(self._elem(vq[li][m]), self.ss_src[ri][m], NO_BIND)
        if m.any():
            self._keyed_stores(vq[li][m], self.ss_src[ri][m], ri[m], emit)
        if len(self.cc_base.K) or len(self.cc_base.RK):
            self._container_instances(dk, vk, vq, emit)
        # calls
        li, ri = _probe_kinds(self.ix_calls, dk, vk, _CALLED)
        if len(li):
            k = vk[li]
            isfn = (k == K_F) | (k == K_B)
            ev = every[li] if every is not None else np.ones(len(li), bool)
            # call results of functions and bound methods
            m = isfn & (self.c_res[ri] >= 0) & ev
            mp = m & self.c_mode_prop[ri]
            if mp.any():
                # through an instance (a bound accessor): ``C.prop`` on the class is
                # the property object itself, no getter runs
                m[mp] = _sorted_member(self.accessors, vq[li][mp]) & (k[mp] == K_B)
            fkey = vq[li][m]
            emit(self.c_res[ri][m], S.unary("ret", fkey, lambda s: s + ".<ret>"), P_BIND)
            # decorators outside the repo keep the decorated function
            m = self.c_mode_deco[ri] & ((k == K_X) | (k == K_XI)) & ev
            if m.any():
                ci = ri[m]
                aj, ar = self.ix_args.probe(self.c_key[ci])
                ok = self.g_pos[ar] == 0
                emit(self.c_res[ci][aj][ok], self.g_src[ar][ok], NO_BIND)
            # wrappers outside the repo: the result is (or calls) the first argument
            m = (k == K_X) & ~self.c_mode_attr[ri] & ev
            if m.any():
                m[m] = _sorted_member(self.wrap_ids, dv[li][m])
            if m.any():
                ci = ri[m]
                aj, ar = self.ix_args.probe(self.c_key[ci])
                ok = self.g_pos[ar] == 0
                emit(self.c_res[ci][aj][ok], self.g_src[ar][ok], NO_BIND)
                bare = ~_sorted_member(self.has_arg0, self.c_key[ci])
                emit(self.c_res[ci][bare], self.c_key[ci][bare], NO_BIND)
            # constructors call __init__, instances their __call__
            attr_mode = self.c_mode_attr[ri]
            mc = (k == K_C) & ~attr_mode
            mi = (k == K_I) & ~self.c_mode_raise[ri] & ~attr_mode
            m = mc | mi
            if m.any():
                q = vq[li][m]
                at = np.where(mc[m], self.init_attr, self.call_attr)
                own = self._lookup(q, at)
                h = own >= 0
                emit(self.c_key[ri][m][h], dot(own[h], at[h]), self._val("i:", q[h]))
            # ... and ``__new__`` first, bound to the class (``_transform``)
            if mc.any():
                q = vq[li][mc]
                at = np.full(len(q), self.new_attr, np.int64)
                own = self._lookup(q, at)
                h = own >= 0
                emit(self.c_key[ri][mc][h], dot(own[h], at[h]), dv[li][mc][h])

        # arguments -> parameters
        fm = (vk == K_F) | (vk == K_B)
        if every is not None:
            fm &= every
        if fm.any():
            self._arg_flows(dk[fm], vq[fm], vk[fm], emit)
        if not dst:
            e = np.zeros(0, np.int64)
            return e, e, e
        d = np.concatenate(dst)
        s = np.concatenate(src)
        b = np.concatenate(bnd)
        ok = (d >= 0) & (s >= 0)
        d, s, b = d[ok], s[ok], b[ok]
        # set difference against the known flows
        idx = self.flow_seen.add((d << 32) | s, b)
        return d[idx], s[idx], b[idx]

    def _tok(self, t: str) -> int:
        i = self._tok_ids.get(t)
        if i is None:
            i = self._tok_ids[t] = len(self._tok_strs)
            self._tok_strs.append(t)
        return i

    def _token_columns(self) -> None:
        """Per row of ``rs_sub`` (constant reads) and ``rs_sstore`` (stores), what the
        keyed-container rules need of the token, parsed once per distinct token."""
        strs = self.S.strs
        n = len(self.sb_pos)
        self.sb_tid = np.full(n, -1, np.int64)  # local id of the token
        self.sb_tstr = np.zeros(n, bool)  # a str key (``s<hash>``)
        self.sb_tint = np.zeros(n, np.int64)  # the int of a positional token
        has = np.flatnonzero(self.sb_pos >= 0)
        if len(has):
            u, inv = _uinv(self.sb_pos[has])
            toks = [strs[i] for i in u.tolist()]
            self.sb_tid[has] = np.array([self._tok(t) for t in toks], np.int64)[inv]
            isstr = np.array([t.startswith("s") for t in toks], bool)
            self.sb_tstr[has] = isstr[inv]
            self.sb_tint[has] = np.array(
                [0 if t.startswith("s") else int(t) for t in toks], np.int64
            )[inv]
        # stores: how (0 other, 1 append, 2 shift) and, for ``=<tok>``, the token
        n = len(self.ss_slot)
        self.ss_how = np.zeros(n, np.int8)
        self.ss_eq = np.full(n, -1, np.int64)
        has = np.flatnonzero(self.ss_slot >= 0)
        if len(has):
            u, inv = _uinv(self.ss_slot[has])
            hows = [strs[i] for i in u.tolist()]
            how = np.array([1 if h == APPEND else 2 if h == SHIFT else 0 for h in hows], np.int8)
            eq = np.array([self._tok(h[1:]) if h.startswith("=") else -1 for h in hows], np.int64)
            self.ss_how[has] = how[inv]
            self.ss_eq[has] = eq[inv]

    def _containers(self, q: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(kind, literal length or -1) of container key ids ``q``; each id is parsed
        once (a ``@t<n>`` suffix: sequence, ``@d``: dict display, else plain)."""
        if len(self._ckind) < self.S.n:
            cap = 2 * self.S.n
            ck = np.full(cap, -1, np.int8)
            ck[: len(self._ckind)] = self._ckind
            cl = np.full(cap, -1, np.int64)
            cl[: len(self._clen)] = self._clen
            self._ckind, self._clen = ck, cl
        k = self._ckind[q]
        unk = k < 0
        if unk.any():
            strs = self.S.strs
            for qi in _usort(q[unk]).tolist():
                t = strs[qi]
                mt = _SEQ_RE.search(t)
                if mt is not None:
                    self._ckind[qi] = _SEQ
                    self._clen[qi] = int(mt.group(1)) if mt.group(1) else -1
                else:
                    self._ckind[qi] = _DICT if t.endswith(DICT_MARK) else _PLAIN
            k = self._ckind[q]
        return k, self._clen[q]

    def _slots(self, q: np.ndarray, tok: np.ndarray) -> np.ndarray:
        """Ids of ``<container>[<tok>]`` (token local ids). New strings are interned
        in the order of first request, as one ``get`` per request would."""
        packed = (q << 32) | tok
        res = self._slot_memo.get(packed)
        miss = np.flatnonzero(res < 0)
        if len(miss):
            firsts = list(dict.fromkeys(packed[miss].tolist()))
            strs, toks = self.S.strs, self._tok_strs
            got = self.S.get_many(
                [strs[p >> 32] + "[" + toks[p & 0xFFFFFFFF] + "]" for p in firsts]
            )
            k = np.array(firsts, np.int64)
            o = np.argsort(k)
            self._slot_memo.put(k[o], got[o])
            res = self._slot_memo.get(packed)
        return res

    def _slot_grid(self, q: np.ndarray, grid: np.ndarray) -> np.ndarray:
        """Slot ids of a (rows, k) grid of token ids (-1: none), requested row by row."""
        valid = grid >= 0
        out = np.full(grid.shape, -1, np.int64)
        out[valid] = self._slots(
            np.repeat(q, grid.shape[1]).reshape(grid.shape)[valid], grid[valid]
        )
        return out

    def _keyed_reads(self, q: np.ndarray, e: np.ndarray, row: np.ndarray, emit: Any) -> None:
        """Reads of keyed containers with a constant key (``row``: rows of ``rs_sub``):
        the key's slot plus the wildcards that stores of unknown effect fill. ``[*]``:
        any key/position; ``[>]`` (sequences): appended, i.e. at a position >= the
        literal's length; ``[-*]`` (sequences): anything a negative index may reach
        after appends. Sequences read with a str key (a TypeError at run time) read
        everything."""
        kind, n = self._containers(q)
        tid, tstr, idx = self.sb_tid[row], self.sb_tstr[row], self.sb_tint[row]
        seq = kind == _SEQ
        everything = seq & tstr
        grid = np.full((len(q), 3), -1, np.int64)
        grid[:, 0] = np.where(everything, self._tok(""), tid)
        grid[:, 1] = np.where(everything, -1, self._tok("*"))
        pos = seq & ~tstr
        grid[:, 2] = np.where(
            pos & (idx < 0),
            self._tok("-*"),
            np.where(pos & (idx >= 0) & ((n < 0) | (idx >= n)), self._tok(">"), -1),
        )
        slots = self._slot_grid(q, grid)
        ok = grid >= 0
        emit(np.repeat(e, 3).reshape(grid.shape)[ok], slots[ok], NO_BIND)

    def _keyed_stores(self, q: np.ndarray, s: np.ndarray, row: np.ndarray, emit: Any) -> None:
        """Stores into keyed containers (``row``: rows of ``rs_sstore``; every store
        also fills ``[]``, done by the caller): a dict's constant key fills its slot,
        any other store ``[*]``; a sequence's append fills ``[>]`` and lets negative
        reads see every element, moves of elements (insert, pop, del, ...) let every
        constant read see every element (an index-insensitive fallback)."""
        kind, _n = self._containers(q)
        keep = kind != _PLAIN
        q, s, row, kind = q[keep], s[keep], row[keep], kind[keep]
        how, eq = self.ss_how[row], self.ss_eq[row]
        dct = kind == _DICT
        app = ~dct & (how == 1)
        shift = ~dct & (how == 2)
        star, empty = self._tok("*"), self._tok("")
        grid = np.full((len(q), 3), -1, np.int64)
        grid[:, 0] = np.where(dct & (eq >= 0), eq, np.where(app, self._tok(">"), star))
        grid[:, 1] = np.where(app, self._tok("-*"), np.where(shift, star, -1))
        grid[:, 2] = np.where(app | shift, empty, -1)
        slots = self._slot_grid(q, grid)
        # the store itself; appends and moves also copy every element to ``[-*]``/``[*]``
        two = app | shift
        emit(
            np.concatenate([slots[:, 0], slots[two, 1]]),
            np.concatenate([s, slots[two, 2]]),
            NO_BIND,
        )

    def _arg_flows(self, ckey: np.ndarray, fkey: np.ndarray, kind: np.ndarray, emit: Any) -> None:
        """Arguments -> parameters: positional, keyword, *args/**kwargs both sides."""
        # a bound method's fkey is the first half of b:<fkey>|Q: vq holds it already
        shift = np.where(kind == K_F, 0, 1)
        fi, ai = self.ix_args.probe(ckey)
        if not len(fi):
            return
        fk = fkey[fi]
        sh = shift[fi]
        apos, astar, akw, asrc = self.g_pos[ai], self.g_star[ai], self.g_kw[ai], self.g_src[ai]
        ji, pi = self.ix_params.probe(fk)
        if len(ji):
            pp, pkind_p, pkind_k = self.p_pos[pi], self.p_kind_p[pi], self.p_kind_k[pi]
            a_pos, a_star, a_kw, s_ = apos[ji], astar[ji], akw[ji], asrc[ji]
            shj = sh[ji]
            pkey = self.p_key[pi]
            # positional
            m = pkind_p & (a_pos >= 0) & (a_star == 0) & (pp == a_pos + shj)
            emit(pkey[m], s_[m], P_BIND)
            # keyword
            m = (a_kw >= 0) & (self.p_name[pi] == a_kw) & (pkind_p | pkind_k)
            emit(pkey[m], s_[m], P_BIND)
            # *args / **kwargs at the call
            m = ((a_star == 1) & pkind_p & (pp >= shj)) | (
                (a_star == 2) & (pkind_p | pkind_k) & (pp >= shj)
            )
            emit(pkey[m], s_[m], P_BIND)
            # *args / **kwargs parameters
            pv, pw = self.p_kind_v[pi], self.p_kind_w[pi]
            m = pv & (
                ((a_pos >= 0) & (a_star == 0) & (a_pos + shj >= self.p_npos[pi])) | (a_star == 1)
            )
            emit(self._elem(pkey[m]), s_[m], P_BIND)
            if pw.any():
                q = (fk[ji] << 32) | a_kw
                pos = np.minimum(np.searchsorted(self.p_named, q), max(len(self.p_named) - 1, 0))
                named = (self.p_named[pos] == q) if len(self.p_named) else np.zeros(len(q), bool)
                # the left join keeps one row per matching named parameter when star=2
                m = pw & (a_kw >= 0) & ~named
                emit(self._elem(pkey[m]), s_[m], P_BIND)
                m = pw & (a_star == 2)
                emit(self._elem(pkey[m]), s_[m], P_BIND)

    def _new_facts(
        self, nd: np.ndarray, ns: np.ndarray, nb: np.ndarray, every: np.ndarray | None
    ) -> np.ndarray:
        """New facts: old flows x delta, new flows x all facts, the value-creating
        rules. None of these depends on the stage-B lookups, so delta facts outside
        ``every`` (a mask, None: all) take no part (see ``enable_classes``)."""
        S = self.S
        # Only the delta facts in ``every`` take part: the others would be probed with
        # key -1 and match nothing. Their order is kept, so every rule sees the same
        # matches in the same order (stage B's first round: ~2% of a delta of every
        # fact known, which the gathers and probes below would otherwise each pass).
        delta = self.delta if every is None else self.delta[every]
        dk = delta >> 32
        dv = delta & _MASK32
        vk = S.vk[dv]
        vq = S.vq[dv]
        keys: list[np.ndarray] = []
        vals: list[np.ndarray] = []

        def emit(k: np.ndarray, v: np.ndarray) -> None:
            if len(k):
                keys.append(k)
                vals.append(v)

        # old flows x delta
        di, fi = self.flows.probe(dk)
        emit(*self._transform(self.flows.d[fi], self.flows.b[fi], dv[di]))
        # new flows x all facts
        if len(nd):
            ni, pv = self.pt.values_of(ns)
            emit(*self._transform(nd[ni], nb[ni], pv))
        # annotated parameters and except-as names hold instances of the class
        li, ri = _probe_kinds(self.ix_ann, dk, vk, _CLASS)
        m = vk[li] == K_C
        emit(self.an_key[ri][m], self._val("i:", vq[li][m]))
        # calling a class makes an instance; calling something external, an external
        li, ri = _probe_kinds(self.ix_calls, dk, vk, _CALL_VALUE)
        if len(li):
            k = vk[li]
            # an attribute read or protocol row with a result constructs nothing
            res = np.where(self.c_mode_attr[ri], -1, self.c_res[ri])
            m = (res >= 0) & (k == K_C)
            emit(res[m], self._val("i:", vq[li][m]))
            m = (res >= 0) & (k == K_X) & ~S.bi[dv[li]]
            # only a class-like name (CapWords, PEP 8) makes an instance whose methods
            # we may name; what a function outside the repo returns is unknown, and
            # ``importlib.import_module(..).getcwd`` would be an invented callee
            if m.any():
                idx = np.nonzero(m)[0]
                strs = S.strs
                cap = np.array(
                    [strs[q].rpartition(".")[2][:1].isupper() for q in vq[li][idx].tolist()],
                    bool,
                )
                m[idx[~cap]] = False
            emit(res[m], self._val("xi:", vq[li][m]))
            # the receiver of a bound method call is its first parameter
            m = k == K_B
            if m.any():
                bv = dv[li][m]
                fk, q = vq[li][m], S.v2[bv]
                pj, pr = self.ix_params.probe(fk)
                ok = self.p_pos[pr] == 0
                pj, pr = pj[ok], pr[ok]
                bits = S.mk[fk[pj]]
                c = (bits & (MK_C | MK_NEW)) != 0
                other = (((bits & (MK_M | MK_S)) != 0) & ~c) | (bits == 0)
                emit(self.p_key[pr][c], self._val("c:", q[pj][c]))
                emit(self.p_key[pr][other], self._val("i:", q[pj][other]))
        # ``C[int]`` is a generic alias of class C: calling it constructs C, its
        # attributes are C's (PEP 484/695), so the subscript holds the class itself
        li, ri = _probe_kinds(self.ix_sub, dk, vk, _CLASS)
        m = vk[li] == K_C
        emit(self.sb_e[ri][m], dv[li][m])
        # ``x.__class__`` of an instance is its class (``type(x)`` reads it, see facts)
        li, ri = _probe_kinds(self.ix_attr, dk, vk, _INSTANCE)
        m = self.a_attr[ri] == self.class_attr
        if m.any():
            emit(self.a_e[ri][m], self._val("c:", vq[li][m]))
        # attributes of external objects are external objects (bounded dotted depth:
        # ``n = n.next`` loops would grow names forever)
        li, ri = _probe_kinds(self.ix_attr, dk, vk, _EXTERNAL)
        if len(li):
            v = dv[li]
            k = vk[li]
            m = ((k == K_X) | ((k == K_XI) & ~S.bi[v])) & (S.dots[v] < 5)
            m &= ~self.a_proto[ri]
            q = self._dot(vq[li][m], self.a_attr[ri][m])
            emit(self.a_e[ri][m], self._val("x:", q))
        self._external_attrs(emit)
        # super() inside a method of class K, for each class C of self
        li, ri = _probe_kinds(self.ix_sup, dk, vk, _SUPER_SELF)
        m = (vk[li] == K_I) | (vk[li] == K_C)
        if m.any():
            cls, q = self.su_cls[ri][m], vq[li][m]
            sv = S.binary("sup", cls, q, lambda a, b: "s:" + a + "|" + b)
            emit(self.su_e[ri][m], sv)
        if not keys:
            return np.zeros(0, np.int64)
        k = np.concatenate(keys)
        v = np.concatenate(vals)
        ok = (k >= 0) & (v >= 0)
        k, v = k[ok], v[ok]
        # saturated keys (as of the facts before this round) take nothing new
        cnt = self.counts
        sat = np.zeros(len(k), bool)
        inr = k < len(cnt)
        sat[inr] = cnt[k[inr]] >= KEY_CAP
        if sat.any():
            sat[sat] = ~self._implicit_past_cap(k[sat], v[sat], cnt)
        k, v = k[~sat], v[~sat]
        return self._add_facts(_usort((k << 32) | v))

    def _implicit_past_cap(self, k: np.ndarray, v: np.ndarray, cnt: np.ndarray) -> np.ndarray:
        """Mask of the facts (k, v) of saturated keys that still enter: a bound method
        into a call key. A call key saturated by the instances (classes) it may call
        would otherwise block their ``__call__`` (``__init__``) methods, which the
        call runs; there is at most one per value already held, and the key stays
        below ``IMPLICIT_CAP``."""
        m = (self.S.vk[v] == K_B) & _sorted_member(self.ckey_ids, k)
        m &= cnt[np.minimum(k, len(cnt) - 1)] < IMPLICIT_CAP
        if m.any():
            # only the methods the call itself runs, not other bound methods that
            # flow into the key (those stay within the cap)
            strs = self.S.strs
            fk = self.S.vq[v[m]].tolist()
            m[m] = np.array([strs[f].endswith(_IMPLICIT_METHODS) for f in fk], bool)
        return m

    def _transform(self, dst: np.ndarray, bind: np.ndarray, v: np.ndarray) -> Any:
        """Values read through flows with a binding: ``P`` drops externals, a receiver
        turns functions into bound methods (per method kind)."""
        if not len(dst):
            return dst, v
        S = self.S
        k = S.vk[v]
        out = v.copy()
        keep = np.ones(len(v), bool)
        keep &= ~((bind == P_BIND) & ((k == K_X) | (k == K_XI)))
        rb = (bind >= 0) & (k == K_F)
        extra_d: list[np.ndarray] = []
        extra_v: list[np.ndarray] = []
        if rb.any():
            bits = S.mk[v[rb]]
            bk = S.vk[bind[rb]]
            new = ((bits & MK_NEW) != 0) & (bk == K_C)
            to_b = ((bits & MK_C) != 0) | (((bits & MK_M) != 0) & (bk == K_I)) | new
            stay = (((bits & MK_S) != 0) & ~new) | (((bits & MK_M) != 0) & (bk != K_I))
            stay |= bits == 0
            idx = np.nonzero(rb)[0]
            fk = S.vq[v[idx[to_b]]]
            own = self.f_cls.get(fk)
            bv = S.binary(
                "bound",
                fk,
                np.where(own >= 0, own, S.vq[bind[idx[to_b]]]),
                lambda a, b: "b:" + a + "|" + b,
            )
            # rows that only become bound methods drop their plain value
            keep[idx[~stay]] = False
            extra_d.append(dst[idx[to_b]])
            extra_v.append(bv)
        return (
            np.concatenate([dst[keep], *extra_d]),
            np.concatenate([out[keep], *extra_v]),
        )

    # -- constructors --------------------------------------------------------
    def _dot(self, q: np.ndarray, attr: np.ndarray) -> np.ndarray:
        return self.S.binary("dot", q, attr, lambda a, b: a + "." + b)

    def _elem(self, q: np.ndarray) -> np.ndarray:
        return self.S.unary("elem", q, lambda s: s + "[]")

    def _val(self, prefix: str, q: np.ndarray) -> np.ndarray:
        return self.S.unary(prefix, q, lambda s: prefix + s)
