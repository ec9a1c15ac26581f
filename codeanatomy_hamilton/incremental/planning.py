"""Incremental builds: what changed since the last successful build, and how to write it.

A build is *full* (every row of the repo replaced, predicate ``repo = 'x'``) or
*incremental*: only the rows of the files that changed since the base commit (the commit
of the last successful build of the same repo id) are replaced, plus every cross-file row
(``origin = 'xfile'``: resolution output and EXTERNAL nodes), which is recomputed from
the whole repository as a set. That is row-for-row what a full build writes because

- per-file rows are a pure function of (path, bytes, engine version): rows of files that
  did not change are already in the tables, exactly as a full build would write them;
- cross-file rows are recomputed over all files, fed from the per-file fragment store
  (``fragments``, keyed by path, blob sha and engine fingerprint) so only the changed
  files are parsed again.

Each table gets one Delta transaction with a predicate; every commit carries
``codeanatomy.repo``/``codeanatomy.run``/``codeanatomy.paths`` metadata, so a later build
can see what a killed build had already replaced and rewrite those paths too (the
manifest row, written last, is what makes a build "successful").

Incremental falls back to full (with the reason in the manifest) when there is no
previous successful build, the engine changed, the repo is not a git repository, the
base commit is missing or is not an ancestor of the new one (force-push, rewritten
history), or the warehouse state since the base cannot be accounted for.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import pyarrow as pa
from deltalake import DeltaTable

from codeanatomy_hamilton.core import ids
from codeanatomy_hamilton.core.fingerprint import engine_fingerprint
from codeanatomy_hamilton.core.schema import (
    CPG_TABLES,
    LAYOUT_KEYS,
    ORIGIN_TABLES,
    partition_columns,
)
from codeanatomy_hamilton.scan.snapshot import (
    collision_groups,
    decode_path,
    is_python_path,
    python_paths_at,
)
from codeanatomy_hamilton.store.delta import open_table, rolled_back, sql_quote

META_REPO = "codeanatomy.repo"
META_RUN = "codeanatomy.run"
META_PATHS = "codeanatomy.paths"
ALL_PATHS = "*"
# above this many paths a predicate names paths only, not id ranges (still exact)
MAX_RANGE_PATHS = 256


# -- git ------------------------------------------------------------------------------


@dataclass(frozen=True)
class FileChange:
    """One entry of ``git diff --name-status -M``: A, M, D, T or R (with the old path)."""

    status: str
    path: str
    old_path: str | None = None


def _git(root: str, *args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(["git", "-C", root, *args], capture_output=True, check=False)


def commit_exists(root: str, sha: str) -> bool:
    return _git(root, "cat-file", "-e", "--end-of-options", f"{sha}^{{commit}}").returncode == 0


def is_ancestor(root: str, base: str, new: str) -> bool:
    return _git(root, "merge-base", "--is-ancestor", "--end-of-options", base, new).returncode == 0


def git_diff(root: str, base: str, new: str) -> list[FileChange]:
    """Files added, modified, deleted, type-changed and renamed from ``base`` to ``new``."""
    proc = _git(root, "diff", "--name-status", "-z", "-M", "--end-of-options", base, new, "--")
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr.decode("utf-8", "replace").strip())
    parts = proc.stdout.split(b"\0")
    out: list[FileChange] = []
    i = 0
    while i < len(parts) and parts[i]:
        status = parts[i].decode()
        if status[0] in "RC":
            old = decode_path(parts[i + 1])
            new_path = decode_path(parts[i + 2])
            out.append(FileChange(status[0], new_path, old if status[0] == "R" else None))
            i += 3
        else:
            out.append(FileChange(status[0], decode_path(parts[i + 1])))
            i += 2
    return out


def changed_submodules(root: str, base: str, new: str) -> set[str]:
    """Paths of submodules added, moved to another commit or removed from ``base`` to
    ``new``: their ``extract_errors`` row (kind ``submodule``) changes with them."""
    proc = _git(root, "diff", "--raw", "-z", "--no-renames", base, new)
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr.decode("utf-8", "replace").strip())
    parts = proc.stdout.split(b"\0")
    out = set()
    for meta, path in zip(parts[::2], parts[1::2], strict=False):
        modes = meta.decode().lstrip(":").split()[:2]
        if "160000" in modes:
            out.add(path.decode("utf-8", "surrogateescape"))
    return out


def changed_paths(changes: Iterable[FileChange]) -> set[str]:
    """Python paths whose rows a build must replace (both sides of a rename)."""
    out: set[str] = set()
    for c in changes:
        for p in (c.path, c.old_path):
            if p and is_python_path(p):
                out.add(p)
    return out


# -- the plan ------------------------------------------------------------------------


@dataclass
class BuildPlan:
    """What one build writes: every row of the repo (``paths is None``) or the rows of
    ``paths`` plus all cross-file rows."""

    run_id: str
    repo_id: str
    mode: str = "full"
    commit: str | None = None
    base_commit: str | None = None
    base_run_id: str | None = None
    reason: str | None = None
    changes: list[FileChange] = field(default_factory=list)
    paths: frozenset[str] | None = None
    # node ids whose cpg_props_map row had origin 'xfile' before this build
    previous_xfile_map_nodes: pa.Array | None = None

    @property
    def incremental(self) -> bool:
        return self.paths is not None

    def predicate(self, table: str, extra_paths: Iterable[str] = ()) -> str | None:
        """The Delta predicate of this build's write to ``table``; None: nothing to replace."""
        repo = f"repo = {sql_quote(self.repo_id)}"
        if self.paths is None:
            return repo
        paths = sorted(set(self.paths) | set(extra_paths))
        in_list = f"path IN ({', '.join(sql_quote(p) for p in paths)})" if paths else None
        if table in ORIGIN_TABLES:
            xfile = "origin = 'xfile'"
            if not in_list:
                return f"{repo} AND {xfile}"
            return f"{repo} AND ({xfile} OR (origin = 'file' AND {in_list}{_ranges(table, paths)}))"
        return f"{repo} AND {in_list}" if in_list else None

    def commit_metadata(self, extra_paths: Iterable[str] = ()) -> dict[str, str]:
        paths = (
            ALL_PATHS
            if self.paths is None
            else json.dumps(sorted(set(self.paths) | set(extra_paths)))
        )
        return {META_REPO: self.repo_id, META_RUN: self.run_id, META_PATHS: paths}


