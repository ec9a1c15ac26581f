"""A code location of your own that builds on CodeAnatomy's CPG tables.

It declares the CPG tables it reads as external assets (``cpg_source_specs``: the
CodeAnatomy location materializes them), reads ``cpg/cpg_edges`` through CodeAnatomy's
warehouse IO manager and writes its result to ``<warehouse>/mine/edge_kinds``, which
``codeanatomy sql`` queries as ``mine.edge_kinds``. The eager automation condition
rebuilds a repo's row counts after every CPG build of that repo.

Run it next to the project: ``dagster dev -w examples/downstream_location/workspace.yaml``.
"""

import dagster as dg
import pyarrow as pa

import codeanatomy_assets as ca


@dg.asset(
    key_prefix="mine",
    partitions_def=ca.repos_partitions,
    io_manager_key=ca.WAREHOUSE_IO,
    metadata={"partition_expr": "repo"},
    ins={"edges": ca.cpg_input("cpg_edges", ["repo", "kind"])},
    automation_condition=dg.AutomationCondition.eager(),
)
def edge_kinds(edges: pa.Table) -> pa.Table:
    """Edges per kind, per repo."""
    counts = edges.group_by(["repo", "kind"]).aggregate([([], "count_all")])
    return counts.rename_columns(["repo", "kind", "edges"]).sort_by("kind")


defs = dg.Definitions(
    assets=[*ca.cpg_source_specs(["cpg_edges"]), edge_kinds],
    resources=ca.default_resources(),
    sensors=[
        dg.AutomationConditionSensorDefinition(
            "mine_automation",
            target=dg.AssetSelection.assets(edge_kinds),
            default_status=dg.DefaultSensorStatus.RUNNING,
        )
    ],
)
