"""Incremental stage: the per-file extract cache and the scope of what a build writes.

``cached_extracts`` serves unchanged files from the on-disk cache (keyed by path, blob
sha and engine fingerprint), ``extract_snapshot`` is what is left for the extract stage
to parse, and ``file_extracts`` (extract stage) merges both, so resolution always sees
every file. ``emit_extracts`` narrows the files whose per-file rows are emitted to the
build plan's scope (all files in a full build). See ``codeanatomy_hamilton.incremental``.
"""

from __future__ import annotations

import os
import shutil

import pyarrow as pa
import pyarrow.compute as pc
from hamilton.function_modifiers import tag

from ..emit import NodePaths
from ..extract.file import FileExtract
from ..incremental import BuildPlan, ExtractCache
from ..resolve import ResolveOutput
from ..scan import RepoSnapshot


def _cache(extract_cache_dir: str | None) -> ExtractCache | None:
    return ExtractCache(extract_cache_dir) if extract_cache_dir else None


@tag(layer="extract", reads_outside_world="true")
def cached_extracts(
    repo_snapshot: RepoSnapshot, extract_cache_dir: str | None = None
) -> list[FileExtract]:
    """Extracts of files whose (path, blob) the cache holds, in path order."""
    cache = _cache(extract_cache_dir)
    if cache is None:
        return []
    out = []
    for f in repo_snapshot.files:
        hit = cache.get(f.path, f.blob_sha)
        if hit is not None:
            out.append(hit)
    return out


@tag(layer="extract")
def extract_snapshot(
    repo_snapshot: RepoSnapshot, cached_extracts: list[FileExtract]
) -> RepoSnapshot:
    """The snapshot less the files served from the cache: what the extract stage parses."""
    if not cached_extracts:
        return repo_snapshot
    done = {e.path for e in cached_extracts}
    return RepoSnapshot(
        repo_snapshot.root,
        repo_snapshot.is_git,
        repo_snapshot.ref,
        repo_snapshot.commit,
        [f for f in repo_snapshot.files if f.path not in done],
        list(repo_snapshot.skipped),
    )


@tag(layer="extract", reads_outside_world="true")
def extract_cache_saved(
    file_extracts: list[FileExtract],
    extract_snapshot: RepoSnapshot,
    extract_cache_dir: str | None = None,
) -> int:
    """Stores the freshly parsed files in the cache; returns how many."""
    cache = _cache(extract_cache_dir)
    if cache is None or not extract_snapshot.files:
        return 0
    fresh = {f.path: f.blob_sha for f in extract_snapshot.files}
    n = 0
    for e in file_extracts:
        sha = fresh.get(e.path)
        if sha is not None:
            cache.put(sha, e)
            n += 1
    # entries of other engine versions can never hit again
    for other in os.listdir(extract_cache_dir or "."):
        full = os.path.join(extract_cache_dir or ".", other)
        if full != cache.root and os.path.isdir(full):
            shutil.rmtree(full, ignore_errors=True)
    return n


@tag(layer="emit")
def emit_extracts(
    file_extracts: list[FileExtract], extract_cache_saved: int, build_plan: BuildPlan | None = None
) -> list[FileExtract]:
    """The files whose per-file rows this build writes: all, or the plan's changed paths."""
    if build_plan is None or build_plan.paths is None:
        return file_extracts
    return [e for e in file_extracts if e.path in build_plan.paths]


@tag(layer="emit")
def node_paths(file_extracts: list[FileExtract]) -> NodePaths:
    """Node id -> file path, for the ``path`` column of cross-file rows."""
    return NodePaths([e.path for e in file_extracts])


@tag(layer="emit")
def props_map_paths(
    resolved: ResolveOutput, node_paths: NodePaths, build_plan: BuildPlan | None = None
) -> frozenset[str] | None:
    """Files whose ``cpg_props_map`` rows an incremental build rewrites: the changed
    files and the files of nodes that gained or lost cross-file props (their map row
    changes origin). None: all files (full build)."""
    if build_plan is None or build_plan.paths is None:
        return None
    new = (
        pc.unique(resolved.props.column("node_id"))
        if resolved.props.num_rows
        else pa.array([], pa.int64())
    )
    old = build_plan.previous_xfile_map_nodes
    old = old if old is not None else pa.array([], pa.int64())
    flipped = pa.concat_arrays(
        [
            pc.filter(new, pc.invert(pc.is_in(new, value_set=old))),
            pc.filter(old, pc.invert(pc.is_in(old, value_set=new))),
        ]
    )
    paths = {p for p in node_paths.of(flipped).to_pylist() if p is not None}
    return frozenset(build_plan.paths | paths)
