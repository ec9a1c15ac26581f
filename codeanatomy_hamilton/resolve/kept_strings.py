"""An interner kept from one resolution for the next (what an incremental build reuses).

Interning the resolver's input is a third of a resolution (1.3M strings hashed by Arrow,
~500k distinct ones numbered in a Python dict). A kept interner holds, from a fresh
run: every string (input and derived) in id order, the per-string metadata the rules
read, the constructors' memos, a hash index of the strings (``string_hash``), and the
ids of every input column, row for row, with each file's row range. A later run over
mostly the same files takes the ids of the files it still has (same path and resolve
digest) from the columns, interns only the other rows, and finds strings through the
hash index instead of a dict of every string. Ids then follow the kept run's order,
which the output does not depend on (see ``points_to``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from codeanatomy_hamilton.resolve.string_hash import hash_strings


class StrList:
    """``Interner.strs`` over a kept interner: its strings stay in their Arrow array
    (the rules read a few thousand of them, one by one); new ones go to a list."""

    def __init__(self, kept: pa.Array) -> None:
        self.kept = kept
        self.n0 = len(kept)
        self.new: list[str] = []

    def __len__(self) -> int:
        return self.n0 + len(self.new)

    def __getitem__(self, i: Any) -> Any:
        if isinstance(i, slice):
            start = i.start or 0
            if start < self.n0 or i.stop is not None or i.step is not None:
                raise IndexError("only the new strings can be sliced")
            return self.new[start - self.n0 :]
        if i < self.n0:
            return self.kept[i].as_py()
        return self.new[i - self.n0]

    def append(self, s: str) -> None:
        self.new.append(s)

    def extend(self, strs: Sequence[str]) -> None:
        self.new.extend(strs)


@dataclass
class KeptStrings:
    """See the module docstring. ``files``: (path, resolve digest) of each file in
    input order; ``offsets[table]``: each file's first row in that fact table (and the
    end); ``columns[(table, column)]``: int32 ids of every row."""

    strings: pa.Array
    meta: dict[str, np.ndarray]
    memo1: dict[str, tuple[np.ndarray, np.ndarray]]
    memo2: dict[str, tuple[np.ndarray, np.ndarray]]
    hash_sorted: np.ndarray
    hash_ids: np.ndarray
    files: list[tuple[str, str]]
    offsets: dict[str, np.ndarray]
    columns: dict[tuple[str, str], np.ndarray]
    _index: dict[tuple[str, str], int] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self._index = {f: i for i, f in enumerate(self.files)}

    def find(self, arr: pa.Array) -> np.ndarray:
        """Ids of ``arr``'s strings (-1: not kept, or null)."""
        n = len(arr)
        out = np.full(n, -1, np.int64)
        hs = self.hash_sorted
        if not n or not len(hs):
            return out
        h = hash_strings(arr)
        pos = np.minimum(np.searchsorted(hs, h), len(hs) - 1)
        hit = np.flatnonzero((hs[pos] == h) & np.asarray(arr.is_valid()))
        if not len(hit):
            return out
        cand = self.hash_ids[pos[hit]]
        same = pc.equal(self.strings.take(pa.array(cand)), arr.take(pa.array(hit)))
        same = same.to_numpy(zero_copy_only=False)
        out[hit[same]] = cand[same]
        # a hash shared by several kept strings: the first of them was not it
        for j, p in zip(hit[~same].tolist(), pos[hit[~same]].tolist(), strict=True):
            s = arr[j].as_py()
            p += 1
            while p < len(hs) and hs[p] == hs[p - 1]:
                i = int(self.hash_ids[p])
                if self.strings[i].as_py() == s:
                    out[j] = i
                    break
                p += 1
        return out

    def missing_files(self, files: Sequence[tuple[str, str]]) -> int:
        """How many of ``files`` (path, resolve digest) the kept columns lack."""
        return sum(1 for f in files if f not in self._index)

    def hints(
        self, files: Sequence[tuple[str, str, dict[str, int]]], spec: Sequence[tuple[str, str]]
    ) -> dict[tuple[str, str], np.ndarray]:
        """Per input column of ``spec``, the kept id of each row (-1 for rows of files
        not kept). ``files``: (path, resolve digest, rows per fact table) in input order."""
        kept = np.array([self._index.get((p, d), -1) for p, d, _ in files], np.int64)
        jc = np.maximum(kept, 0)
        out: dict[tuple[str, str], np.ndarray] = {}
        for t in dict.fromkeys(t for t, _ in spec):
            n = np.array([rows.get(t, 0) for _, _, rows in files], np.int64)
            # per row: its file, and the row it was in the kept columns (-1: none)
            file_of = np.repeat(np.arange(len(files)), n)
            off = self.offsets.get(t)
            if off is None:
                src = np.full(len(file_of), -1, np.int64)
            else:
                ok = (kept >= 0) & (off[jc + 1] - off[jc] == n)
                first = np.cumsum(n) - n
                src = (off[jc] - first)[file_of] + np.arange(len(file_of))
                src[~ok[file_of]] = -1
            has = src >= 0
            for tc in spec:
                if tc[0] != t:
                    continue
                col = self.columns.get(tc)
                if col is None:
                    out[tc] = np.full(len(src), -1, np.int64)
                else:
                    ids = col[np.where(has, src, 0)] if len(col) else np.zeros(len(src), np.int32)
                    out[tc] = np.where(has, ids.astype(np.int64), -1)
        return out


def make_kept(
    state: dict[str, Any],
    columns: dict[tuple[str, str], np.ndarray],
    files: Sequence[tuple[str, str, dict[str, int]]],
) -> KeptStrings:
    """A ``KeptStrings`` from a fresh run's interner (``Interner.kept_state``), the ids
    of its input columns and its files (path, resolve digest, rows per fact table)."""
    strings = state["strings"]
    h = hash_strings(strings)
    order = np.argsort(h, kind="stable")
    tables = sorted({t for t, _ in columns})
    offsets = {}
    for t in tables:
        acc = np.zeros(len(files) + 1, np.int64)
        np.cumsum([rows.get(t, 0) for _, _, rows in files], out=acc[1:])
        offsets[t] = acc
    return KeptStrings(
        strings=strings,
        meta=state["meta"],
        memo1=state["memo1"],
        memo2=state["memo2"],
        hash_sorted=h[order],
        hash_ids=order.astype(np.int64),
        files=[(p, d) for p, d, _ in files],
        offsets=offsets,
        # a column that does not line up with the files' rows is not kept
        columns={
            k: v.astype(np.int32)
            for k, v in columns.items()
            if k[0] in offsets and len(v) == offsets[k[0]][-1]
        },
    )
