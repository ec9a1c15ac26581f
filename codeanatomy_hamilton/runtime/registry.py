"""Semantic registry: what every public output of the dataflow means.

The semantics live on the Hamilton functions as tags (``@tag(**semantic_tags(...))`` in
``runtime/nodes/emit_nodes.py`` and ``runtime/nodes/store_nodes.py``; plan nodes tag themselves).
``semantic_registry.json`` at the repo root is compiled from the *driver's* tags, so it
says what the code says; a test fails when the file drifts from the code.

    python -m codeanatomy_hamilton.runtime.registry --write   # regenerate semantic_registry.json
    python -m codeanatomy_hamilton.runtime.registry --check   # exit 1 when it is stale

Tags (all strings; lists are comma-separated):
layer, semantic_id, kind (table | write | plan), entity, grain, version, schema_ref
(``codeanatomy_hamilton.core.schema`` attribute), entity_keys, join_keys, stability
(stable | experimental | internal).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

REGISTRY_FILE = Path(__file__).resolve().parents[2] / "semantic_registry.json"
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


def compile_registry() -> dict[str, Any]:
    """The registry from the driver's node tags: every node carrying a ``semantic_id``."""
    from codeanatomy_hamilton.runtime.driver import make_driver

    dr = make_driver()
    outputs = []
    for var in sorted(dr.list_available_variables(), key=lambda v: v.name):
        tags = var.tags or {}
        if "semantic_id" not in tags:
            continue
        entry: dict[str, Any] = {"node": var.name}
        for key in SEMANTIC_KEYS:
            value = tags.get(key)
            if key in ("entity_keys",) and isinstance(value, str):
                value = [v for v in value.split(",") if v]
            if key == "join_keys" and isinstance(value, str):
                value = [[k for k in group.split(",") if k] for group in value.split("|") if group]
            entry[key] = value
        if "artifact" in tags:
            entry["artifact"] = tags["artifact"]
        outputs.append(entry)
    return {"registry_version": SEMANTIC_VERSION, "outputs": outputs}


def render(registry: dict[str, Any]) -> str:
    return json.dumps(registry, indent=2, sort_keys=True) + "\n"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m codeanatomy_hamilton.runtime.registry", description=__doc__.splitlines()[0]
    )
    p.add_argument("--write", action="store_true", help=f"write {REGISTRY_FILE.name}")
    p.add_argument(
        "--check", action="store_true", help="exit 1 when the file differs from the code"
    )
    p.add_argument("--path", default=str(REGISTRY_FILE))
    args = p.parse_args(argv)
    text = render(compile_registry())
    if args.write:
        tmp = f"{args.path}.tmp"
        with open(tmp, "w") as fh:
            fh.write(text)
        os.replace(tmp, args.path)
        print(f"wrote {args.path}")
        return 0
    if args.check:
        try:
            current = Path(args.path).read_text()
        except OSError:
            current = ""
        if current != text:
            print(
                f"{args.path} is stale: run python -m codeanatomy_hamilton.runtime.registry --write",
                file=sys.stderr,
            )
            return 1
        print(f"{args.path} is up to date")
        return 0
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
