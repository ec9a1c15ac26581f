"""Node identifiers.

A node id is an int64 made of a 40-bit hash of the repo-relative path and a 23-bit
ordinal of the node inside its file (pre-order over the AST, then synthetic nodes).
The id therefore depends only on (path, file content): it is stable across builds for
unchanged files, and two files never need to coordinate to stay unique. Every node of
a file lies in ``[file_base(path), file_base(path) + 2**23)``.

EXTERNAL nodes hash their dotted qualname the same way, negated: file ids are never
negative, so EXTERNAL ids never fall inside a file's range, and edges into EXTERNAL
nodes sort (and cluster in Delta files) apart from edges into the repository's code.

Collisions: 40 bits are few enough that two paths with one hash are found by brute
force in a second (and a repository of a million files has a fair chance of one by
accident). The scan therefore checks every snapshot (:func:`id_collisions`): of paths
sharing a hash, the smallest (in path order) is analysed and each other one becomes an
``id_collision`` row of ``extract_errors``. The rule depends only on the set of paths,
so a full build applies it alike every time; an incremental build adds every path of a
collision group, in the old tree or the new, to the paths it replaces
(``incremental.plan_build``), so it writes what a full build would.
"""

from __future__ import annotations

import re
from hashlib import blake2b

ORDINAL_BITS = 23
MAX_ORDINAL = (1 << ORDINAL_BITS) - 1

# a repo id names files and folders (build locks, the fragment cache, Dagster's clone)
# and is a Dagster partition key: one safe path component, URL-safe, no commas; the
# first character is never a dot, so ``.`` and ``..`` are not ids
REPO_ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}")
_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")


def repo_id_problem(repo_id: str) -> str | None:
    """Why ``repo_id`` is not a valid repo id (see ``REPO_ID_RE``), or None."""
    if REPO_ID_RE.fullmatch(repo_id):
        return None
    return (
        f"invalid repo id {repo_id!r}: use 1-100 letters, digits, '.', '_' or '-', "
        "starting with a letter or digit"
    )


def default_repo_id(folder_name: str) -> str:
    """A valid repo id from a folder name: runs of other characters become ``_``
    (``my repo`` -> ``my_repo``); ``repo`` when nothing is left."""
    rid = _UNSAFE.sub("_", folder_name).lstrip("._-")[:100]
    return rid or "repo"


def _hash40(text: str) -> int:
    return int.from_bytes(blake2b(text.encode("utf-8"), digest_size=5).digest(), "big")


def file_base(path: str) -> int:
    """The id of ordinal 0 in ``path``; node ids of the file are ``base + ordinal``."""
    return _hash40("file:" + path) << ORDINAL_BITS


def id_collisions(paths: list[str]) -> dict[str, str]:
    """Each path that loses its id range to another (see above) -> the path it
    collides with (the smallest of its group). A path listed twice is not reported
    here; ``scan.resolve_collisions`` keeps its first file."""
    first: dict[int, str] = {}
    out: dict[str, str] = {}
    for path in sorted(paths):
        base = file_base(path)
        winner = first.setdefault(base, path)
        if winner != path:
            out[path] = winner
    return out


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
