"""The repositories to build and watch, configured in one file.

``$DAGSTER_HOME/repos.yaml`` (or the file named by ``CODEANATOMY_REPOS``)::

    repos:
      - id: sample            # URL-safe partition key
        path: builtin:sample  # a local path, or builtin:sample for the embedded default
        ref: HEAD
      - id: myservice
        url: file:///srv/git/myservice.git   # cloned into the cache dir
        ref: main

With no file, the embedded sample repository is the only one.
"""

import os
from dataclasses import dataclass
from pathlib import Path

import yaml

from codeanatomy_hamilton.ids import REPO_ID_RE

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
    return os.environ.get("CODEANATOMY_REPOS") or os.path.join(dagster_home(), "repos.yaml")


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
