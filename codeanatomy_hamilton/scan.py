"""Reading a repository: a git tree at a ref (through git, never the working copy) or a
plain directory. Symlinks are never followed out of the repository."""

from __future__ import annotations

import hashlib
import os
import posixpath
import subprocess
from dataclasses import dataclass, field

from .extract.source import SourceError

MAX_FILE_BYTES = 20 * 1024 * 1024
SKIP_DIRS = frozenset({".git", "__pycache__", ".hg", ".svn", ".tox", ".nox", "node_modules"})


class ScanError(Exception):
    """Unusable input (missing path, unknown ref): the build cannot start."""


@dataclass(frozen=True)
class SourceFile:
    path: str  # repo-relative POSIX path
    blob_sha: str  # git blob id (computed the same way for plain directories)
    # the file's bytes; None until read: a git scan lists blobs without reading them,
    # and only the files a build parses are read (``with_data``), so an incremental
    # build reads the changed blobs, not the whole tree
    data: bytes | None
    size: int = -1  # bytes (from ``git ls-tree -l`` or the data)

    def __post_init__(self) -> None:
        if self.size < 0 and self.data is not None:
            object.__setattr__(self, "size", len(self.data))


@dataclass
class RepoSnapshot:
    root: str
    is_git: bool
    ref: str | None
    commit: str | None
    files: list[SourceFile]
    # files that are not analysed, with the reason (symlinks, oversize, ...)
    skipped: list[tuple[str, SourceError]] = field(default_factory=list)

    @property
    def total_bytes(self) -> int:
        return sum(f.size for f in self.files)


def git_blob_sha(data: bytes) -> str:
    h = hashlib.sha1(b"blob %d\0" % len(data))
    h.update(data)
    return h.hexdigest()


def _git(root: str, *args: str, input_bytes: bytes | None = None) -> bytes:
    proc = subprocess.run(
        ["git", "-C", root, *args],
        input=input_bytes,
        capture_output=True,
        check=False,
    )
    if proc.returncode != 0:
        raise subprocess.CalledProcessError(proc.returncode, args, proc.stdout, proc.stderr)
    return proc.stdout


def is_git_root(root: str) -> bool:
    """True when ``root`` is the top level of a git work tree (or a bare repo)."""
    try:
        top = _git(root, "rev-parse", "--show-toplevel").decode().strip()
    except (subprocess.CalledProcessError, FileNotFoundError):
        try:
            bare = _git(root, "rev-parse", "--is-bare-repository").decode().strip()
        except (subprocess.CalledProcessError, FileNotFoundError):
            return False
        return bare == "true"
    return os.path.realpath(top) == os.path.realpath(root)


def resolve_commit(root: str, ref: str) -> str:
    try:
        return _git(root, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}").decode().strip()
    except subprocess.CalledProcessError:
        raise ScanError(f"unknown ref {ref!r} in git repository {root}") from None


def _symlink_error(path: str, target: str) -> SourceError:
    resolved = posixpath.normpath(posixpath.join(posixpath.dirname(path), target))
    if posixpath.isabs(target) or resolved.startswith("../") or resolved == "..":
        return SourceError(
            "symlink_outside_repo", f"symlink to {target!r} points outside the repository"
        )
    return SourceError(
        "symlink",
        f"symlink to {resolved!r} not followed; the target is analysed under its own path",
    )


def is_python_path(path: str) -> bool:
    return path.endswith(".py")


def scan_git(root: str, ref: str) -> RepoSnapshot:
    commit = resolve_commit(root, ref)
    # ``-l``: each blob's size, so oversize files are skipped without reading them
    listing = _git(root, "ls-tree", "-r", "-z", "-l", "--full-tree", commit)
    wanted: list[tuple[str, str, int]] = []
    links: list[tuple[str, str]] = []
    submodules: list[tuple[str, str]] = []
    for entry in listing.split(b"\0"):
        if not entry:
            continue
        meta, _, raw_path = entry.partition(b"\t")
        mode, otype, sha, size = meta.decode().split()
        path = raw_path.decode("utf-8", "surrogateescape")
        if otype == "commit":
            # a submodule: another repository, pinned at a commit this one does not
            # hold; recorded, so that nothing is skipped silently
            submodules.append((path, sha))
            continue
        if otype != "blob" or not is_python_path(path):
            continue
        if mode == "120000":
            links.append((path, sha))
        else:
            wanted.append((path, sha, int(size)))
    blobs = _read_blobs(root, [sha for _, sha in links])
    files: list[SourceFile] = []
    skipped: list[tuple[str, SourceError]] = []
    for path, sha, size in wanted:
        if size > MAX_FILE_BYTES:
            skipped.append(
                (path, SourceError("too_large", f"{size} bytes; limit {MAX_FILE_BYTES}"))
            )
            continue
        files.append(SourceFile(path, sha, None, size))
    for path, sha in links:
        skipped.append((path, _symlink_error(path, blobs[sha].decode("utf-8", "replace"))))
    for path, sha in submodules:
        message = f"git submodule at commit {sha} is not analysed; build it as a repository"
        skipped.append((path, SourceError("submodule", message)))
    files.sort(key=lambda f: f.path)
    return RepoSnapshot(root, True, ref, commit, files, skipped)


