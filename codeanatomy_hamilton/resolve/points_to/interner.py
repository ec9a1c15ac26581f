"""The points-to engine's string interner: every string (variable, expression and
call keys, values, attribute names) gets a dense int id once, and every value string
its parsed metadata per id (kind, the qualname after the prefix, the two halves of
``b:``/``s:`` values, dot count, method kinds), in growable numpy arrays. The rules
build new strings only through its memoised constructors (``unary``, ``binary``), so
Python touches each distinct derived string once over the whole run.

Query API for the stages after the fixed point (``resolve.classes``, ``output``,
``valueflow``): ``lookup`` (ids of a string column, without interning), ``encode``
(ids, interning new strings), ``decode`` (strings of ids), ``text`` (one string),
``kinds`` / ``quals`` / ``seconds`` (value metadata), ``prefixed`` (ids of
``prefix + string``), and ``kind_mask`` for tables of value kinds.
"""

from __future__ import annotations

from itertools import repeat
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from codeanatomy_hamilton.core.arrays import uinv, usort
from codeanatomy_hamilton.core.vocabulary import Val
from codeanatomy_hamilton.resolve.kept_strings import KeptStrings, StrList
from codeanatomy_hamilton.resolve.points_to.levels import IntMap

# value kinds (prefix of the value string), as ``Interner.vk`` holds them
K_NONE, K_F, K_C, K_I, K_M, K_L, K_X, K_XI, K_B, K_S = range(10)
_PREFIX = {"f": K_F, "c": K_C, "i": K_I, "m": K_M, "l": K_L, "x": K_X, "b": K_B, "s": K_S}
# bind markers besides value ids
NO_BIND = -1
P_BIND = -2
# method kinds as bits (a value may in principle have several rs_def rows)
MK_S, MK_C, MK_M = 1, 2, 4
# ``__new__``: a static method that a constructor call binds to the class (``cls``)
MK_NEW = 8


def kind_mask(*kinds: int) -> np.ndarray:
    """Lookup table: value kind -> whether it is one of ``kinds`` (index it with
    ``Interner.kinds(ids)``)."""
    t = np.zeros(16, bool)
    t[list(kinds)] = True
    return t


class Interner:
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
        self.memo1: dict[str, IntMap] = {}
        self.memo2: dict[str, IntMap] = {}
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
            self.memo1[name] = IntMap.of(k, v)
        for name, (k, v) in kept.memo2.items():
            self.memo2[name] = IntMap.of(k, v)
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
        m = np.fromiter(map(self.ids.get, lst, repeat(-1)), np.int64, len(lst))
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
        """The id of ``s``, numbering it (and its parts) if it is new."""
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
        if s.startswith(Val.EXT_INST):
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
            elif s.startswith(Val.EXT_INST):
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
        kinds = pa.array(
            [
                Val.FUNC,
                Val.CLASS,
                Val.INST,
                Val.MODULE,
                Val.CONTAINER,
                Val.EXT,
                Val.BOUND,
                Val.SUPER,
            ]
        )
        codes = np.array([K_F, K_C, K_I, K_M, K_L, K_X, K_B, K_S, K_NONE], np.int8)
        vk = codes[pc.index_in(p2, value_set=kinds).fill_null(len(kinds)).to_numpy()]
        xi = pc.starts_with(arr, Val.EXT_INST).to_numpy(zero_copy_only=False)
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
        if not len(arr):
            return np.zeros(0, np.int64)
        d, idx = _dictionary(arr)
        lst = d.to_pylist()
        if not self.n:  # nothing interned yet: every string is new
            m = np.append(self._add_new(d, lst), -1)
        else:
            m = np.append(self._find(d, lst), -1)
            miss = np.nonzero(m[:-1] < 0)[0]
            if len(miss):
                m[miss] = self._add_new(d.take(pa.array(miss)), [lst[i] for i in miss])
        return m[idx]

    def lookup(self, arr: Any) -> np.ndarray:
        """int64 ids of a string column without interning (unknown strings and nulls
        -> -1): for reading results, so that the ids of the fixed point do not move."""
        if not len(arr):
            return np.zeros(0, np.int64)
        d, idx = _dictionary(arr)
        m = np.append(self._find(d, d.to_pylist()), -1)
        return m[idx]

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
        """Ids of a string column (nulls -> -1), interning the strings not seen yet."""
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
            # one chunked column: the dictionary is shared by its chunks, no copy of
            # the ~40 MB of strings (on the stdlib) into one array first
            ids = (
                self.intern(pa.chunked_array(arrs, pa.string())) if arrs else np.zeros(0, np.int64)
            )
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
            got, o = self.intern(pa.chunked_array(pieces, pa.string())), 0
            for ids, u in zip(out, todo, strict=True):
                ids[u] = got[o : o + len(u)]
                o += len(u)
        return out

    def decode(self, ids: np.ndarray) -> pa.Array:
        """The strings of ``ids``, as an Arrow array."""
        return self._arrow().take(pa.array(ids))

    # -- query API (the stages after the fixed point) ----------------------------------
    def text(self, i: int) -> str:
        """The string of id ``i``."""
        return self.strs[i]

    def kinds(self, ids: np.ndarray) -> np.ndarray:
        """Value kind (``K_*``, int8) of each id; ``K_NONE`` for a string that is no value."""
        return self.vk[ids]

    def quals(self, ids: np.ndarray) -> np.ndarray:
        """Id of what follows each value's prefix (``f:a.b`` -> ``a.b``; for ``b:f|Q`` /
        ``s:K|Q`` the first half); -1 for a string that is no value."""
        return self.vq[ids]

    def seconds(self, ids: np.ndarray) -> np.ndarray:
        """Id of the second half of ``b:f|Q`` / ``s:K|Q`` values (``Q``), -1 otherwise."""
        return self.v2[ids]

    def prefixed(self, prefix: str, ids: np.ndarray) -> np.ndarray:
        """Ids of ``prefix + string`` for each id (interned, memoised per id)."""
        return self.unary(prefix, ids, lambda s: prefix + s)

    # -- memoised constructors ---------------------------------------------
    def unary(self, name: str, ids: np.ndarray, make: Any) -> np.ndarray:
        """``make(str) -> str`` applied to ids, memoised per input id (a sorted map of
        the ids seen: a dense array per constructor would cost O(all strings))."""
        memo = self.memo1.get(name)
        if memo is None:
            memo = self.memo1[name] = IntMap()
        out = memo.get(ids)
        miss = usort(ids[out < 0])
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
            memo = self.memo2[name] = IntMap()
        uniq, inv = uinv((a << 32) | b)
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


