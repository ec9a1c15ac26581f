"""Fingerprints of the engine's code: they key the per-file fragments and the Hamilton
and resolver caches, and make the next incremental build full when the code changes."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from codeanatomy_hamilton.core.version import VERSION

# bump when a cache's file layout changes without a code change that would show
CACHE_FORMAT = "1"


@lru_cache(maxsize=1)
def engine_fingerprint() -> str:
    """Hash of the engine's code (every module of the package) plus the tool version.

    It keys the per-file fragments and makes the next incremental build full when it
    changes. Per-file rows are shaped by modules all over the package (extraction, ids,
    schemas, the fragment store, ``streams`` adding path/origin/repo to every row, ...):
    a hand-kept list of them once missed one, so an incremental warehouse could differ
    from a full build. Hashing the whole package costs a re-parse after any code change,
    never a wrong row."""
    return package_fingerprint(Path(__file__).resolve().parents[1])


def package_fingerprint(root: Path) -> str:
    """``engine_fingerprint`` of the package at ``root``."""
    files = sorted(root.rglob("*.py"))
    return source_fingerprint(f"{VERSION}\0{CACHE_FORMAT}", root, files)[:20]


def source_fingerprint(salt: str, root: Path, files: Iterable[Path]) -> str:
    """sha256 of ``salt`` and, per file, its path relative to ``root`` and its bytes:
    the version of some of the package's code (engine, resolver, the whole package)."""
    h = hashlib.sha256(salt.encode())
    for f in files:
        h.update(str(f.relative_to(root)).encode())
        h.update(b"\0")
        h.update(f.read_bytes())
    return h.hexdigest()
