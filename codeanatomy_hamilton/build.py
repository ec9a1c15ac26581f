"""The Python API of a build: scan, extract, resolve, emit and store one repository."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import shutil
import tempfile
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from codeanatomy_hamilton.core import ids
from codeanatomy_hamilton.core.fingerprint import engine_fingerprint
from codeanatomy_hamilton.core.lock import repo_lock
from codeanatomy_hamilton.core.schema import CPG_TABLES, RUN_MANIFEST_SCHEMA
from codeanatomy_hamilton.core.settings import Settings
from codeanatomy_hamilton.core.version import VERSION
from codeanatomy_hamilton.fragments.store import FragmentDamaged, FragmentStore
from codeanatomy_hamilton.incremental.planning import BuildPlan, describe_changes, plan_build
from codeanatomy_hamilton.runtime.driver import TABLE_OUTPUTS, make_driver
from codeanatomy_hamilton.runtime.execute import execute_planned
from codeanatomy_hamilton.runtime.executors import make_executor
from codeanatomy_hamilton.runtime.hooks import DiagnosticsHook, ProgressEvent, ProgressHook
from codeanatomy_hamilton.runtime.tracking import make_tracker
from codeanatomy_hamilton.scan.snapshot import RepoSnapshot, ScanError, is_git_root, resolve_commit
from codeanatomy_hamilton.store import delta as store
from codeanatomy_hamilton.store.delta import TableWrite


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
    # Hamilton cache (SQLite metadata + file results) and plan timings; None:
    # settings.cache_dir, else no caching
    cache_dir: str | None = None
    # Hamilton UI URL (opt-in tracking); None: settings.hamilton_ui, else off
    hamilton_ui: str | None = None
    # where extraction batches run: "local" | "processes" | "dask"; None:
    # settings.executor, else processes when workers > 1 (see executors)
    executor: str | None = None
    # dask scheduler address; None: settings.dask_address, else a LocalCluster
    dask_address: str | None = None
    # per-file fragment store and extract cache (see fragments); None: <warehouse>/.codeanatomy/
    # extract-cache; "": no cache
    extract_cache_dir: str | None = None
    # seconds to wait for another build of the same repo into the same warehouse
    lock_timeout: float = 0.0
    # called with each stage's start and end (and steps), e.g. for a log or a bar
    progress: Callable[[ProgressEvent], None] | None = None
    # the CODEANATOMY_* settings (``core.settings``); None: read from the environment
    # when the build starts. The fields above, when given, win over them.
    settings: Settings | None = None


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
    # problems that did not stop the build but limit its results (see hooks.NodeRecord)
    warnings: list[str] = field(default_factory=list)
    # why a build asked to be incremental ran full (None when it did what was asked)
    reason: str | None = None


def default_repo_id(repo_path: str) -> str:
    """The folder name of the repository, made a valid repo id (``ids.default_repo_id``)."""
    return ids.default_repo_id(os.path.basename(os.path.normpath(os.path.abspath(repo_path))))


def validate_request(req: BuildRequest) -> None:
    """Fail fast, with one line, on input a build cannot use."""
    if req.repo_id is not None:
        problem = ids.repo_id_problem(req.repo_id)
        if problem:
            # the id names files under the warehouse and cache: never a path
            raise ScanError(problem)
    if not os.path.exists(req.repo_path):
        raise ScanError(f"repository path does not exist: {req.repo_path}")
    if not os.path.isdir(req.repo_path):
        raise ScanError(f"repository path is not a directory: {req.repo_path}")
    if is_git_root(req.repo_path):
        resolve_commit(req.repo_path, req.ref)
    elif req.ref not in (None, "HEAD"):
        raise ScanError(f"--ref {req.ref!r} given but {req.repo_path} is not a git repository")
    store.check_warehouse(req.warehouse)


def default_extract_cache_dir(warehouse: str) -> str:
    return os.path.join(warehouse, ".codeanatomy", "extract-cache")


def run_build(req: BuildRequest, adapters: Sequence[Any] = ()) -> BuildResult:
    if req.settings is None:
        req = dataclasses.replace(req, settings=Settings.from_env())
    validate_request(req)
    repo_id = req.repo_id or default_repo_id(req.repo_path)
    # one build per repo and warehouse at a time: two would interleave their predicate
    # writes and the second's plan would not see the first's rows (see lock)
    with repo_lock(req.warehouse, repo_id, req.lock_timeout), store.shared_tables():
        return _run_build_locked(req, repo_id, adapters)


def _run_build_locked(req: BuildRequest, repo_id: str, adapters: Sequence[Any]) -> BuildResult:
    started = dt.datetime.now(dt.UTC)
    run_id = uuid.uuid4().hex
    is_git = is_git_root(req.repo_path)
    commit = resolve_commit(req.repo_path, req.ref or "HEAD") if is_git else None
    # a table whose newest commit is damaged fails every reader and writer: set the
    # commit aside (the table is back at its last good version) and build in full
    repaired = store.repair_damaged_tables(req.warehouse)
    # full, or incremental from the last successful build (see incremental.plan_build)
    build_plan = plan_build(
        run_id=run_id,
        repo_id=repo_id,
        repo_path=req.repo_path,
        warehouse=req.warehouse,
        commit=commit,
        is_git=is_git,
        incremental=req.incremental and not repaired,
    )
    if repaired and req.incremental:
        build_plan.reason = "a damaged table commit was set aside: full build"
    extract_cache_dir = (
        default_extract_cache_dir(req.warehouse)
        if req.extract_cache_dir is None
        else req.extract_cache_dir
    )
    # the rows of every file go through on-disk fragments (``fragments``); without a
    # cache they live in a scratch folder for this build only
    scratch = None
    if not extract_cache_dir:
        os.makedirs(os.path.join(req.warehouse, ".codeanatomy"), exist_ok=True)
        scratch = tempfile.mkdtemp(
            prefix="fragments-", dir=os.path.join(req.warehouse, ".codeanatomy")
        )
        extract_cache_dir = scratch
    try:
        result = _execute_recovering(
            req, repo_id, adapters, started, run_id, build_plan, extract_cache_dir
        )
        result.warnings[:0] = repaired
        return result
    finally:
        if scratch:
            shutil.rmtree(scratch, ignore_errors=True)


def caused_by[E: BaseException](exc: BaseException, kind: type[E]) -> E | None:
    """The first exception of type ``kind`` in ``exc``'s chain (causes and contexts)."""
    seen: set[int] = set()
    cur: BaseException | None = exc
    while cur is not None and id(cur) not in seen:
        if isinstance(cur, kind):
            return cur
        seen.add(id(cur))
        cur = cur.__cause__ or cur.__context__
    return None


