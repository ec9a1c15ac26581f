"""The public way to build on the CPG, from this project or from a code location of
your own (see docs/dagster.md, "Your own downstream assets", and
``examples/downstream_location``)::

    import dagster as dg
    import pyarrow as pa
    import codeanatomy_assets as ca

    @dg.asset(key_prefix="mine", partitions_def=ca.repos_partitions,
              io_manager_key=ca.WAREHOUSE_IO, metadata={"partition_expr": "repo"},
              ins={"edges": ca.cpg_input("cpg_edges", ["repo", "kind"])},
              automation_condition=dg.AutomationCondition.eager())
    def edge_kinds(edges: pa.Table) -> pa.Table:
        return edges.group_by(["repo", "kind"]).aggregate([([], "count_all")])

    defs = dg.Definitions(assets=[*ca.cpg_source_specs(), edge_kinds],
                          resources=ca.default_resources())
"""

from __future__ import annotations

from typing import Any

import dagster as dg

from codeanatomy_hamilton.core.schema import ALL_TABLES
from codeanatomy_hamilton.core.table_docs import TABLE_DESCRIPTIONS

from .cpg_assets import CPG_GROUP, asset_key
from .partitions import repos_partitions
from .resources import CodeAnatomyResource, resource_from_env
from .warehouse import WAREHOUSE_IO, warehouse_io_manager


def cpg_asset_key(table: str) -> dg.AssetKey:
    """The asset key of CPG table ``table`` (``cpg/<table>``)."""
    if table not in ALL_TABLES:
        raise KeyError(f"{table!r} is not a CPG table (one of {', '.join(ALL_TABLES)})")
    return asset_key(table)


def cpg_source_specs(tables: list[str] | None = None) -> list[dg.AssetSpec]:
    """The CPG tables as external asset specs, for a code location that builds on them:
    same keys, partitions and descriptions as this project's assets, so the UI joins
    both locations into one lineage graph (this project materializes them)."""
    return [
        dg.AssetSpec(
            cpg_asset_key(name),
            description=TABLE_DESCRIPTIONS[name],
            group_name=CPG_GROUP,
            partitions_def=repos_partitions,
            metadata={"partition_expr": "repo", "dagster/table_name": name},
        )
        for name in (tables or list(ALL_TABLES))
    ]


def cpg_input(table: str, columns: list[str] | None = None) -> dg.AssetIn:
    """An asset input on CPG table ``table`` read by the warehouse IO manager: a
    ``pyarrow.Table`` with the partition's repo only, and only ``columns`` if given."""
    return dg.AssetIn(
        key=cpg_asset_key(table),
        input_manager_key=WAREHOUSE_IO,
        metadata={"columns": list(columns)} if columns else None,
    )


def default_resources(codeanatomy: CodeAnatomyResource | None = None) -> dict[str, Any]:
    """The resources a downstream asset needs: the ``codeanatomy`` settings (where the
    warehouse is; by default bound to the ``CODEANATOMY_*`` variables that are set,
    ``resources.resource_from_env``) and the warehouse IO manager under ``WAREHOUSE_IO``."""
    return {
        "codeanatomy": codeanatomy or resource_from_env(),
        WAREHOUSE_IO: warehouse_io_manager,
    }
