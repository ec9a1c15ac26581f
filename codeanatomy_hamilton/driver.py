"""The one Hamilton driver over the whole dataflow, shared by the CLI and Dagster."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from hamilton import driver

from .dataflow import MODULES

# outputs a build writes, in the order a full build asks for them
TABLE_OUTPUTS: dict[str, str] = {
    "cpg_nodes": "cpg_nodes_written",
    "cpg_edges": "cpg_edges_written",
    "cpg_props": "cpg_props_written",
    "cpg_props_map": "cpg_props_map_written",
    "cpg_edges_by_src": "cpg_edges_by_src_written",
    "cpg_edges_by_dst": "cpg_edges_by_dst_written",
    "extract_errors": "extract_errors_written",
    "file_index": "file_index_written",
}


def make_driver(
    adapters: Sequence[Any] = (), config: dict[str, Any] | None = None
) -> driver.Driver:
    """Build the driver; ``adapters`` are Hamilton lifecycle hooks."""
    builder = driver.Builder().with_modules(*MODULES).with_config(config or {})
    if adapters:
        builder = builder.with_adapters(*adapters)
    return builder.build()