def _execute_recovering(
    req: BuildRequest,
    repo_id: str,
    adapters: Sequence[Any],
    started: dt.datetime,
    run_id: str,
    build_plan: BuildPlan,
    extract_cache_dir: str,
) -> BuildResult:
    """``_execute``, with two recoveries that keep cache damage out of the graph and a
    failed build from filling the cache:

    - A fragment whose table sections fail their checksum is only found when the emit
      stage reads it (cache hits read only the summary): it is deleted, every other
      damaged entry of the repo is dropped, and the build runs again once with the
      same plan; those files are then misses and are extracted again. Tables the first
      run committed are rewritten; readers never saw them (no manifest row, see
      ``store.latest_build_versions``).
    - A build that fails removes the cache entries it wrote (new fragments, temporary
      files): a build that died of a full disk must not leave the disk full."""
    fragments = FragmentStore(extract_cache_dir, repo_id, engine_fingerprint())
    before = fragments.entries()
    try:
        try:
            return _execute(req, repo_id, adapters, started, run_id, build_plan, extract_cache_dir)
        except Exception as exc:
            if caused_by(exc, FragmentDamaged) is None:
                raise
        dropped = fragments.drop_damaged()
        result = _execute(req, repo_id, adapters, started, run_id, build_plan, extract_cache_dir)
        result.diagnostics["fragment_retry"] = 1
        result.diagnostics["fragments_dropped"] = dropped
        return result
    except BaseException:
        fragments.remove_new(before)
        raise


