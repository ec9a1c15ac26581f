"""The stage modules of the dataflow, in pipeline order: every node module but the plan's.

``plan_nodes`` compiles the plan of the whole dataflow from this list plus itself, so it
needs the list without importing the package that lists it (``MODULES`` in
``__init__``).
"""

from __future__ import annotations

from codeanatomy_hamilton.runtime.nodes import (
    emit_nodes,
    extract_nodes,
    incremental_nodes,
    resolve_nodes,
    scan_nodes,
    store_nodes,
)

STAGE_MODULES = [
    scan_nodes,
    incremental_nodes,
    extract_nodes,
    resolve_nodes,
    emit_nodes,
    store_nodes,
]
