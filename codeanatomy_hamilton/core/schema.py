"""Arrow schemas of the contract tables (described in docs/tables.md) and of the per-file batches.

Per-file batches carry no ``repo`` column; it is added once when tables are emitted.
"""

from __future__ import annotations

import pyarrow as pa

LOCAL_NODE_SCHEMA = pa.schema(
    [
        ("node_id", pa.int64()),
        ("kind", pa.string()),
        ("ast_type", pa.string()),
        ("path", pa.string()),
        ("name", pa.string()),
        ("qualname", pa.string()),
        ("start_line", pa.int32()),
        ("start_col", pa.int32()),
        ("end_line", pa.int32()),
        ("end_col", pa.int32()),
    ]
)
EDGE_SCHEMA = pa.schema(
    [
        ("src_id", pa.int64()),
        ("dst_id", pa.int64()),
        ("kind", pa.string()),
        ("label", pa.string()),
        ("index", pa.int32()),
        ("field", pa.string()),
        ("variable", pa.string()),
    ]
)
# edges whose destination is an EXTERNAL node named by its dotted qualname
XEDGE_SCHEMA = pa.schema(
    [
        ("src_id", pa.int64()),
        ("dst_qualname", pa.string()),
        ("kind", pa.string()),
        ("label", pa.string()),
        ("index", pa.int32()),
        ("variable", pa.string()),
    ]
)
PROP_SCHEMA = pa.schema(
    [
        ("node_id", pa.int64()),
        ("key", pa.string()),
        ("value", pa.string()),
        ("value_type", pa.string()),
    ]
)

REPO_FIELD = pa.field("repo", pa.string(), nullable=False)


def with_repo(schema: pa.Schema) -> pa.Schema:
    return pa.schema([REPO_FIELD, *schema])


# Incremental builds replace rows by file: every CPG row says which file it belongs to
# (``path``: for edges the source node's file, for props the node's file; null for
# EXTERNAL) and whether it came from that file alone (``origin = 'file'``) or from
# cross-file resolution (``'xfile'``: resolved edges/props, EXTERNAL nodes), which an
# incremental build recomputes and replaces as a set. See ``incremental``.
PATH_FIELD = pa.field("path", pa.string())
ORIGIN_FIELD = pa.field("origin", pa.string())
CPG_NODES_SCHEMA = pa.schema([*with_repo(LOCAL_NODE_SCHEMA), ORIGIN_FIELD])
CPG_EDGES_SCHEMA = pa.schema([*with_repo(EDGE_SCHEMA), PATH_FIELD, ORIGIN_FIELD])
CPG_PROPS_SCHEMA = pa.schema([*with_repo(PROP_SCHEMA), PATH_FIELD, ORIGIN_FIELD])
CPG_PROPS_MAP_SCHEMA = pa.schema(
    [
        REPO_FIELD,
        ("node_id", pa.int64()),
        ("props", pa.map_(pa.string(), pa.string())),
        PATH_FIELD,
        ORIGIN_FIELD,
    ]
)
EXTRACT_ERRORS_SCHEMA = pa.schema(
    [
        REPO_FIELD,
        ("path", pa.string()),
        ("error_kind", pa.string()),
        ("message", pa.string()),
        ("line", pa.int32()),
    ]
)
RUN_MANIFEST_SCHEMA = pa.schema(
    [
        REPO_FIELD,
        ("run_id", pa.string()),
        ("commit", pa.string()),
        ("base_commit", pa.string()),
        ("ref", pa.string()),
        ("mode", pa.string()),
        ("status", pa.string()),
        ("started_at", pa.timestamp("us", tz="UTC")),
        ("ended_at", pa.timestamp("us", tz="UTC")),
        ("file_count", pa.int64()),
        ("changed_files", pa.list_(pa.string())),
        ("table_versions", pa.map_(pa.string(), pa.int64())),
        ("row_counts", pa.map_(pa.string(), pa.int64())),
        ("stage_seconds", pa.map_(pa.string(), pa.float64())),
        ("plan_signature", pa.string()),
        ("tool_version", pa.string()),
        # incremental builds (see ``incremental``): why a build ran full when an
        # incremental one was asked for, the git diff from the base commit, and the
        # fingerprint of the engine code that shaped per-file rows
        ("reason", pa.string()),
        ("file_changes", pa.list_(pa.string())),
        ("engine_version", pa.string()),
    ]
)
# a file manifest per build: which blob each path had, for incremental diffs
FILE_INDEX_SCHEMA = pa.schema(
    [
        REPO_FIELD,
        ("path", pa.string()),
        ("blob_sha", pa.string()),
        ("size", pa.int64()),
        ("lines", pa.int64()),
        ("module", pa.string()),
    ]
)

CPG_TABLES: dict[str, pa.Schema] = {
    "cpg_nodes": CPG_NODES_SCHEMA,
    "cpg_edges": CPG_EDGES_SCHEMA,
    "cpg_props": CPG_PROPS_SCHEMA,
    "cpg_props_map": CPG_PROPS_MAP_SCHEMA,
    "cpg_edges_by_src": CPG_EDGES_SCHEMA,
    "cpg_edges_by_dst": CPG_EDGES_SCHEMA,
    "extract_errors": EXTRACT_ERRORS_SCHEMA,
    "file_index": FILE_INDEX_SCHEMA,
}
ALL_TABLES: dict[str, pa.Schema] = {**CPG_TABLES, "run_manifest": RUN_MANIFEST_SCHEMA}


# tables whose rows carry an ``origin`` column: 'file' (a pure function of one file) or
# 'xfile' (cross-file resolution and EXTERNAL nodes, recomputed on every build)
ORIGIN_TABLES = frozenset(
    {"cpg_nodes", "cpg_edges", "cpg_props", "cpg_props_map", "cpg_edges_by_src", "cpg_edges_by_dst"}
)
# the id column each origin table's per-file rows are laid out by (``streams``): a
# file's rows have ids in its range (``ids.file_range``), so an incremental build's
# predicate names those ranges and Delta skips every data file outside them
LAYOUT_KEYS: dict[str, str] = {
    "cpg_nodes": "node_id",
    "cpg_edges": "src_id",
    "cpg_props": "node_id",
    "cpg_props_map": "node_id",
    "cpg_edges_by_src": "src_id",
    "cpg_edges_by_dst": "dst_id",
}


def partition_columns(table: str) -> list[str]:
    """Delta partition columns: the repo, and for origin tables the origin, so the
    cross-file rows an incremental build always replaces sit in their own data files."""
    return ["repo", "origin"] if table in ORIGIN_TABLES else ["repo"]