def _execute(
    req: BuildRequest,
    repo_id: str,
    adapters: Sequence[Any],
    started: dt.datetime,
    run_id: str,
    build_plan: BuildPlan,
    extract_cache_dir: str,
) -> BuildResult:
    hook = DiagnosticsHook()
    settings = req.settings or Settings()
    cache_dir = req.cache_dir or settings.cache_dir
    tracker = make_tracker(
        req.hamilton_ui or settings.hamilton_ui,
        repo_id=repo_id,
        project_id=settings.hamilton_project,
        username=settings.hamilton_user,
    )
    tables = list(req.tables) if req.tables is not None else list(TABLE_OUTPUTS)
    final_vars = [TABLE_OUTPUTS[t] for t in tables if t in TABLE_OUTPUTS]
    progress = [ProgressHook(req.progress, final_vars)] if req.progress else []
    dr = make_driver(
        [hook, *progress, *adapters, *([tracker] if tracker else [])],
        cache_dir=cache_dir,
        cache_limit_bytes=settings.cache_max_bytes,
        executor=make_executor(
            req.executor or settings.executor,
            req.workers,
            req.dask_address or settings.dask_address,
            repo_root=req.repo_path,
        ),
    )
    # the build names the outputs; ``execute_planned`` puts them in topological order as
    # final_vars, Hamilton runs what they need, and the diagnostics say whether that was
    # exactly the plan's upstream closure (``plan_matches``)
    outputs, diagnostics = execute_planned(
        dr,
        hook,
        [*final_vars, "repo_snapshot", "file_extracts"],
        cache_dir=cache_dir,
        passthrough=(ScanError, store.WarehouseError),
        inputs={
            "repo_path": req.repo_path,
            # the commit the plan was made for, even if the ref moves meanwhile
            "ref": build_plan.commit or req.ref or "HEAD",
            "repo_id": repo_id,
            "build_plan": build_plan,
            "extract_cache_dir": extract_cache_dir,
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
        base_commit=build_plan.base_commit,
        mode=build_plan.mode,
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
        warnings=[w for rec in hook.records.values() for w in getattr(rec, "warnings", [])],
        reason=build_plan.reason,
    )
    if req.tables is None or "run_manifest" in req.tables:
        # written last: a build that dies before this line is not a successful build,
        # and the next incremental build starts from the previous manifest row
        result.manifest_version = write_manifest(
            req,
            result,
            started,
            ended,
            snapshot,
            changed_files=sorted(build_plan.paths or ()),
            plan_signature=result.plan_signature,
            build_plan=build_plan,
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
    build_plan: BuildPlan | None = None,
) -> TableWrite:
    # every table's version, written or not, so ``sql --at COMMIT`` can read them all
    versions = {k: v.version for k, v in result.writes.items() if v.version >= 0}
    for name in CPG_TABLES:
        if name not in versions:
            current = store.current_version(req.warehouse, name)
            if current is not None:
                versions[name] = current
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
        "table_versions": [sorted(versions.items())],
        "row_counts": [[(k, v.rows) for k, v in sorted(result.writes.items())]],
        "stage_seconds": [sorted(result.stage_seconds.items())],
        "plan_signature": [plan_signature],
        "tool_version": [VERSION],
        "reason": [build_plan.reason if build_plan else None],
        "file_changes": [describe_changes(build_plan.changes) if build_plan else []],
        "engine_version": [engine_fingerprint()],
    }
    table = pa.table(row, schema=RUN_MANIFEST_SCHEMA)
    return store.append_rows(req.warehouse, "run_manifest", table)
