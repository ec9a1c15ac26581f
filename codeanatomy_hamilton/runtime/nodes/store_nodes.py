"""Store stage: each contract table written to its Delta table (one commit each)."""

from __future__ import annotations

import pyarrow as pa
from hamilton.function_modifiers import tag

from codeanatomy_hamilton.emit.streams import TableStream
from codeanatomy_hamilton.incremental.planning import BuildPlan
from codeanatomy_hamilton.runtime.registry import semantic_tags
from codeanatomy_hamilton.store.delta import TableWrite, replace_repo_rows, skip_write


def _write(
    warehouse: str,
    name: str,
    table: pa.Table | TableStream,
    repo_id: str,
    build_plan: BuildPlan | None = None,
    extra_paths: frozenset[str] | None = None,
) -> TableWrite:
    if build_plan is None:
        return replace_repo_rows(warehouse, name, table, repo_id)
    # one Delta transaction per table, replacing only the rows the plan rebuilt
    # (``incremental.BuildPlan.predicate``); the commit metadata lets a later build see
    # which paths this one replaced if it never reaches its manifest row
    extra = extra_paths or frozenset()
    predicate = build_plan.predicate(name, extra)
    if predicate is None:
        return skip_write(warehouse, name)
    return replace_repo_rows(
        warehouse,
        name,
        table,
        repo_id,
        predicate=predicate,
        commit_metadata=build_plan.commit_metadata(extra),
    )


@tag(**semantic_tags("cpg_nodes", "store"))
def cpg_nodes_written(
    cpg_nodes: TableStream, warehouse: str, repo_id: str, build_plan: BuildPlan | None = None
) -> TableWrite:
    return _write(warehouse, "cpg_nodes", cpg_nodes, repo_id, build_plan)


@tag(**semantic_tags("cpg_edges", "store"))
def cpg_edges_written(
    cpg_edges: TableStream, warehouse: str, repo_id: str, build_plan: BuildPlan | None = None
) -> TableWrite:
    return _write(warehouse, "cpg_edges", cpg_edges, repo_id, build_plan)


@tag(**semantic_tags("cpg_props", "store"))
def cpg_props_written(
    cpg_props: TableStream, warehouse: str, repo_id: str, build_plan: BuildPlan | None = None
) -> TableWrite:
    return _write(warehouse, "cpg_props", cpg_props, repo_id, build_plan)


@tag(**semantic_tags("cpg_props_map", "store"))
def cpg_props_map_written(
    cpg_props_map: TableStream,
    warehouse: str,
    repo_id: str,
    props_map_paths: frozenset[str] | None,
    build_plan: BuildPlan | None = None,
) -> TableWrite:
    return _write(warehouse, "cpg_props_map", cpg_props_map, repo_id, build_plan, props_map_paths)


@tag(**semantic_tags("cpg_edges_by_src", "store"))
def cpg_edges_by_src_written(
    cpg_edges_by_src: TableStream, warehouse: str, repo_id: str, build_plan: BuildPlan | None = None
) -> TableWrite:
    return _write(warehouse, "cpg_edges_by_src", cpg_edges_by_src, repo_id, build_plan)


@tag(**semantic_tags("cpg_edges_by_dst", "store"))
def cpg_edges_by_dst_written(
    cpg_edges_by_dst: TableStream, warehouse: str, repo_id: str, build_plan: BuildPlan | None = None
) -> TableWrite:
    return _write(warehouse, "cpg_edges_by_dst", cpg_edges_by_dst, repo_id, build_plan)


@tag(**semantic_tags("extract_errors", "store"))
def extract_errors_written(
    extract_errors: pa.Table, warehouse: str, repo_id: str, build_plan: BuildPlan | None = None
) -> TableWrite:
    return _write(warehouse, "extract_errors", extract_errors, repo_id, build_plan)


@tag(**semantic_tags("file_index", "store"))
def file_index_written(
    file_index: pa.Table, warehouse: str, repo_id: str, build_plan: BuildPlan | None = None
) -> TableWrite:
    return _write(warehouse, "file_index", file_index, repo_id, build_plan)
