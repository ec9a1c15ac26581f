"""Node identifiers.

A node id is an int64 made of a 40-bit hash of the repo-relative path and a 23-bit
ordinal of the node inside its file (pre-order over the AST, then synthetic nodes).
The id therefore depends only on (path, file content): it is stable across builds for
unchanged files, and two files never need to coordinate to stay unique. Every node of
a file lies in ``[file_base(path), file_base(path) + 2**23)``.

EXTERNAL nodes hash their dotted qualname the same way, negated: file ids are never
negative, so EXTERNAL ids never fall inside a file's range, and edges into EXTERNAL
nodes sort (and cluster in Delta files) apart from edges into the repository's code.
"""

from __future__ import annotations

from hashlib import blake2b

ORDINAL_BITS = 23
MAX_ORDINAL = (1 << ORDINAL_BITS) - 1


def _hash40(text: str) -> int:
    return int.from_bytes(blake2b(text.encode("utf-8"), digest_size=5).digest(), "big")


def file_base(path: str) -> int:
    """The id of ordinal 0 in ``path``; node ids of the file are ``base + ordinal``."""
    return _hash40("file:" + path) << ORDINAL_BITS


def external_id(qualname: str) -> int:
    """The id of the EXTERNAL node with this dotted qualname (negative, see above)."""
    return -1 - (_hash40("ext:" + qualname) << ORDINAL_BITS)


def file_range(path: str) -> tuple[int, int]:
    """``[lo, hi)``: the ids of every node of ``path``."""
    base = file_base(path)
    return base, base + (1 << ORDINAL_BITS)


def module_qualname(path: str) -> str:
    """Dotted module path from the repo root, as docs/tables.md defines ``qualname``.

    ``pkg/mod.py`` -> ``pkg.mod``, ``pkg/__init__.py`` -> ``pkg``, ``main.py`` -> ``main``.
    """
    parts = path.split("/")
    last = parts[-1]
    if last.endswith(".pyi"):
        last = last[:-4]
    elif last.endswith(".py"):
        last = last[:-3]
    if last == "__init__" and len(parts) > 1:
        parts = parts[:-1]
    else:
        parts[-1] = last
    return ".".join(parts)