def _ranges(table: str, paths: Sequence[str]) -> str:
    """`` AND (<key> in the id range of one of paths)``: redundant with the path list
    (a file's rows have ids in its range, see ``schema.LAYOUT_KEYS``), but Delta prunes
    data files by their min/max ids, not by paths, so only the files holding those
    ranges are rewritten. Edges to EXTERNAL nodes (negative ids) are laid out apart in
    ``cpg_edges_by_dst``; its range test adds them."""
    if len(paths) > MAX_RANGE_PATHS:
        return ""
    key = LAYOUT_KEYS[table]
    parts = []
    for p in paths:
        lo, hi = ids.file_range(p)
        parts.append(f"({key} >= {lo} AND {key} < {hi})")
    if table == "cpg_edges_by_dst":
        parts.append(f"{key} < 0")
    return f" AND ({' OR '.join(parts)})"


def full_plan(
    run_id: str, repo_id: str, commit: str | None, reason: str | None = None
) -> BuildPlan:
    return BuildPlan(run_id, repo_id, "full", commit, reason=reason)


def _manifest_rows(warehouse: str, repo_id: str) -> list[dict]:
    manifest = open_table(warehouse, "run_manifest")
    if manifest is None:
        return []
    # a manifest written by an older version may lack a column (rows then lack the key)
    present = set(manifest.schema().to_arrow().names)
    columns = [c for c in _MANIFEST_COLUMNS if c in present]
    table = manifest.to_pyarrow_table(columns=columns, filters=[("repo", "=", repo_id)])
    return table.to_pylist()


# what planning reads of a manifest row
_MANIFEST_COLUMNS = [
    "run_id",
    "commit",
    "status",
    "ended_at",
    "row_counts",
    "table_versions",
    "engine_version",
]


def last_successful_build(warehouse: str, repo_id: str) -> dict | None:
    """The newest successful manifest row of ``repo_id`` that wrote every CPG table."""
    best = None
    for row in _manifest_rows(warehouse, repo_id):
        if row.get("status") != "success":
            continue
        written = {k for k, _ in (row.get("row_counts") or [])}
        if not set(CPG_TABLES) <= written:
            continue
        if best is None or row["ended_at"] > best["ended_at"]:
            best = row
    return best