def with_data(snapshot: RepoSnapshot) -> RepoSnapshot:
    """``snapshot`` with every file's bytes read (one ``git cat-file --batch`` for the
    blobs a git scan listed without reading)."""
    missing = [f.blob_sha for f in snapshot.files if f.data is None]
    if not missing:
        return snapshot
    blobs = _read_blobs(snapshot.root, missing)
    files = [
        f if f.data is not None else SourceFile(f.path, f.blob_sha, blobs[f.blob_sha], f.size)
        for f in snapshot.files
    ]
    return RepoSnapshot(
        snapshot.root,
        snapshot.is_git,
        snapshot.ref,
        snapshot.commit,
        files,
        list(snapshot.skipped),
    )


def _read_blobs(root: str, shas: list[str]) -> dict[str, bytes]:
    """All blobs through one ``git cat-file --batch`` process."""
    if not shas:
        return {}
    unique = list(dict.fromkeys(shas))
    out = _git(root, "cat-file", "--batch", input_bytes=("\n".join(unique) + "\n").encode())
    blobs: dict[str, bytes] = {}
    pos = 0
    for sha in unique:
        nl = out.index(b"\n", pos)
        header = out[pos:nl].split(b" ")
        size = int(header[2])
        start = nl + 1
        blobs[sha] = out[start : start + size]
        pos = start + size + 1
    return blobs


def scan_directory(root: str) -> RepoSnapshot:
    real_root = os.path.realpath(root)
    files: list[SourceFile] = []
    skipped: list[tuple[str, SourceError]] = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        rel_dir = os.path.relpath(dirpath, root)
        keep = []
        for d in dirnames:
            full = os.path.join(dirpath, d)
            if (
                d in SKIP_DIRS
                or os.path.islink(full)
                or os.path.exists(os.path.join(full, "pyvenv.cfg"))
            ):
                continue
            keep.append(d)
        dirnames[:] = sorted(keep)
        for name in filenames:
            if not is_python_path(name):
                continue
            full = os.path.join(dirpath, name)
            rel = name if rel_dir == "." else f"{rel_dir}/{name}".replace(os.sep, "/")
            if os.path.islink(full):
                target = os.readlink(full)
                real = os.path.realpath(full)
                inside = real == real_root or real.startswith(real_root + os.sep)
                if not inside:
                    skipped.append(
                        (
                            rel,
                            SourceError(
                                "symlink_outside_repo",
                                f"symlink to {target!r} points outside the repository",
                            ),
                        )
                    )
                else:
                    skipped.append(
                        (rel, _symlink_error(rel, os.path.relpath(real, os.path.dirname(full))))
                    )
                continue
            try:
                size = os.path.getsize(full)
                if size > MAX_FILE_BYTES:
                    skipped.append(
                        (rel, SourceError("too_large", f"{size} bytes; limit {MAX_FILE_BYTES}"))
                    )
                    continue
                with open(full, "rb") as fh:
                    data = fh.read()
            except OSError as exc:
                skipped.append((rel, SourceError("unreadable", f"{type(exc).__name__}: {exc}")))
                continue
            files.append(SourceFile(rel, git_blob_sha(data), data))
    files.sort(key=lambda f: f.path)
    return RepoSnapshot(root, False, None, None, files, skipped)


def scan_repo(root: str, ref: str = "HEAD") -> RepoSnapshot:
    """The files of ``root``: through git at ``ref`` for a git repository, else from disk."""
    if not os.path.exists(root):
        raise ScanError(f"repository path does not exist: {root}")
    if not os.path.isdir(root):
        raise ScanError(f"repository path is not a directory: {root}")
    if is_git_root(root):
        return scan_git(root, ref)
    if ref not in (None, "HEAD"):
        raise ScanError(f"--ref {ref!r} given but {root} is not a git repository")
    return scan_directory(root)
