"""The one Hamilton driver over the whole dataflow, shared by the CLI and Dagster."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from hamilton import driver
from hamilton.execution.executors import SynchronousLocalTaskExecutor

from codeanatomy_hamilton.core.settings import Settings
from codeanatomy_hamilton.runtime.caching import (
    cache_stores,
    hamilton_cache_dir,
    register_fingerprints,
)
from codeanatomy_hamilton.runtime.nodes import MODULES

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
    adapters: Sequence[Any] = (),
    config: dict[str, Any] | None = None,
    cache_dir: str | None = None,
    executor: Any = None,
    cache_limit_bytes: int = Settings().cache_max_bytes,
) -> driver.Driver:
    """Build the driver; ``adapters`` are Hamilton lifecycle hooks. With ``cache_dir``,
    Hamilton caching is on (SQLite metadata + file results, see ``caching``), its
    result store pruned to ``cache_limit_bytes``."""
    register_fingerprints()
    # The extract stage is Parallelizable/Collect, which only dynamic execution runs;
    # ``executor`` (see ``executors.make_executor``) runs its batches, default in process.
    builder = (
        driver.Builder()
        .enable_dynamic_execution(allow_experimental_mode=True)
        .with_modules(*MODULES)
        .with_config(config or {})
        .with_local_executor(SynchronousLocalTaskExecutor())
        .with_remote_executor(executor or SynchronousLocalTaskExecutor())
    )
    if adapters:
        builder = builder.with_adapters(*adapters)
    if cache_dir:
        builder = with_engine_cache(builder, cache_dir, cache_limit_bytes)
    return builder.build()


def with_engine_cache(builder: driver.Builder, cache_dir: str, limit_bytes: int) -> driver.Builder:
    """``builder.with_cache`` with the engine's stores. Each node declares its own
    behavior (``@cache(behavior=...)`` on the node functions, see ``caching``)."""
    metadata_store, result_store = cache_stores(cache_dir, limit_bytes)
    return builder.with_cache(
        path=hamilton_cache_dir(cache_dir),
        metadata_store=metadata_store,
        result_store=result_store,
    )
