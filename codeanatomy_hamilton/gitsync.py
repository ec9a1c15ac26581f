"""Local mirrors of remote git repositories (``git clone --mirror`` then ``fetch``)."""

from __future__ import annotations

import os
import subprocess

from .scan import ScanError


def sync_clone(url: str, dest: str) -> str:
    """Clone ``url`` into ``dest`` as a bare mirror, or fetch if it is already there."""
    try:
        if os.path.isdir(os.path.join(dest, "objects")):
            subprocess.run(
                ["git", "-C", dest, "fetch", "--prune", "--force", "origin", "+refs/*:refs/*"],
                check=True,
                capture_output=True,
            )
        else:
            os.makedirs(os.path.dirname(dest), exist_ok=True)
            subprocess.run(
                ["git", "clone", "--mirror", "--quiet", url, dest], check=True, capture_output=True
            )
    except subprocess.CalledProcessError as exc:
        msg = exc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise ScanError(f"cannot fetch {url}: {msg[-1] if msg else exc}") from None
    return dest


def ref_commit(path: str, ref: str) -> str | None:
    """The commit ``ref`` names in the git repository at ``path``; None for a plain
    directory (nothing to watch). Raises ScanError for an unknown ref."""
    from .scan import is_git_root, resolve_commit

    if not is_git_root(path):
        return None
    return resolve_commit(path, ref)
