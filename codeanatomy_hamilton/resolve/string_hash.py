"""A 64-bit hash of Arrow strings, computed in numpy, stable across processes.

The interner kept between builds (``kept_strings``) finds strings by this hash: Python's
``hash`` is salted per process, and Arrow exposes no hash kernel. The hash is a
polynomial over the UTF-8 bytes (``sum(b[j] * P**j)`` mod 2**64), mixed with the
length and a splitmix64 finaliser; a lookup always compares the strings themselves,
so a collision costs a comparison, never a wrong id.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

_P = np.uint64(0x100000001B3)  # odd: every power is invertible mod 2**64
_LEN_MIX = np.uint64(0x9E3779B97F4A7C15)
# strings per chunk: bounds the per-byte temporaries (~8 arrays of 8 bytes per byte)
_CHUNK = 65536
_pow = np.ones(1, np.uint64)


def _powers(n: int) -> np.ndarray:
    """``P**j`` for ``j < n`` (wrapping), grown on demand."""
    global _pow
    if len(_pow) < n:
        m = max(n, 2 * len(_pow))
        p = np.full(m, _P, np.uint64)
        p[0] = 1
        with np.errstate(over="ignore"):
            _pow = np.cumprod(p, dtype=np.uint64)
    return _pow


def _mix(h: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):
        h = h ^ (h >> np.uint64(30))
        h = h * np.uint64(0xBF58476D1CE4E5B9)
        h = h ^ (h >> np.uint64(27))
        h = h * np.uint64(0x94D049BB133111EB)
        return h ^ (h >> np.uint64(31))


def hash_strings(arr: pa.Array | pa.ChunkedArray | list[str]) -> np.ndarray:
    """uint64 hash per string (nulls hash as the empty string)."""
    if isinstance(arr, list):
        arr = pa.array(arr, pa.string())
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks() if arr.num_chunks else pa.array([], pa.string())
    arr = arr.cast(pa.large_string())
    out = np.empty(len(arr), np.uint64)
    for lo in range(0, len(arr), _CHUNK):
        out[lo : lo + _CHUNK] = _hash_chunk(arr.slice(lo, _CHUNK))
    return out


def _hash_chunk(arr: pa.Array) -> np.ndarray:
    n = len(arr)
    bufs = arr.buffers()
    offsets = np.frombuffer(bufs[1], np.int64)[arr.offset : arr.offset + n + 1]
    start, end = offsets[:-1], offsets[1:]
    lens = (end - start).astype(np.int64)
    if arr.null_count:
        valid = np.asarray(arr.is_valid())
        lens = np.where(valid, lens, 0)
    total = int(offsets[-1] - offsets[0])
    h = np.zeros(n, np.uint64)
    if total:
        data = np.frombuffer(bufs[2], np.uint8)[offsets[0] : offsets[-1]].astype(np.uint64)
        rel = start - offsets[0]
        # position of each byte within its string
        pos = np.arange(total, dtype=np.int64) - np.repeat(rel, end - start)
        with np.errstate(over="ignore"):
            terms = data * _powers(int(pos.max()) + 1)[pos]
        nz = np.flatnonzero(end > start)
        if len(nz):
            h[nz] = np.add.reduceat(terms, rel[nz])
        h[lens == 0] = 0
    with np.errstate(over="ignore"):
        h = h ^ (lens.astype(np.uint64) * _LEN_MIX)
    return _mix(h)
