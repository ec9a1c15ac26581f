"""Emit stage: the contract tables as Arrow tables."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc
from hamilton.function_modifiers import tag

from .. import emit
from ..extract.file import FileExtract
from ..incremental import BuildPlan
from ..registry import semantic_tags
from ..resolve import ResolveOutput
from ..scan import RepoSnapshot


@tag(**semantic_tags("cpg_nodes", "emit"))
def cpg_nodes(emit_extracts: list[FileExtract], external_edges: pa.Table, repo_id: str) -> pa.Table:
    """One row per CPG node: every AST node, synthetic CFG nodes, EXTERNAL symbols."""
    return emit.build_nodes(emit_extracts, external_edges, repo_id)


@tag(**semantic_tags("cpg_edges", "emit"))
def cpg_edges(
    emit_extracts: list[FileExtract],
    resolved: ResolveOutput,
    node_paths: emit.NodePaths,
    repo_id: str,
) -> pa.Table:
    """One row per CPG edge, per-file and cross-file."""
    return emit.build_edges(emit_extracts, [resolved.edges], [resolved.xedges], node_paths, repo_id)


@tag(**semantic_tags("cpg_props", "emit"))
def cpg_props(
    emit_extracts: list[FileExtract],
    resolved: ResolveOutput,
    node_paths: emit.NodePaths,
    repo_id: str,
) -> pa.Table:
    """Node properties as (node_id, key, value, value_type) rows."""
    return emit.build_props(emit_extracts, [resolved.props], node_paths, repo_id)


@tag(**semantic_tags("cpg_props_map", "emit"))
def cpg_props_map(
    cpg_props: pa.Table,
    file_extracts: list[FileExtract],
    resolved: ResolveOutput,
    node_paths: emit.NodePaths,
    props_map_paths: frozenset[str] | None,
    repo_id: str,
) -> pa.Table:
    """Node properties as one map per node."""
    if props_map_paths is None:
        return emit.build_props_map(cpg_props)
    # incremental: whole maps of the files in scope and of every node with cross-file
    # props (a map mixes a node's file props with its resolved ones)
    props = emit.build_props(file_extracts, [resolved.props], node_paths, repo_id)
    xfile = pc.unique(resolved.props.column("node_id"))
    keep = pc.or_(
        pc.is_in(props.column("path"), value_set=pa.array(sorted(props_map_paths), pa.string())),
        pc.is_in(props.column("node_id"), value_set=xfile),
    )
    return emit.build_props_map(props.filter(pc.fill_null(keep, False)))


@tag(**semantic_tags("cpg_edges_by_src", "emit"))
def cpg_edges_by_src(cpg_edges: pa.Table) -> pa.Table:
    """Edges clustered by source id for outgoing-edge lookups."""
    return emit.sort_edges(cpg_edges, "src_id")


@tag(**semantic_tags("cpg_edges_by_dst", "emit"))
def cpg_edges_by_dst(cpg_edges: pa.Table) -> pa.Table:
    """Edges clustered by destination id for incoming-edge lookups."""
    return emit.sort_edges(cpg_edges, "dst_id")


@tag(**semantic_tags("extract_errors", "emit"))
def extract_errors(
    emit_extracts: list[FileExtract],
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


@tag(**semantic_tags("file_index", "emit"))
def file_index(
    emit_extracts: list[FileExtract], repo_snapshot: RepoSnapshot, repo_id: str
) -> pa.Table:
    """Path, blob sha, size and module of every analysed file."""
    return emit.build_file_index(emit_extracts, repo_snapshot, repo_id)
