"""CodeAnatomy's Dagster layer: assets, checks, sensors and schedules over the engine.

Public for downstream assets in this or another code location (see docs/dagster.md):
``cpg_source_specs``, ``cpg_input``, ``cpg_asset_key``, ``default_resources``,
``warehouse_io_manager`` / ``WAREHOUSE_IO``, ``cpg_table_resource`` (dagster-deltalake's
``DeltaTableResource`` for a CPG table, pinned at the newest complete build),
``CodeAnatomyResource``, ``repos_partitions``.
"""

from .definitions import defs
from .partitions import repos_partitions
from .public import cpg_asset_key, cpg_input, cpg_source_specs, default_resources
from .resources import CodeAnatomyResource
from .warehouse import (
    WAREHOUSE_IO,
    WarehouseIOManager,
    WarehouseWriteError,
    cpg_table_resource,
    warehouse_io_manager,
)

__all__ = [
    "WAREHOUSE_IO",
    "CodeAnatomyResource",
    "WarehouseIOManager",
    "WarehouseWriteError",
    "cpg_asset_key",
    "cpg_input",
    "cpg_source_specs",
    "cpg_table_resource",
    "default_resources",
    "defs",
    "repos_partitions",
    "warehouse_io_manager",
]
