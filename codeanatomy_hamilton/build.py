"""The Python API of a build: scan, extract, resolve, emit and store one repository."""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from . import __version__, store
from .driver import TABLE_OUTPUTS, make_driver
from .hooks import DiagnosticsHook
from .plan import execute_planned
from .scan import RepoSnapshot, ScanError, is_git_root, resolve_commit
from .schema import RUN_MANIFEST_SCHEMA
from .store import TableWrite
from .tracking import make_tracker


@dataclass
class BuildRequest:
    repo_path: str
    warehouse: str
    ref: str = "HEAD"
    repo_id: str | None = None
    incremental: bool = False
    workers: int = 1
    source_roots: list[str] = field(default_factory=list)
    # contract tables to write; None means all of them plus the run manifest
    tables: Sequence[str] | None = None
    # Hamilton cache (SQLite metadata + file results) and plan timings; None: env
    # CODEANATOMY_CACHE_DIR, else no caching
    cache_dir: str | None = None
    # Hamilton UI URL (opt-in tracking); None: env CODEANATOMY_HAMILTON_UI, else off
    hamilton_ui: str | None = None


@dataclass
class BuildResult:
    run_id: str
    repo_id: str
    commit: str | None
    base_commit: str | None
    mode: str
    writes: dict[str, TableWrite]
    records: dict[str, Any]
    stage_seconds: dict[str, float]
    file_count: int
    line_count: int
    error_count: int
    manifest_version: int | None
    seconds: float
    # plain-data diagnostics of the execution: plan, per-node records, cache counts
    diagnostics: dict[str, Any] = field(default_factory=dict)
    plan_signature: str | None = None


def default_repo_id(repo_path: str) -> str:
    return os.path.basename(os.path.normpath(os.path.abspath(repo_path))) or "repo"


def validate_request(req: BuildRequest) -> None:
    """Fail fast, with one line, on input a build cannot use."""
    if not os.path.exists(req.repo_path):
        raise ScanError(f"repository path does not exist: {req.repo_path}")
    if not os.path.isdir(req.repo_path):
        raise ScanError(f"repository path is not a directory: {req.repo_path}")
    if is_git_root(req.repo_path):
        resolve_commit(req.repo_path, req.ref)
    elif req.ref not in (None, "HEAD"):
        raise ScanError(f"--ref {req.ref!r} given but {req.repo_path} is not a git repository")
    store.check_warehouse(req.warehouse)


def run_build(req: BuildRequest, adapters: Sequence[Any] = ()) -> BuildResult:
    validate_request(req)
    repo_id = req.repo_id or default_repo_id(req.repo_path)
    started = dt.datetime.now(dt.UTC)
    run_id = uuid.uuid4().hex
    hook = DiagnosticsHook()
    cache_dir = req.cache_dir or os.environ.get("CODEANATOMY_CACHE_DIR") or None
    tracker = make_tracker(req.hamilton_ui, repo_id=repo_id)
    dr = make_driver([hook, *adapters, *([tracker] if tracker else [])], cache_dir=cache_dir)
    tables = list(req.tables) if req.tables is not None else list(TABLE_OUTPUTS)
    final_vars = [TABLE_OUTPUTS[t] for t in tables if t in TABLE_OUTPUTS]
    # the plan decides final_vars and the subset Hamilton runs (see plan.execute_planned)
    outputs, diagnostics = execute_planned(
        dr,
        hook,
        [*final_vars, "repo_snapshot", "file_extracts"],
        cache_dir=cache_dir,
        passthrough=(ScanError, store.WarehouseError),
        inputs={
            "repo_path": req.repo_path,
            "ref": req.ref or "HEAD",
            "repo_id": repo_id,
            "warehouse": req.warehouse,
            "workers": max(1, int(req.workers)),
            "source_roots": list(req.source_roots),
        },
    )
    snapshot: RepoSnapshot = outputs["repo_snapshot"]
    extracts = outputs["file_extracts"]
    writes = {t: outputs[TABLE_OUTPUTS[t]] for t in tables if t in TABLE_OUTPUTS}
    ended = dt.datetime.now(dt.UTC)
    result = BuildResult(
        run_id=run_id,
        repo_id=repo_id,
        commit=snapshot.commit,
        base_commit=None,
        mode="full",
        writes=writes,
        records={k: v for k, v in hook.records.items()},
        stage_seconds=hook.stage_seconds(),
        file_count=len(snapshot.files),
        line_count=sum(e.lines for e in extracts),
        error_count=sum(len(e.errors) for e in extracts) + len(snapshot.skipped),
        manifest_version=None,
        seconds=(ended - started).total_seconds(),
        diagnostics=diagnostics,
        plan_signature=diagnostics["plan_signature"],
    )
    if req.tables is None or "run_manifest" in req.tables:
        result.manifest_version = write_manifest(
            req, result, started, ended, snapshot, plan_signature=result.plan_signature
        ).version
    return result


def write_manifest(
    req: BuildRequest,
    result: BuildResult,
    started: dt.datetime,
    ended: dt.datetime,
    snapshot: RepoSnapshot,
    changed_files: Sequence[str] = (),
    plan_signature: str | None = None,
) -> TableWrite:
    row = {
        "repo": [result.repo_id],
        "run_id": [result.run_id],
        "commit": [result.commit],
        "base_commit": [result.base_commit],
        "ref": [req.ref if snapshot.is_git else None],
        "mode": [result.mode],
        "status": ["success"],
        "started_at": [started],
        "ended_at": [ended],
        "file_count": [result.file_count],
        "changed_files": [list(changed_files)],
        "table_versions": [[(k, v.version) for k, v in sorted(result.writes.items())]],
        "row_counts": [[(k, v.rows) for k, v in sorted(result.writes.items())]],
        "stage_seconds": [sorted(result.stage_seconds.items())],
        "plan_signature": [plan_signature],
        "tool_version": [__version__],
    }
    table = pa.table(row, schema=RUN_MANIFEST_SCHEMA)
    return store.append_rows(req.warehouse, "run_manifest", table)
