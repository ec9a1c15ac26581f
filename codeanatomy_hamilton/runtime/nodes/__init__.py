"""The Hamilton dataflow: plain functions whose names are the node names.

scan -> extract -> resolve -> emit -> store, plus the plan nodes (``plan_nodes``).
``MODULES`` is what the driver loads.
"""

from __future__ import annotations

from codeanatomy_hamilton.runtime.nodes import (
    emit_nodes,
    extract_nodes,
    incremental_nodes,
    plan_nodes,
    resolve_nodes,
    scan_nodes,
    store_nodes,
)

MODULES = [
    scan_nodes,
    incremental_nodes,
    extract_nodes,
    resolve_nodes,
    emit_nodes,
    store_nodes,
    plan_nodes,
]
