"""The engine as a Dagster resource: where the warehouse and caches live."""

from __future__ import annotations

import os

import dagster as dg

from .repos import SAMPLE_REPO, RepoConfig, dagster_home, find_repo, sample_git_repo


class CodeAnatomyResource(dg.ConfigurableResource):
    """Settings shared by every CodeAnatomy asset, sensor and schedule."""

    warehouse: str = ""  # default: $DAGSTER_HOME/warehouse
    cache_dir: str = ""  # default: $DAGSTER_HOME/cache
    repos_file: str = ""  # default: $DAGSTER_HOME/repos.yaml
    workers: int = 1
    # where extraction runs: "local", "processes" or "dask" ("": processes if workers > 1)
    executor: str = ""
    dask_address: str = ""  # "" with executor "dask": a LocalCluster on 127.0.0.1
    # Hamilton UI URL for opt-in run tracking, e.g. http://127.0.0.1:8241 (default: env
    # CODEANATOMY_HAMILTON_UI, else off); a build never fails because the UI is down
    hamilton_ui: str = ""
    # Hamilton caching of engine results under cache_path()/hamilton (on by default)
    use_cache: bool = True

    def warehouse_path(self) -> str:
        return (
            self.warehouse
            or os.environ.get("CODEANATOMY_WAREHOUSE")
            or os.path.join(dagster_home(), "warehouse")
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
        from codeanatomy_hamilton.scan.gitsync import sync_clone

        return sync_clone(repo.url or "", os.path.join(self.cache_path(), "clones", repo.id))