def _dictionary(arr: pa.Array | pa.ChunkedArray) -> tuple[pa.Array, np.ndarray]:
    """The distinct strings of a (chunked) string column and, per row, the index of its
    string among them (``len(dictionary)`` for null).

    A dictionary-encoded column is taken as it is: its dictionary is interned and its
    indices map the rows, so a long column of few distinct strings (the class lookups
    of ``resolve.classes``) is never decoded into one string per row; its dictionary
    must be distinct (as ``dictionary_encode`` makes it). The chunks of a chunked
    string column are encoded through one dictionary, without concatenating them
    first."""
    if isinstance(arr, pa.ChunkedArray) and arr.num_chunks == 1:
        arr = arr.chunk(0)
    if pa.types.is_dictionary(arr.type):
        if isinstance(arr, pa.Array):
            d = arr.dictionary.cast(pa.string())
            idx = arr.indices.fill_null(len(d)).to_numpy(zero_copy_only=False)
            return d, idx.astype(np.int64, copy=False)
        arr = arr.cast(pa.string())  # chunks with dictionaries of their own
    de = pc.dictionary_encode(arr.cast(pa.string()))
    if isinstance(de, pa.Array):
        d = de.dictionary
        return d, de.indices.fill_null(len(d)).to_numpy(zero_copy_only=False)
    chunks = de.chunks
    if not chunks:
        return pa.array([], pa.string()), np.zeros(0, np.int64)
    d = chunks[-1].dictionary
    if any(c.dictionary is not d and len(c.dictionary) != len(d) for c in chunks):
        # Arrow gives every chunk the final dictionary; should a version not, encode
        # the column as one array
        de = pc.dictionary_encode(arr.combine_chunks().cast(pa.string()))
        d = de.dictionary
        return d, de.indices.fill_null(len(d)).to_numpy(zero_copy_only=False)
    n = len(d)
    return d, np.concatenate(
        [c.indices.fill_null(n).to_numpy(zero_copy_only=False) for c in chunks]
    ).astype(np.int64, copy=False)


def _second(parts: pa.Array) -> pa.Array:
    """The second element of each list (null where the list has one)."""
    n = pc.list_value_length(parts).to_numpy(zero_copy_only=False)
    flat = pc.list_flatten(parts)
    offs = parts.offsets.to_numpy()
    idx = offs[:-1] - offs[0] + 1
    has = n > 1
    took = flat.take(pa.array(np.where(has, idx, 0))) if len(flat) else flat
    return pc.if_else(pa.array(has), took, pa.nulls(len(n), pa.string()))
