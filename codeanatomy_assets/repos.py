"""The repositories to build and watch, configured in one file.

``$DAGSTER_HOME/repos.yaml`` (or the file named by ``CODEANATOMY_REPOS``)::

    repos:
      - id: sample            # URL-safe partition key
        path: builtin:sample  # a local path, or builtin:sample for the embedded default
        ref: HEAD
      - id: myservice
        url: file:///srv/git/myservice.git   # cloned into the cache dir
        ref: main

With no file, the embedded sample repository is the only one. The sample is built from a
git repository made from the package's files under the cache dir (``sample_git_repo``).
"""

import fcntl
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import yaml

from codeanatomy_hamilton.core.ids import REPO_ID_RE
from codeanatomy_hamilton.core.settings import Settings

SAMPLE_REPO = str(Path(__file__).parent / "sample_repo")


@dataclass(frozen=True)
class RepoConfig:
    id: str
    path: str | None = None
    url: str | None = None
    ref: str = "HEAD"
    source_roots: tuple[str, ...] = ()


class RepoConfigError(ValueError):
    pass


def dagster_home() -> str:
    return os.environ.get("DAGSTER_HOME") or str(
        Path(__file__).resolve().parent.parent / "dagster_home"
    )


def repos_file() -> str:
    """The repositories file: the setting ``CODEANATOMY_REPOS``, else
    ``$DAGSTER_HOME/repos.yaml``."""
    return Settings.from_env().repos_file or os.path.join(dagster_home(), "repos.yaml")


def default_repos() -> list[RepoConfig]:
    return [RepoConfig(id="sample", path=SAMPLE_REPO)]


def parse_repos(data: object) -> list[RepoConfig]:
    if not isinstance(data, dict) or not isinstance(data.get("repos"), list):
        raise RepoConfigError("repos file must hold a mapping with a 'repos' list")
    out: list[RepoConfig] = []
    seen: set[str] = set()
    for i, entry in enumerate(data["repos"]):
        if not isinstance(entry, dict) or "id" not in entry:
            raise RepoConfigError(f"repos[{i}] needs an 'id'")
        rid = str(entry["id"])
        if not REPO_ID_RE.fullmatch(rid):
            raise RepoConfigError(f"repo id {rid!r} is not URL-safe (letters, digits, . _ -)")
        if rid in seen:
            raise RepoConfigError(f"repo id {rid!r} appears twice")
        seen.add(rid)
        path = entry.get("path")
        url = entry.get("url")
        if (path is None) == (url is None):
            raise RepoConfigError(f"repo {rid!r} needs exactly one of 'path' or 'url'")
        if path == "builtin:sample":
            path = SAMPLE_REPO
        out.append(
            RepoConfig(
                id=rid,
                path=path,
                url=url,
                ref=str(entry.get("ref", "HEAD")),
                source_roots=tuple(entry.get("source_roots", ()) or ()),
            )
        )
    return out


def load_repos(path: str | None = None) -> list[RepoConfig]:
    path = path or repos_file()
    if not os.path.exists(path):
        return default_repos()
    with open(path) as fh:
        return parse_repos(yaml.safe_load(fh) or {})


def find_repo(repo_id: str, path: str | None = None) -> RepoConfig:
    for repo in load_repos(path):
        if repo.id == repo_id:
            return repo
    raise RepoConfigError(f"repo {repo_id!r} is not configured in {path or repos_file()}")


# the sample's commits: fixed author and dates, so the same content gives the same
# commit sha on every machine (a content hash a user can see and `git show`)
_SAMPLE_GIT_ENV = {
    "GIT_AUTHOR_NAME": "CodeAnatomy sample",
    "GIT_AUTHOR_EMAIL": "sample@codeanatomy.invalid",
    "GIT_COMMITTER_NAME": "CodeAnatomy sample",
    "GIT_COMMITTER_EMAIL": "sample@codeanatomy.invalid",
    "GIT_AUTHOR_DATE": "2026-01-01T00:00:00+0000",
    "GIT_COMMITTER_DATE": "2026-01-01T00:00:00+0000",
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": os.devnull,
}


def _git(repo: str, *args: str) -> str:
    out = subprocess.run(
        ["git", "-C", repo, "-c", "commit.gpgsign=false", *args],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, **_SAMPLE_GIT_ENV},
    )
    return out.stdout.strip()


def sample_git_repo(cache_dir: str) -> str:
    """The embedded sample as a git repository under ``cache_dir/sample_repo``, so its
    builds record a commit and rebuild incrementally like any repo. The package's files
    are synced in and committed when they changed (a package upgrade), so the commit
    names the content."""
    dest = os.path.join(cache_dir, "sample_repo")
    os.makedirs(cache_dir, exist_ok=True)
    with open(os.path.join(cache_dir, "sample_repo.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # the sensor and a run may both get here
        if not os.path.isdir(os.path.join(dest, ".git")):
            os.makedirs(dest, exist_ok=True)
            _git(dest, "init", "-q", "--initial-branch=main")
        src = Path(SAMPLE_REPO)
        wanted = {
            p.relative_to(src).as_posix()
            for p in src.rglob("*")
            if p.is_file() and "__pycache__" not in p.parts
        }
        for rel in _git(dest, "ls-files", "-z").split("\0"):
            if rel and rel not in wanted:
                os.remove(os.path.join(dest, rel))
        for rel in sorted(wanted):
            target = os.path.join(dest, rel)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            shutil.copyfile(src / rel, target)
        _git(dest, "add", "-A")
        if _git(dest, "status", "--porcelain"):
            _git(dest, "commit", "-q", "-m", "CodeAnatomy sample repository")
    return dest
