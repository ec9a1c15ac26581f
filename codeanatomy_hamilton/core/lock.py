"""One build per repo id and warehouse at a time: an advisory lock file per repo.

``fcntl.flock`` locks die with the process that holds them, so a build killed with
SIGKILL never leaves a stale lock behind; the pid written into the file only serves the
error message of the build that finds the lock taken.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager

LOCK_DIR = ".codeanatomy/locks"


class BuildLockError(Exception):
    """Another build of the same repo into the same warehouse is running."""


def lock_path(warehouse: str, repo_id: str) -> str:
    return os.path.join(warehouse, LOCK_DIR, f"{repo_id}.lock")


def _holder(fd: int) -> str:
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        return os.read(fd, 64).decode("ascii", "replace").strip() or "?"
    except OSError:
        return "?"


@contextmanager
def repo_lock(warehouse: str, repo_id: str, timeout: float = 0.0) -> Iterator[None]:
    """Hold the lock of ``repo_id`` for the body; wait up to ``timeout`` seconds for it."""
    path = lock_path(warehouse, repo_id)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + max(0.0, timeout)
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise BuildLockError(
                        f"another build of repo {repo_id} is running (pid {_holder(fd)}); "
                        f"lock file {path}"
                    ) from None
                time.sleep(0.1)
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        try:
            yield
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
