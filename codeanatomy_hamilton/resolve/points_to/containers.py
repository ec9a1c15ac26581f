"""Keyed containers in the points-to rules: reads and stores of a tuple/list display
with positions (``<key>@t<n>``) or a dict display with constant keys (``<key>@d``)
go through slots ``<container>[<tok>]`` instead of the one element key
``<container>[]`` (see ``extract.facts``), plus wildcard slots for stores of unknown
effect: ``[*]`` any key/position, ``[>]`` appended, ``[-*]`` what a negative index may
reach after appends, ``[]`` every element.

``Containers`` is mixed into ``core.PointsTo`` (through ``rules.Rules``): it parses
the tokens of the ``rs_sub``/``rs_sstore`` rows once, each container key once, and
memoises slot ids per (container, token).
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from codeanatomy_hamilton.core.arrays import uinv, usort
from codeanatomy_hamilton.extract.fact_keys import APPEND, DICT_MARK, SHIFT, TUPLE_MARK
from codeanatomy_hamilton.resolve.points_to.interner import NO_BIND
from codeanatomy_hamilton.resolve.points_to.levels import IntMap

# container kinds (of a container key): a ``<key>@t<n>`` sequence with positions
# (literal length n when known), a ``<key>@d`` dict display with constant keys, or
# plain (every element in ``<key>[]``)
_SEQ_RE = re.compile(re.escape(TUPLE_MARK) + r"([0-9]*)$")
PLAIN, SEQUENCE, DICT_DISPLAY = 0, 1, 2


class Containers:
    """The keyed-container rules (see the module docstring)."""

    def _init_containers(self) -> None:
        """Container state, once ``sb_pos`` and ``ss_slot`` are interned."""
        # per container id: kind (-1: not parsed yet) and literal length (or -1)
        self._ckind = np.zeros(0, np.int8)
        self._clen = np.zeros(0, np.int64)
        # slot tokens (``<container>[<tok>]``) get small local ids; the slot ids are
        # memoised per (container, token)
        self._tok_ids: dict[str, int] = {}
        self._tok_strs: list[str] = []
        for t in ("", "*", "-*", ">"):
            self._tok(t)
        self._slot_memo = IntMap()
        self._token_columns()

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
            u, inv = uinv(self.sb_pos[has])
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
            u, inv = uinv(self.ss_slot[has])
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
            for qi in usort(q[unk]).tolist():
                t = strs[qi]
                mt = _SEQ_RE.search(t)
                if mt is not None:
                    self._ckind[qi] = SEQUENCE
                    self._clen[qi] = int(mt.group(1)) if mt.group(1) else -1
                else:
                    self._ckind[qi] = DICT_DISPLAY if t.endswith(DICT_MARK) else PLAIN
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
        seq = kind == SEQUENCE
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
        keep = kind != PLAIN
        q, s, row, kind = q[keep], s[keep], row[keep], kind[keep]
        how, eq = self.ss_how[row], self.ss_eq[row]
        dct = kind == DICT_DISPLAY
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