def writes_since(
    warehouse: str, repo_id: str, base: dict, tables: dict[str, DeltaTable | None] | None = None
) -> set[str] | None:
    """Paths replaced in any CPG table by builds of ``repo_id`` after the ``base`` build
    (killed builds, table subsets); None when that cannot be told (a full rewrite, a
    missing table): then only a full build is safe. ``tables``: tables already open."""
    versions = dict(base.get("table_versions") or [])
    repaired = rolled_back(warehouse)
    out: set[str] = set()
    for name in CPG_TABLES:
        dt = tables[name] if tables and name in tables else open_table(warehouse, name)
        if dt is None or name not in versions:
            return None
        since = versions[name]
        ended = base["ended_at"].timestamp() if base.get("ended_at") else 0.0
        if any(since >= v and ended < when for v, when in repaired.get(name, ())):
            return None  # the base saw a commit since set aside as damaged
        current = dt.version()
        if current < since:
            return None
        if current == since:
            continue
        for entry in dt.history(limit=current - since):
            if entry.get("version", current) <= since or entry.get(META_REPO) != repo_id:
                continue
            if entry.get(META_RUN) == base.get("run_id"):
                continue
            paths = entry.get(META_PATHS)
            if paths is None or paths == ALL_PATHS:
                return None
            out.update(json.loads(paths))
    return out


def _has_incremental_layout(dt: DeltaTable | None, table: str) -> bool:
    """``table`` has the ``path``/``origin`` columns and the partitioning
    (``schema.partition_columns``) that an incremental build's predicates rely on."""
    if dt is None:
        return False
    names = {f.name for f in dt.schema().fields}
    layout = list(dt.metadata().partition_columns) == partition_columns(table)
    return {"path", "origin"} <= names and layout


def previous_xfile_map_nodes(dt: DeltaTable | None, repo_id: str) -> pa.Array:
    if dt is None:
        return pa.array([], pa.int64())
    t = dt.to_pyarrow_table(
        columns=["node_id"], filters=[("repo", "=", repo_id), ("origin", "=", "xfile")]
    )
    return t.column("node_id").combine_chunks()


def plan_build(
    *,
    run_id: str,
    repo_id: str,
    repo_path: str,
    warehouse: str,
    commit: str | None,
    is_git: bool,
    incremental: bool,
) -> BuildPlan:
    """Decide full or incremental, and which paths an incremental build replaces."""
    if not incremental:
        return full_plan(run_id, repo_id, commit)
    if not is_git or commit is None:
        return full_plan(run_id, repo_id, commit, "not a git repository: full build")
    base = last_successful_build(warehouse, repo_id)
    if base is None:
        return full_plan(run_id, repo_id, commit, "no previous successful build of this repo")
    if base.get("engine_version") != engine_fingerprint():
        return full_plan(run_id, repo_id, commit, "engine version changed since the last build")
    base_commit = base.get("commit")
    if not base_commit:
        return full_plan(run_id, repo_id, commit, "previous build has no commit")
    if not commit_exists(repo_path, base_commit):
        return full_plan(
            run_id,
            repo_id,
            commit,
            f"base commit {base_commit[:12]} is missing from the repository",
        )
    if not is_ancestor(repo_path, base_commit, commit):
        return full_plan(
            run_id,
            repo_id,
            commit,
            f"base commit {base_commit[:12]} is not an ancestor of {commit[:12]} (history rewritten)",
        )
    # each table opened once (a log replay each) for the checks below
    tables = {name: open_table(warehouse, name) for name in {*ORIGIN_TABLES, *CPG_TABLES}}
    for name in ORIGIN_TABLES:
        if not _has_incremental_layout(tables[name], name):
            return full_plan(
                run_id, repo_id, commit, f"table {name} predates the incremental layout"
            )
    dirty = writes_since(warehouse, repo_id, base, tables)
    if dirty is None:
        return full_plan(
            run_id, repo_id, commit, "an interrupted build rewrote this repo since the last success"
        )
    changes = git_diff(repo_path, base_commit, commit)
    paths = changed_paths(changes) | {p for p in dirty if p != ALL_PATHS}
    paths |= changed_submodules(repo_path, base_commit, commit)
    # which path of a node-id collision group is analysed depends on the whole group
    # (``ids``): a build that changes one member rewrites all of them, old and new
    if changes:
        for at in (base_commit, commit):
            paths |= collision_groups(python_paths_at(repo_path, at))
    return BuildPlan(
        run_id,
        repo_id,
        "incremental",
        commit,
        base_commit=base_commit,
        base_run_id=base.get("run_id"),
        reason=("recovering paths of an interrupted build" if dirty else None),
        changes=changes,
        paths=frozenset(paths),
        previous_xfile_map_nodes=previous_xfile_map_nodes(tables.get("cpg_props_map"), repo_id),
    )


def describe_changes(changes: Iterable[FileChange]) -> list[str]:
    """``git diff``-like one-liners for the manifest: ``M\ta.py``, ``R\told.py\tnew.py``."""
    return [
        f"{c.status}\t{c.old_path}\t{c.path}" if c.old_path else f"{c.status}\t{c.path}"
        for c in changes
    ]
