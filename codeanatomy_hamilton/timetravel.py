"""Which Delta versions hold the CPG as it was built for a given commit."""

from __future__ import annotations

from deltalake import DeltaTable

from .store import open_table


def versions_at(warehouse: str, commit: str) -> dict[str, int]:
    """Table versions recorded by the newest successful build of ``commit`` (or a prefix)."""
    manifest = open_table(warehouse, "run_manifest")
    if manifest is None:
        raise LookupError(f"no run_manifest in {warehouse}")
    rows = manifest.to_pyarrow_table(
        columns=["commit", "status", "ended_at", "table_versions"]
    ).to_pylist()
    hits = [
        r
        for r in rows
        if r["status"] == "success" and r["commit"] and r["commit"].startswith(commit)
    ]
    if not hits:
        raise LookupError(f"no successful build recorded for commit {commit}")
    best = max(hits, key=lambda r: r["ended_at"])
    versions = dict(best["table_versions"])
    versions["run_manifest"] = DeltaTable(manifest.table_uri).version()
    return versions
