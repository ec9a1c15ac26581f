"""Handing freed memory back to the operating system between stages.

Resolution and the Delta writes allocate and free gigabytes of short-lived buffers
(numpy arrays through glibc malloc, Arrow buffers through Arrow's pool). Freed memory
stays in the allocators' free lists, so the process keeps its peak resident size and
the next stage's allocations stack on top of it. Releasing it after such a stage lets
the next one reuse the pages, so the build's peak is that of its largest stage rather
than the sum of them.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys
from functools import lru_cache

import pyarrow as pa


@lru_cache(maxsize=1)
def _malloc_trim() -> object | None:
    if not sys.platform.startswith("linux"):
        return None
    name = ctypes.util.find_library("c")
    if not name:
        return None
    try:
        return ctypes.CDLL(name).malloc_trim
    except (OSError, AttributeError):  # not glibc (musl has no malloc_trim)
        return None


def release_memory() -> None:
    """Return free heap pages of both allocators to the OS. (No ``gc.collect()``: the
    buffers are freed by reference counting, and a full collection over a large
    application heap costs more than the whole release.)"""
    pa.default_memory_pool().release_unused()
    trim = _malloc_trim()
    if trim is not None:
        trim(0)
