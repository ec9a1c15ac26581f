"""Helpers for the incremental, time-travel and fault tests: generated git repos and
row-for-row comparison of two warehouses."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from deltalake import DeltaTable

from codeanatomy_hamilton.build import BuildRequest, BuildResult, run_build
from codeanatomy_hamilton.core.schema import CPG_TABLES

from .git_helpers import git

__all__ = ["assert_same_cpg", "build", "commit", "git", "init_repo", "table_rows"]


def init_repo(repo: Path, files: dict[str, str]) -> str:
    repo.mkdir(parents=True, exist_ok=True)
    git(repo, "init", "-q", "-b", "main")
    return commit(repo, files, "initial")


def commit(
    repo: Path,
    write: dict[str, str] | None = None,
    message: str = "change",
    delete: tuple[str, ...] = (),
    rename: dict[str, str] | None = None,
) -> str:
    for old, new in (rename or {}).items():
        (repo / new).parent.mkdir(parents=True, exist_ok=True)
        git(repo, "mv", old, new)
    for path in delete:
        git(repo, "rm", "-q", path)
    for path, text in (write or {}).items():
        f = repo / path
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text(text)
        git(repo, "add", path)
    git(repo, "commit", "-q", "--allow-empty", "-m", message)
    return git(repo, "rev-parse", "HEAD")


def build(
    repo: Path, warehouse: Path, incremental: bool = False, adapters: Sequence[Any] = (), **kw
) -> BuildResult:
    return run_build(
        BuildRequest(
            repo_path=str(repo),
            warehouse=str(warehouse),
            repo_id="r",
            incremental=incremental,
            **kw,
        ),
        adapters,
    )


def _canon(value: object) -> object:
    if isinstance(value, list):
        return tuple(_canon(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, _canon(v)) for k, v in value.items()))
    return value


def table_rows(warehouse: Path, name: str, versions: dict[str, int] | None = None) -> list[tuple]:
    dt = DeltaTable(str(warehouse / name))
    if versions and name in versions:
        dt.load_as_version(versions[name])
    table = dt.to_pyarrow_table()
    cols = sorted(table.column_names)
    rows = [tuple(_canon(r[c]) for c in cols) for r in table.to_pylist()]
    return sorted(rows, key=repr)


def assert_same_cpg(a: Path, b: Path, versions_a: dict[str, int] | None = None) -> None:
    """Every contract table (not run_manifest) holds the same rows in both warehouses."""
    for name in CPG_TABLES:
        ra = table_rows(a, name, versions_a)
        rb = table_rows(b, name)
        if ra != rb:
            only_a = set(ra) - set(rb)
            only_b = set(rb) - set(ra)
            raise AssertionError(
                f"{name}: {len(ra)} vs {len(rb)} rows; {len(only_a)} only in {a.name}, "
                f"{len(only_b)} only in {b.name}; e.g. {sorted(only_a, key=repr)[:2]} / "
                f"{sorted(only_b, key=repr)[:2]}"
            )
