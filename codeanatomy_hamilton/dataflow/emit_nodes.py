"""Emit stage: the contract tables as Arrow tables."""

from __future__ import annotations

import pyarrow as pa
from hamilton.function_modifiers import tag

from .. import emit
from ..extract.file import FileExtract
from ..registry import semantic_tags
from ..resolve import ResolveOutput
from ..scan import RepoSnapshot


@tag(**semantic_tags("cpg_nodes", "emit"))
def cpg_nodes(file_extracts: list[FileExtract], external_edges: pa.Table, repo_id: str) -> pa.Table:
    """One row per CPG node: every AST node, synthetic CFG nodes, EXTERNAL symbols."""
    return emit.build_nodes(file_extracts, external_edges, repo_id)


@tag(**semantic_tags("cpg_edges", "emit"))
def cpg_edges(
    file_extracts: list[FileExtract],
    resolved: ResolveOutput,
    external_edges: pa.Table,
    repo_id: str,
) -> pa.Table:
    """One row per CPG edge, per-file and cross-file."""
    return emit.build_edges(file_extracts, [resolved.edges], external_edges, repo_id)


@tag(**semantic_tags("cpg_props", "emit"))
def cpg_props(file_extracts: list[FileExtract], resolved: ResolveOutput, repo_id: str) -> pa.Table:
    """Node properties as (node_id, key, value, value_type) rows."""
    return emit.build_props(file_extracts, [resolved.props], repo_id)


@tag(**semantic_tags("cpg_props_map", "emit"))
def cpg_props_map(cpg_props: pa.Table) -> pa.Table:
    """Node properties as one map per node."""
    return emit.build_props_map(cpg_props)


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
    file_extracts: list[FileExtract], repo_snapshot: RepoSnapshot, repo_id: str
) -> pa.Table:
    """Files that could not be analysed (fully or in part), with the reason."""
    return emit.build_errors(file_extracts, repo_snapshot, repo_id)


@tag(**semantic_tags("file_index", "emit"))
def file_index(
    file_extracts: list[FileExtract], repo_snapshot: RepoSnapshot, repo_id: str
) -> pa.Table:
    """Path, blob sha, size and module of every analysed file."""
    return emit.build_file_index(file_extracts, repo_snapshot, repo_id)
