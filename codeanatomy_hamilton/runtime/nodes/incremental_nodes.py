"""Incremental stage: the per-file fragment cache and the scope of what a build writes.

``cached_extracts`` reads the summaries of files whose (path, blob) the fragment store
already holds (keyed by engine fingerprint too), ``extract_snapshot`` is what is left
for the extract stage to parse, and ``file_extracts`` (extract stage) merges both, so
resolution always sees every file. ``emit_extracts`` narrows the files whose per-file
rows are written to the build plan's scope (all files in a full build). See
``codeanatomy_hamilton.incremental.planning`` and ``codeanatomy_hamilton.fragments.store``.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc
from hamilton.function_modifiers import cache, tag

from codeanatomy_hamilton.core.fingerprint import engine_fingerprint
from codeanatomy_hamilton.emit.rows import NodePaths
from codeanatomy_hamilton.emit.streams import uncovered_files
from codeanatomy_hamilton.fragments.store import FileSummary, FragmentStore
from codeanatomy_hamilton.fragments.summary_pack import (
    cached_summaries,
    pack_is_current,
    write_pack,
)
from codeanatomy_hamilton.incremental.planning import BuildPlan
from codeanatomy_hamilton.resolve import ResolveInput, ResolveOutput
from codeanatomy_hamilton.scan.snapshot import RepoSnapshot

# fragments unused by this build survive this long after their last use, in case a
# concurrent build into another warehouse shares the fragment store
PRUNE_GRACE_S = 3600.0


@tag(layer="extract")
def fragment_store(extract_cache_dir: str, repo_id: str) -> FragmentStore:
    """Where this repo's per-file fragments live (for the current engine version)."""
    return FragmentStore(extract_cache_dir, repo_id, engine_fingerprint())


@cache(behavior="disable")  # reads the fragment store, which keeps them
@tag(layer="extract")
def cached_extracts(
    repo_snapshot: RepoSnapshot, fragment_store: FragmentStore
) -> list[FileSummary]:
    """Summaries of files whose (path, blob) the fragment store holds, in path order
    (from the repo's summary pack where it has them, see ``summary_pack``)."""
    return cached_summaries(fragment_store, repo_snapshot.files)


@cache(behavior="disable")
@tag(layer="extract")
def extract_snapshot(
    repo_snapshot: RepoSnapshot, cached_extracts: list[FileSummary]
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


@cache(behavior="recompute")  # changes the fragment store
@tag(layer="extract")
def fragments_pruned(file_extracts: list[FileSummary], fragment_store: FragmentStore) -> int:
    """Prunes fragments this repo's snapshot no longer uses (older blobs, other engine
    versions) and no build has used for ``PRUNE_GRACE_S``; returns how many entries
    were deleted. Fresh fragments were written by the extract stage itself."""
    return fragment_store.prune(file_extracts, grace_s=PRUNE_GRACE_S)


@cache(behavior="recompute")  # writes the summary pack
@tag(layer="extract")
def summary_pack_written(
    file_extracts: list[FileSummary], resolve_input: ResolveInput, fragment_store: FragmentStore
) -> int:
    """Writes this snapshot's summaries as the repo's summary pack, which the next build
    reads instead of one fragment per file, unless the pack this build read still
    serves nearly every file (``summary_pack.pack_is_current``); returns the entries
    written. The facts and CALL nodes come from the resolver's input, already
    concatenated in path order."""
    if pack_is_current(file_extracts):
        return 0
    return write_pack(fragment_store, file_extracts, resolve_input.facts, resolve_input.nodes)


@tag(layer="extract")
def fragment_store_settled(fragments_pruned: int, summary_pack_written: int) -> dict[str, int]:
    """Barrier: the fragment store's upkeep for this snapshot is done (unused fragments
    pruned, the summary pack rewritten where due). Every table depends on it through
    ``emit_extracts`` (``cpg_props_map`` directly), so asking for any table runs the
    upkeep; returns what it did."""
    return {"pruned": fragments_pruned, "pack_entries": summary_pack_written}


@cache(behavior="disable")
@tag(layer="emit")
def emit_extracts(
    file_extracts: list[FileSummary],
    fragment_store_settled: dict[str, int],
    build_plan: BuildPlan | None = None,
) -> list[FileSummary]:
    """The files whose per-file rows this build writes: all, or the plan's changed paths
    (after the fragment store's upkeep, ``fragment_store_settled``)."""
    if build_plan is None or build_plan.paths is None:
        return file_extracts
    return [e for e in file_extracts if e.path in build_plan.paths]


@cache(behavior="disable")
@tag(layer="emit")
def node_paths(file_extracts: list[FileSummary]) -> NodePaths:
    """Node id -> file path, for the ``path`` column of cross-file rows."""
    return NodePaths([e.path for e in file_extracts])


@cache(behavior="disable")
@tag(layer="emit")
def props_map_paths(
    resolved: ResolveOutput,
    node_paths: NodePaths,
    file_extracts: list[FileSummary],
    cross_props: pa.Table,
    build_plan: BuildPlan | None = None,
) -> frozenset[str] | None:
    """Files whose ``cpg_props_map`` rows an incremental build rewrites: the changed
    files, the files of nodes that gained or lost cross-file props (their map row
    changes origin), and files with a node whose file props the summary lacks (see
    ``streams.uncovered_files``). None: all files (full build)."""
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
    paths |= build_plan.paths
    others = [s for s in file_extracts if s.path not in paths]
    return frozenset(paths | uncovered_files(cross_props, others, node_paths))
