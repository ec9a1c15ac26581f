"""The semantic vocabulary of the dataflow's public outputs: the tags a Hamilton node
that emits or writes a contract table carries (see ``registry`` for the registry file
compiled from them).

Tags (all strings; lists are comma-separated):
layer, semantic_id, kind (table | write | plan), entity, grain, version, schema_ref
(``codeanatomy_hamilton.core.schema`` attribute), entity_keys, join_keys, stability
(stable | experimental | internal).
"""

from __future__ import annotations

SEMANTIC_KEYS = (
    "layer",
    "semantic_id",
    "kind",
    "entity",
    "grain",
    "version",
    "schema_ref",
    "entity_keys",
    "join_keys",
    "stability",
)

# artifact -> (entity, grain, schema_ref, entity_keys, join_keys, stability)
_ARTIFACTS: dict[str, tuple[str, str, str, str, str, str]] = {
    "cpg_nodes": (
        "cpg_node",
        "one row per CPG node",
        "CPG_NODES_SCHEMA",
        "repo,node_id",
        "repo,node_id",
        "stable",
    ),
    "cpg_edges": (
        "cpg_edge",
        "one row per CPG edge",
        "CPG_EDGES_SCHEMA",
        "repo,src_id,dst_id,kind",
        "repo,src_id|repo,dst_id",
        "stable",
    ),
    "cpg_props": (
        "cpg_node_property",
        "one row per node property",
        "CPG_PROPS_SCHEMA",
        "repo,node_id,key",
        "repo,node_id",
        "stable",
    ),
    "cpg_props_map": (
        "cpg_node_properties",
        "one row per node with properties",
        "CPG_PROPS_MAP_SCHEMA",
        "repo,node_id",
        "repo,node_id",
        "stable",
    ),
    "cpg_edges_by_src": (
        "cpg_edge",
        "one row per CPG edge, clustered by src_id",
        "CPG_EDGES_SCHEMA",
        "repo,src_id,dst_id,kind",
        "repo,src_id",
        "stable",
    ),
    "cpg_edges_by_dst": (
        "cpg_edge",
        "one row per CPG edge, clustered by dst_id",
        "CPG_EDGES_SCHEMA",
        "repo,src_id,dst_id,kind",
        "repo,dst_id",
        "stable",
    ),
    "extract_errors": (
        "extract_error",
        "one row per file problem",
        "EXTRACT_ERRORS_SCHEMA",
        "repo,path,error_kind",
        "repo,path",
        "stable",
    ),
    "file_index": (
        "source_file",
        "one row per analysed file",
        "FILE_INDEX_SCHEMA",
        "repo,path",
        "repo,path",
        "stable",
    ),
}
SEMANTIC_VERSION = "1"


def semantic_tags(artifact: str, layer: str) -> dict[str, str]:
    """The tags of the Hamilton node that emits (``layer="emit"``) or writes
    (``layer="store"``) one contract table."""
    entity, grain, schema_ref, entity_keys, join_keys, stability = _ARTIFACTS[artifact]
    kind = "table" if layer == "emit" else "write"
    suffix = "" if layer == "emit" else ".delta"
    return {
        "layer": layer,
        "artifact": artifact,
        "semantic_id": f"codeanatomy.cpg.{artifact}{suffix}",
        "kind": kind,
        "entity": entity,
        "grain": grain,
        "version": SEMANTIC_VERSION,
        "schema_ref": f"codeanatomy_hamilton.core.schema.{schema_ref}",
        "entity_keys": entity_keys,
        "join_keys": join_keys,
        "stability": stability,
    }
