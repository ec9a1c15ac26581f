"""Local mirrors of remote git repositories (``git clone --mirror`` then ``fetch``)."""

from __future__ import annotations

import os
import shutil
import subprocess

from codeanatomy_hamilton.scan.snapshot import ScanError, is_git_root, resolve_commit

# ``ext::`` runs a command of the URL's choosing; git refuses it by default, and a
# user's git config must not turn it back on for URLs read from repos.yaml
_GIT = ["git", "-c", "protocol.ext.allow=never"]


def _origin_url(dest: str) -> str | None:
    proc = subprocess.run(
        [*_GIT, "-C", dest, "config", "--get", "remote.origin.url"],
        capture_output=True,
        check=False,
    )
    return proc.stdout.decode("utf-8", "surrogateescape").strip() if proc.returncode == 0 else None


def _same_url(stored: str | None, url: str) -> bool:
    """``stored`` (a mirror's origin) is ``url``; git records a local path absolute."""
    if stored is None:
        return False
    return stored == url or os.path.normpath(stored) == os.path.abspath(url)


def sync_clone(url: str, dest: str) -> str:
    """Clone ``url`` into ``dest`` as a bare mirror, or fetch if it is already there.

    A mirror of another URL (``url:`` changed in repos.yaml) is removed and cloned
    again. ``--`` ends the options before the URL and the folder, so a URL starting
    with ``-`` (``--upload-pack=...``) reaches git as a URL, never as an option."""
    try:
        if os.path.isdir(os.path.join(dest, "objects")) and not _same_url(_origin_url(dest), url):
            shutil.rmtree(dest)
        if os.path.isdir(os.path.join(dest, "objects")):
            subprocess.run(
                [*_GIT, "-C", dest, "fetch", "--prune", "--force", "origin", "+refs/*:refs/*"],
                check=True,
                capture_output=True,
            )
        else:
            os.makedirs(os.path.dirname(dest), exist_ok=True)
            subprocess.run(
                [*_GIT, "clone", "--mirror", "--quiet", "--", url, dest],
                check=True,
                capture_output=True,
            )
    except subprocess.CalledProcessError as exc:
        msg = exc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise ScanError(f"cannot fetch {url}: {msg[-1] if msg else exc}") from None
    return dest


def ref_commit(path: str, ref: str) -> str | None:
    """The commit ``ref`` names in the git repository at ``path``; None for a plain
    directory (nothing to watch). Raises ScanError for an unknown ref."""
    if not is_git_root(path):
        return None
    return resolve_commit(path, ref)
