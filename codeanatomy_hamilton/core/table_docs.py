"""What each contract table and column means: the one place these descriptions live.

The Dagster layer shows them (asset descriptions, ``dagster/column_schema``); a test
checks that every column of ``schema.ALL_TABLES`` has a description here, so a new
column cannot ship undocumented.
"""

from __future__ import annotations

TABLE_DESCRIPTIONS: dict[str, str] = {
    "cpg_nodes": "One row per CPG node: every AST node, CFG entry/exit nodes and EXTERNAL symbols.",
    "cpg_edges": "One row per CPG edge (AST, CONTAINS, CFG, DOMINATE, CDG, REACHING_DEF, REF, CALL, ...).",
    "cpg_props": "Node properties as key/value rows.",
    "cpg_props_map": "Node properties as one map per node.",
    "cpg_edges_by_src": "Edges clustered by source node id, for outgoing-edge lookups.",
    "cpg_edges_by_dst": "Edges clustered by destination node id, for incoming-edge lookups.",
    "extract_errors": "Files that could not be (fully) analysed, with the reason and line.",
    "file_index": "Path, blob sha, size and module of every analysed file.",
    "run_manifest": "One row per build: commit, base commit, mode, timings, row counts, Delta versions.",
}

_REPO = "Repo id (the Dagster partition key); every table is partitioned by it."
_PATH_OWNER = "Repo-relative POSIX path of the file the row belongs to; null for EXTERNAL."
_ORIGIN = "'file': from one file alone; 'xfile': from cross-file resolution (rebuilt every build)."
_EDGE = {
    "repo": _REPO,
    "src_id": "node_id of the edge's source.",
    "dst_id": "node_id of the edge's destination.",
    "kind": "Edge kind: AST, CONTAINS, CFG, DOMINATE, POST_DOMINATE, CDG, REACHING_DEF, REF, CALL, ARGUMENT, RECEIVER, IMPORTS, INHERITS, ...",
    "label": "CFG branch label (true, false, exception, ...); null otherwise.",
    "index": "Position: ARGUMENT index, AST child order; null otherwise.",
    "field": "AST field name of the child (AST edges).",
    "variable": "The variable a REACHING_DEF edge carries.",
    "path": "Repo-relative POSIX path of the source node's file.",
    "origin": _ORIGIN,
}
_PROPS = {
    "repo": _REPO,
    "node_id": "The node the property belongs to.",
    "key": "Property name.",
    "value": "Property value as text.",
    "value_type": "Type of the value before it became text (str, int, bool, ...).",
    "props": "Every property of the node, name to value as text.",
    "path": _PATH_OWNER,
    "origin": _ORIGIN,
}

COLUMN_DESCRIPTIONS: dict[str, dict[str, str]] = {
    "cpg_nodes": {
        "repo": _REPO,
        "node_id": "Unique within the repo; stable across builds for unchanged files; EXTERNAL ids are negative.",
        "kind": "CPG node kind: MODULE, CLASS, FUNCTION, PARAMETER, CALL, IDENTIFIER, ..., EXTERNAL.",
        "ast_type": "CPython ast class name (Call, Name, FunctionDef, ...); null for non-AST nodes.",
        "path": _PATH_OWNER,
        "name": "Identifier, callee text, module name, ...",
        "qualname": "Dotted qualified name of MODULE, CLASS, FUNCTION and EXTERNAL nodes.",
        "start_line": "First line (1-based), as CPython ast reports it.",
        "start_col": "First column (0-based UTF-8 byte offset).",
        "end_line": "Last line (1-based).",
        "end_col": "End column (0-based UTF-8 byte offset, exclusive).",
        "origin": _ORIGIN,
    },
    "cpg_edges": _EDGE,
    "cpg_edges_by_src": _EDGE,
    "cpg_edges_by_dst": _EDGE,
    "cpg_props": _PROPS,
    "cpg_props_map": _PROPS,
    "extract_errors": {
        "repo": _REPO,
        "path": "Repo-relative POSIX path of the file.",
        "error_kind": "syntax_error, python2_syntax, decode_error, newer_syntax, too_large, symlink, ...",
        "message": "What went wrong, in one line.",
        "line": "Line of the problem, when known.",
    },
    "file_index": {
        "repo": _REPO,
        "path": "Repo-relative POSIX path of the analysed file.",
        "blob_sha": "Git blob sha of the file's content (a content hash for plain directories).",
        "size": "Size in bytes.",
        "lines": "Number of lines.",
        "module": "Dotted module name derived from the path.",
    },
    "run_manifest": {
        "repo": _REPO,
        "run_id": "Id of the build.",
        "commit": "Commit the build read (null for a plain directory).",
        "base_commit": "Commit of the last successful build an incremental build started from.",
        "ref": "The git ref asked for.",
        "mode": "full or incremental: what the build did, not what was asked for.",
        "status": "success (a failed build writes no row).",
        "started_at": "When the build started (UTC).",
        "ended_at": "When the build ended (UTC).",
        "file_count": "Python files in the snapshot.",
        "changed_files": "Files an incremental build re-extracted.",
        "table_versions": "Delta version of every table after the build (for sql --at COMMIT).",
        "row_counts": "Rows each table write of this build wrote.",
        "stage_seconds": "Seconds per stage (scan, extract, resolve, emit, store).",
        "plan_signature": "Hash of the execution plan (nodes, edges, code versions).",
        "tool_version": "CodeAnatomy version.",
        "reason": "Why a build asked to be incremental ran full.",
        "file_changes": "The git diff from the base commit (status and paths).",
        "engine_version": "Fingerprint of the engine code that shaped the per-file rows.",
    },
}


def column_description(table: str, column: str) -> str:
    return COLUMN_DESCRIPTIONS.get(table, {}).get(column, "")
