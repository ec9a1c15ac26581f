"""Handing freed memory back to the operating system between stages.

Resolution and the Delta writes allocate and free gigabytes of short-lived buffers
(numpy arrays through glibc malloc, Arrow buffers through Arrow's pool). Freed memory
stays in the allocators' free lists, so the process keeps its peak resident size and
the next stage's allocations stack on top of it. Releasing it after such a stage lets
the next one reuse the pages, so the build's peak is that of its largest stage rather
than the sum of them. ``small_pages`` runs a stage with transparent huge pages off,
where zeroing fresh 2 MiB pages costs more than the pages save.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

import pyarrow as pa


@lru_cache(maxsize=1)
def _libc() -> ctypes.CDLL | None:
    """The C library on Linux (errno kept for ``prctl``), else None."""
    if not sys.platform.startswith("linux"):
        return None
    name = ctypes.util.find_library("c")
    if not name:
        return None
    try:
        return ctypes.CDLL(name, use_errno=True)
    except OSError:
        return None


def _libc_function(name: str) -> object | None:
    """A function of the C library, None where there is none (musl has no
    ``malloc_trim``)."""
    libc = _libc()
    return getattr(libc, name, None) if libc is not None else None


def _malloc_trim() -> object | None:
    return _libc_function("malloc_trim")


def release_memory() -> None:
    """Return free heap pages of both allocators to the OS. (No ``gc.collect()``: the
    buffers are freed by reference counting, and a full collection over a large
    application heap costs more than the whole release.)"""
    pa.default_memory_pool().release_unused()
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@contextmanager
def paused_gc() -> Iterator[None]:
    """Run a stage with the cyclic garbage collector paused.

    Extraction and resolution allocate millions of small acyclic objects (AST nodes,
    interned strings, per-round tuples) that reference counting frees. Left on, the
    collector runs hundreds of times per stage and rescans the whole application heap
    in each full collection: 0.19 s of a 2.3 s incremental build of the standard
    library. Paused, nothing is collected during the stage, so every object it made is
    still in the youngest generation at the end: one collection of that generation
    catches any cycle the stage made without touching the older heap."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
            gc.collect(0)


# prctl(2) options (linux/prctl.h)
_PR_SET_THP_DISABLE = 41
_PR_GET_THP_DISABLE = 42


def _prctl() -> object | None:
    return _libc_function("prctl")


@contextmanager
def small_pages() -> Iterator[None]:
    """Run a stage with transparent huge pages off for this process (Linux; elsewhere,
    or where the kernel refuses, nothing changes), restored afterwards.

    With THP set to ``always`` (a common default), the first touch of fresh anonymous
    memory faults in a 2 MiB page that the kernel zeroes whole. Resolution allocates
    hundreds of MB of short-lived arrays and Arrow buffers, most of them fresh pages in
    a build process that has not resolved before: on the standard library without
    tests that zeroing was 0.5 - 0.6 CPU-s of system time (0.8 - 1.0 s with huge pages,
    0.3 s without, user time the same), the main reason a build's resolution was
    slower than a warmed-up benchmark of it."""
    prctl = _prctl()
    before = prctl(_PR_GET_THP_DISABLE, 0, 0, 0, 0) if prctl is not None else -1
    if before != 0:  # no prctl, an error, or off already
        yield
        return
    changed = prctl(_PR_SET_THP_DISABLE, 1, 0, 0, 0) == 0
    try:
        yield
    finally:
        if changed:
            prctl(_PR_SET_THP_DISABLE, 0, 0, 0, 0)
