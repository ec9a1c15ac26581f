"""Emit stage: the contract tables, as streams read from the per-file fragments.

The big tables are ``streams.TableStream`` objects: nothing is read until the store
stage writes them, a few files at a time. ``extract_errors`` and ``file_index`` are
small (a row per file) and built in memory.

Every contract table node is ``@_contract_table(name)``: never cached (a stream is
cheap to make, the fragment store holds the rows), its schema checked against the
contract by Hamilton's ``@check_output_custom`` (``validation.ContractSchema``: the
node ``<name>`` then rests on ``<name>_raw`` and ``<name>_contract_schema``), and its
semantic tags on the node callers ask for.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from hamilton.function_modifiers import cache, check_output_custom, tag

from codeanatomy_hamilton.core.memory import release_memory
from codeanatomy_hamilton.emit import rows as emit
from codeanatomy_hamilton.emit import streams
from codeanatomy_hamilton.emit.streams import TableStream
from codeanatomy_hamilton.fragments.store import FileSummary
from codeanatomy_hamilton.incremental.planning import BuildPlan
from codeanatomy_hamilton.resolve import ResolveInput, ResolveOutput
from codeanatomy_hamilton.runtime.semantics import semantic_tags
from codeanatomy_hamilton.runtime.validation import ContractSchema
from codeanatomy_hamilton.scan.snapshot import RepoSnapshot


def _contract_table(name: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """The decorators of the node that emits contract table ``name``."""

    def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
        fn = tag(**semantic_tags(name, "emit"))(fn)  # the final node only
        fn = tag(layer="emit", target_=...)(fn)  # and the raw and check nodes
        fn = check_output_custom(ContractSchema(name))(fn)
        return cache(behavior="disable", target_=...)(fn)

    return decorate


@cache(behavior="disable")  # acts on this build's objects: never stored
@tag(layer="emit")
def resolver_rows_released(
    resolve_input: ResolveInput,
    file_extracts: list[FileSummary],
    resolved: ResolveOutput,
    summary_pack_written: int,
) -> int:
    """Barrier, first of the emit stage: the facts and CALL nodes of the resolver's
    input (and the summaries' slices of them) are dropped once their two readers,
    ``resolved`` and ``summary_pack_written``, are done. Hamilton holds every node's
    result until the build ends, so without this they stayed through the Delta writes
    (~0.4 GiB on the whole standard library with tests). The emit nodes of the large
    tables wait for it; returns the number of summaries released."""
    for s in file_extracts:
        s.release_resolver_rows()
    resolve_input.release()
    release_memory()
    return len(file_extracts)


@cache(behavior="disable")
@tag(layer="emit")
def cross_edges(
    resolved: ResolveOutput, node_paths: emit.NodePaths, resolver_rows_released: int
) -> pa.Table:
    """The resolver's edges (origin xfile) with the path of their source node (after
    the resolver's input is released, so the edge tables are written without it)."""
    return streams.cross_edges(resolved, node_paths)


@cache(behavior="disable")
@tag(layer="emit")
def cross_props(
    resolved: ResolveOutput, node_paths: emit.NodePaths, resolver_rows_released: int
) -> pa.Table:
    """The resolver's props (origin xfile) with the path of their node (after the
    resolver's input is released)."""
    return streams.cross_props(resolved, node_paths)


@_contract_table("cpg_nodes")
def cpg_nodes(
    emit_extracts: list[FileSummary],
    external_names: list[str],
    repo_id: str,
    resolver_rows_released: int,
) -> TableStream:
    """One row per CPG node: every AST node, synthetic CFG nodes, EXTERNAL symbols
    (written after the resolver's input is released)."""
    return streams.nodes_stream(streams.by_id(emit_extracts), external_names, repo_id)


@_contract_table("cpg_edges")
def cpg_edges(emit_extracts: list[FileSummary], cross_edges: pa.Table, repo_id: str) -> TableStream:
    """One row per CPG edge, per-file and cross-file."""
    return streams.edges_stream(streams.by_id(emit_extracts), cross_edges, repo_id)


@_contract_table("cpg_props")
def cpg_props(emit_extracts: list[FileSummary], cross_props: pa.Table, repo_id: str) -> TableStream:
    """Node properties as (node_id, key, value, value_type) rows."""
    return streams.props_stream(streams.by_id(emit_extracts), cross_props, repo_id)


@_contract_table("cpg_props_map")
def cpg_props_map(
    file_extracts: list[FileSummary],
    cross_props: pa.Table,
    props_map_paths: frozenset[str] | None,
    repo_id: str,
    fragment_store_settled: dict[str, int],
) -> TableStream:
    """Node properties as one map per node. Incremental: whole maps of the files in
    scope, and the maps of every other node with cross-file props (a map mixes a
    node's file props, kept in its file's summary, with its resolved ones). Like every
    table it waits for the fragment store's upkeep (``fragment_store_settled``), which
    its other inputs do not reach."""
    if props_map_paths is None:
        return streams.props_map_stream(streams.by_id(file_extracts), [], cross_props, repo_id)
    files = [s for s in file_extracts if s.path in props_map_paths]
    others = [s for s in file_extracts if s.path not in props_map_paths]
    return streams.props_map_stream(streams.by_id(files), others, cross_props, repo_id)


@_contract_table("cpg_edges_by_src")
def cpg_edges_by_src(
    emit_extracts: list[FileSummary], cross_edges: pa.Table, repo_id: str
) -> TableStream:
    """Edges clustered by source id for outgoing-edge lookups."""
    return streams.sorted_edges_stream(streams.by_id(emit_extracts), cross_edges, "src_id", repo_id)


@_contract_table("cpg_edges_by_dst")
def cpg_edges_by_dst(
    emit_extracts: list[FileSummary], cross_edges: pa.Table, repo_id: str
) -> TableStream:
    """Edges clustered by destination id for incoming-edge lookups."""
    return streams.sorted_edges_stream(streams.by_id(emit_extracts), cross_edges, "dst_id", repo_id)


@_contract_table("extract_errors")
def extract_errors(
    emit_extracts: list[FileSummary],
    repo_snapshot: RepoSnapshot,
    repo_id: str,
    build_plan: BuildPlan | None = None,
) -> pa.Table:
    """Files that could not be analysed (fully or in part), with the reason."""
    errors = emit.build_errors(emit_extracts, repo_snapshot, repo_id)
    if build_plan is None or build_plan.paths is None:
        return errors
    # skipped files (symlinks, oversize) are not in emit_extracts: scope them here
    scope = pa.array(sorted(build_plan.paths), pa.string())
    return errors.filter(pc.is_in(errors.column("path"), value_set=scope))


@_contract_table("file_index")
def file_index(
    emit_extracts: list[FileSummary], repo_snapshot: RepoSnapshot, repo_id: str
) -> pa.Table:
    """Path, blob sha, size and module of every analysed file."""
    return emit.build_file_index(emit_extracts, repo_snapshot, repo_id)
