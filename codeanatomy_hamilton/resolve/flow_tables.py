"""Shared helpers of the cross-file value-flow steps (``valueflow.py``,
``valueflow_heap.py``): edge tables from id pairs, columns as numpy, and the values a
fact's base key may hold."""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from codeanatomy_hamilton.core.arrays import (
    distinct_pairs,
)
from codeanatomy_hamilton.core.schema import EDGE_SCHEMA
from codeanatomy_hamilton.resolve.points_to.interner import K_C, K_I, K_L, K_M

OBJ_KINDS = np.zeros(16, bool)
OBJ_KINDS[[K_I, K_C, K_M]] = True
CONTAINER_KINDS = np.zeros(16, bool)
CONTAINER_KINDS[K_L] = True


def ints(col: Any) -> np.ndarray:
    if isinstance(col, pa.ChunkedArray):
        col = col.combine_chunks() if col.num_chunks else pa.array([], pa.int64())
    return np.asarray(col.fill_null(0).to_numpy(zero_copy_only=False), np.int64)


def edges(
    src: np.ndarray, dst: np.ndarray, kind: str, label: Any = None, var: Any = None
) -> pa.Table:
    src, dst, first = distinct_pairs(np.asarray(src, np.int64), np.asarray(dst, np.int64))
    keep = src != dst
    n = int(keep.sum())
    cols: dict[str, Any] = {"src_id": src[keep], "dst_id": dst[keep]}
    arrays = []
    for f in EDGE_SCHEMA:
        if f.name in cols:
            arrays.append(pa.array(cols[f.name], f.type))
        elif f.name == "kind":
            arrays.append(pa.array([kind] * n, f.type))
        elif f.name == "label" and label is not None:
            arrays.append(_pick(label, first, keep, n, f.type))
        elif f.name == "variable" and var is not None:
            arrays.append(_pick(var, first, keep, n, f.type))
        else:
            arrays.append(pa.nulls(n, f.type))
    return pa.table(arrays, schema=EDGE_SCHEMA)


def _pick(v: Any, first: np.ndarray, keep: np.ndarray, n: int, t: pa.DataType) -> pa.Array:
    if isinstance(v, str):
        return pa.array([v] * n, t)
    return pa.array(np.asarray(v, object)[first][keep], t)


def chars(col: Any) -> np.ndarray:
    """A column of one-letter codes (null: empty) as a fixed-width numpy array, whose
    comparisons run in C rather than per Python object: the first character of each
    string. Read from the Arrow buffers (no Python string per row: the joined
    argument x parameter rows of FLOW_ARG are ~0.5 M); a column whose first bytes are
    not all ASCII goes through Python strings."""
    if isinstance(col, pa.ChunkedArray):
        col = col.combine_chunks() if col.num_chunks else pa.array([], pa.string())
    if col.type != pa.string():
        col = col.cast(pa.string())
    n = len(col)
    out = np.zeros(n, np.uint8)
    if n:
        bufs = col.buffers()
        offsets = np.frombuffer(bufs[1], np.int32)[col.offset : col.offset + n + 1]
        has = offsets[1:] > offsets[:-1]
        if col.null_count:
            has &= np.asarray(col.is_valid())
        if bufs[2] is not None and has.any():
            out[has] = np.frombuffer(bufs[2], np.uint8)[offsets[:-1][has]]
        if (out >= 0x80).any():
            return np.asarray(pc.fill_null(col, "").to_numpy(zero_copy_only=False), "U1")
    # ASCII bytes are their own code points: UCS-4 (numpy "U1") from uint32
    return out.astype(np.uint32).view("U1")


def strings(cols: list[Any]) -> pa.Array:
    """One string array of the given (chunked) columns, in order."""
    chunks: list[pa.Array] = []
    for c in cols:
        chunks.extend(c.chunks if isinstance(c, pa.ChunkedArray) else [c])
    return pa.chunked_array(chunks, pa.string()).combine_chunks()


def values_of_keys(pt: Any, keys: Any, bval: Any = None) -> tuple[np.ndarray, np.ndarray]:
    """(row, value id) of the objects each row's base key may hold, plus the value
    named directly in ``bval``."""
    S = pt.interner
    li, v = pt.values_of(S.lookup(keys))
    if bval is not None:
        direct = S.lookup(bval)
        ok = direct >= 0
        li = np.concatenate([li, np.nonzero(ok)[0]])
        v = np.concatenate([v, direct[ok]])
    return li, v


def concat_pairs(parts: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """The (src, dst) pairs of several slices of a join, as two arrays."""
    empty = np.zeros(0, np.int64)
    if not parts:
        return empty, empty
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])
