"""Which Delta versions hold the CPG as one build left it.

A build commits each table as it goes and appends its ``run_manifest`` row last, with
the version of every table it saw. Readers therefore read every table at the versions
of one manifest row, never at each table's newest version: the partial commits of a
running or killed build stay invisible until its manifest row lands (``sql``, the
Dagster IO manager and downstream assets call ``latest_build_versions``), and ``sql
--at COMMIT`` reads the versions of the newest build of that commit (``versions_at``).
"""

from __future__ import annotations

from typing import Any

from deltalake import DeltaTable

from codeanatomy_hamilton.store.delta import open_table


def _success_rows(warehouse: str) -> tuple[list[dict[str, Any]], int] | None:
    """Successful manifest rows and the manifest's version; None without a manifest."""
    manifest = open_table(warehouse, "run_manifest")
    if manifest is None:
        return None
    rows = manifest.to_pyarrow_table(
        columns=["repo", "commit", "status", "ended_at", "table_versions"]
    ).to_pylist()
    return [r for r in rows if r["status"] == "success"], DeltaTable(manifest.table_uri).version()


def _versions(best: dict[str, Any], manifest_version: int) -> dict[str, int]:
    versions = dict(best["table_versions"])
    versions["run_manifest"] = manifest_version
    return versions


def versions_at(warehouse: str, commit: str) -> dict[str, int]:
    """Table versions recorded by the newest successful build of ``commit`` (or a prefix)."""
    found = _success_rows(warehouse)
    if found is None:
        raise LookupError(f"no run_manifest in {warehouse}")
    rows, manifest_version = found
    hits = [r for r in rows if r["commit"] and r["commit"].startswith(commit)]
    if not hits:
        raise LookupError(f"no successful build recorded for commit {commit}")
    return _versions(max(hits, key=lambda r: r["ended_at"]), manifest_version)


def latest_build_versions(warehouse: str, repo: str | None = None) -> dict[str, int] | None:
    """Table versions recorded by the newest successful build (of ``repo``, or of any
    repo): what every reader of the warehouse reads by default. Tables the row does not
    name (downstream assets' tables) are read at their newest version. None when the
    warehouse has no successful build recorded (read every table as it is)."""
    found = _success_rows(warehouse)
    if found is None:
        return None
    rows, manifest_version = found
    if repo is not None:
        rows = [r for r in rows if r["repo"] == repo]
    if not rows:
        return None
    return _versions(max(rows, key=lambda r: r["ended_at"]), manifest_version)
