"""Scan stage: the repository's Python files at a ref."""

from __future__ import annotations

from hamilton.function_modifiers import tag

from codeanatomy_hamilton.scan.snapshot import RepoSnapshot, scan_repo


@tag(layer="scan", reads_outside_world="true")
def repo_snapshot(repo_path: str, ref: str) -> RepoSnapshot:
    """Files (path, blob sha, bytes) of the repo at ``ref``, or of a plain directory."""
    return scan_repo(repo_path, ref)
