"""Reading a repository: a git tree at a ref (through git, never the working copy) or a
plain directory. Symlinks are never followed out of the repository."""

from __future__ import annotations

import hashlib
import os
import posixpath
import stat
import subprocess
from dataclasses import dataclass, field

from codeanatomy_hamilton.core import ids
from codeanatomy_hamilton.core.errors import SourceError

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


def decode_path(raw: bytes) -> str:
    """The repo-relative path of a file name as stored everywhere (hashed into node
    ids, written to every table, quoted in predicates): the name itself when it is
    UTF-8, else with each undecodable byte written ``\\xNN`` (``backslashreplace``),
    so it is always valid UTF-8. Git trees and plain directories both go through here.
    Two names that come out the same (``a\\xff.py`` spelled with a backslash, next to a
    file whose name has the byte 0xff) share an id range: ``resolve_collisions`` keeps
    the first and reports the other."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("utf-8", "backslashreplace")


def resolve_collisions(
    files: list[SourceFile], skipped: list[tuple[str, SourceError]]
) -> list[SourceFile]:
    """``files`` less those whose node-id range collides with another file's
    (``ids.id_collisions``), each reported in ``skipped`` as ``id_collision``."""
    losers = ids.id_collisions([f.path for f in files])
    if not losers:
        return files
    kept: list[SourceFile] = []
    taken: set[str] = set()
    for f in files:
        winner = losers.get(f.path)
        if winner is None and f.path not in taken:
            taken.add(f.path)
            kept.append(f)
            continue
        skipped.append(
            (
                f.path,
                SourceError(
                    "id_collision",
                    f"its node ids would collide with those of {winner or f.path!r} "
                    "(same 40-bit path hash); that file is analysed, this one is not",
                ),
            )
        )
    return kept


def git_blob_sha(data: bytes) -> str:
    h = hashlib.sha1(b"blob %d\0" % len(data))
    h.update(data)
    return h.hexdigest()


def _git(root: str, *args: str, input_bytes: bytes | None = None) -> bytes:
    # ``root`` is a -C operand, never an option; callers put ``--end-of-options`` or
    # ``--`` before refs and paths
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
        return (
            _git(root, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}")
            .decode()
            .strip()
        )
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
    listing = _git(root, "ls-tree", "-r", "-z", "-l", "--full-tree", "--end-of-options", commit)
    wanted: list[tuple[str, str, int]] = []
    links: list[tuple[str, str]] = []
    submodules: list[tuple[str, str]] = []
    for entry in listing.split(b"\0"):
        if not entry:
            continue
        meta, _, raw_path = entry.partition(b"\t")
        mode, otype, sha, size = meta.decode().split()
        path = decode_path(raw_path)
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
    files = resolve_collisions(files, skipped)
    return RepoSnapshot(root, True, ref, commit, files, skipped)


def python_paths_at(root: str, commit: str) -> list[str]:
    """The Python paths of the tree of ``commit`` (as ``decode_path`` spells them)."""
    listing = _git(
        root, "ls-tree", "-r", "-z", "--name-only", "--full-tree", "--end-of-options", commit
    )
    paths = (decode_path(raw) for raw in listing.split(b"\0") if raw)
    return [p for p in paths if is_python_path(p)]


def collision_groups(paths: list[str]) -> set[str]:
    """Every path of ``paths`` whose node-id range another path of ``paths`` shares."""
    out: set[str] = set()
    for loser, winner in ids.id_collisions(paths).items():
        out.update((loser, winner))
    return out


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
            raw_rel = name if rel_dir == "." else os.path.join(rel_dir, name)
            rel = decode_path(os.fsencode(raw_rel)).replace(os.sep, "/")
            try:
                st = os.lstat(full)
            except OSError as exc:
                skipped.append((rel, SourceError("unreadable", f"{type(exc).__name__}: {exc}")))
                continue
            if stat.S_ISLNK(st.st_mode):
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
            if not stat.S_ISREG(st.st_mode):
                # opening a FIFO blocks until a writer comes; a device may never end
                skipped.append((rel, SourceError("not_regular_file", _file_type(st.st_mode))))
                continue
            if st.st_size > MAX_FILE_BYTES:
                skipped.append(
                    (rel, SourceError("too_large", f"{st.st_size} bytes; limit {MAX_FILE_BYTES}"))
                )
                continue
            try:
                data = _read_regular(full)
            except OSError as exc:
                skipped.append((rel, SourceError("unreadable", f"{type(exc).__name__}: {exc}")))
                continue
            if data is None:
                skipped.append((rel, SourceError("not_regular_file", "replaced while scanned")))
                continue
            files.append(SourceFile(rel, git_blob_sha(data), data))
    files.sort(key=lambda f: f.path)
    files = resolve_collisions(files, skipped)
    return RepoSnapshot(root, False, None, None, files, skipped)


def _file_type(mode: int) -> str:
    for test, what in (
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISDIR, "a directory"),
    ):
        if test(mode):
            return f"{what}, not a regular file; not read"
    return "not a regular file; not read"


def _read_regular(full: str) -> bytes | None:
    """The bytes of ``full`` if it is (still) a regular file, else None. Opened
    non-blocking and without following a link, so a file swapped for a FIFO or a
    symlink after the ``lstat`` is never waited on or followed."""
    fd = os.open(full, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | os.O_CLOEXEC)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_size > MAX_FILE_BYTES:
            return None
        with os.fdopen(fd, "rb", closefd=False) as fh:
            return fh.read(MAX_FILE_BYTES + 1)
    finally:
        os.close(fd)


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
