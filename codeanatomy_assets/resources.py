"""The engine as a Dagster resource: where the warehouse and caches live.

The ``CODEANATOMY_*`` settings a Dagster user configures (the warehouse, the repos
file) are bound to the resource with ``dg.EnvVar`` by ``resource_from_env``, so the UI
shows where each value comes from; the engine's other settings
(``codeanatomy_hamilton.core.settings``) are read once per build, by ``settings()``.
"""

from __future__ import annotations

import os

import dagster as dg

from codeanatomy_hamilton.core.settings import Settings
from codeanatomy_hamilton.scan.gitsync import sync_clone

from .repos import SAMPLE_REPO, RepoConfig, dagster_home, find_repo, sample_git_repo

# resource field -> the setting a Dagster user sets in the environment instead
ENV_FIELDS = {
    field: Settings.env_name(setting)
    for field, setting in (
        ("warehouse", "warehouse"),
        ("repos_file", "repos_file"),
        ("hamilton_ui", "hamilton_ui"),
    )
}


class CodeAnatomyResource(dg.ConfigurableResource):
    """Settings shared by every CodeAnatomy asset, sensor and schedule."""

    warehouse: str = ""  # default: $DAGSTER_HOME/warehouse
    cache_dir: str = ""  # default: $DAGSTER_HOME/cache
    repos_file: str = ""  # default: $DAGSTER_HOME/repos.yaml
    workers: int = 1
    # where extraction runs: "local", "processes" or "dask" ("": processes if workers > 1)
    executor: str = ""
    dask_address: str = ""  # "" with executor "dask": a LocalCluster on 127.0.0.1
    # Hamilton UI URL for opt-in run tracking, e.g. http://127.0.0.1:8241 (default: the
    # setting CODEANATOMY_HAMILTON_UI, else off); a build never fails because the UI is down
    hamilton_ui: str = ""
    # Hamilton caching of engine results under cache_path()/hamilton (on by default)
    use_cache: bool = True

    def settings(self) -> Settings:
        """The engine's ``CODEANATOMY_*`` settings, read from the environment now."""
        return Settings.from_env()

    def warehouse_path(self) -> str:
        return (
            self.warehouse or self.settings().warehouse or os.path.join(dagster_home(), "warehouse")
        )

    def cache_path(self) -> str:
        return self.cache_dir or os.path.join(dagster_home(), "cache")

    def repo(self, repo_id: str) -> RepoConfig:
        return find_repo(repo_id, self.repos_file or None)

    def local_path(self, repo: RepoConfig) -> str:
        """A local directory for the repo (remote URLs are cloned/fetched into the cache)."""
        if repo.path == SAMPLE_REPO:
            # the package's copy is no git repo; a build of it would have no commit
            return sample_git_repo(self.cache_path())
        if repo.path is not None:
            return repo.path
        return sync_clone(repo.url or "", os.path.join(self.cache_path(), "clones", repo.id))


def resource_from_env(environ: dict[str, str] | None = None) -> CodeAnatomyResource:
    """The resource with each of ``ENV_FIELDS`` bound to its environment variable
    (``dg.EnvVar``) where that variable is set; unset ones keep their defaults."""
    env = os.environ if environ is None else environ
    return CodeAnatomyResource(
        **{name: dg.EnvVar(var) for name, var in ENV_FIELDS.items() if env.get(var, "").strip()}
    )
