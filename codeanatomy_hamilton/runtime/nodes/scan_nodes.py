"""Scan stage: the repository's Python files at a ref."""

from __future__ import annotations

from hamilton.function_modifiers import cache, tag

from codeanatomy_hamilton.scan.snapshot import RepoSnapshot, scan_repo


@cache(behavior="recompute")  # reads git or the disk
@tag(layer="scan")
def repo_snapshot(repo_path: str, ref: str) -> RepoSnapshot:
    """Files (path, blob sha, bytes) of the repo at ``ref``, or of a plain directory."""
    return scan_repo(repo_path, ref)
