"""The CPG tables as one subsettable multi-asset over the engine's Hamilton driver.

Selecting a subset of assets turns into ``final_vars`` of the same driver, so one run
computes the shared upstream (scan, extract, resolve) once and only what is needed.
"""

import os
from collections.abc import Iterator

import dagster as dg

from codeanatomy_hamilton.build import BuildRequest, BuildResult, run_build
from codeanatomy_hamilton.hooks import NodeExecutionError
from codeanatomy_hamilton.schema import ALL_TABLES

from .checks import check_result, check_specs
from .checks import evaluate as evaluate_check
from .metadata import table_metadata
from .partitions import repos_partitions
from .resources import CodeAnatomyResource

KEY_PREFIX = "cpg"
CPG_WRITER_POOL = "codeanatomy_cpg_writer"

TABLE_DESCRIPTIONS: dict[str, str] = {
    "cpg_nodes": "One row per CPG node: every AST node, CFG entry/exit nodes and EXTERNAL symbols.",
    "cpg_edges": "One row per CPG edge (AST, CONTAINS, CFG, DOMINATE, CDG, REACHING_DEF, REF, CALL, ...).",
    "cpg_props": "Node properties as key/value rows.",
    "cpg_props_map": "Node properties as one map per node.",
    "cpg_edges_by_src": "Edges clustered by source node id, for outgoing-edge lookups.",
    "cpg_edges_by_dst": "Edges clustered by destination node id, for incoming-edge lookups.",
    "extract_errors": "Files that could not be analysed, with the reason and line.",
    "file_index": "Path, blob sha, size and module of every analysed file.",
    "run_manifest": "One row per build: commit, base commit, mode, timings, row counts, Delta versions.",
}


def asset_key(table: str) -> dg.AssetKey:
    return dg.AssetKey([KEY_PREFIX, table])


CPG_SPECS = [
    dg.AssetSpec(
        asset_key(name),
        description=TABLE_DESCRIPTIONS[name],
        group_name="cpg",
        kinds={"deltalake", "python"},
        partitions_def=repos_partitions,
        metadata={"dagster/table_name": name, "partition_expr": "repo"},
        skippable=True,
    )
    for name in ALL_TABLES
]


def build_for_partition(
    context: dg.AssetExecutionContext, codeanatomy: CodeAnatomyResource, tables: list[str]
) -> BuildResult:
    repo = codeanatomy.repo(context.partition_key)
    # sensor and schedule runs pin the commit they saw (run tags, see sensors.py); any
    # run is incremental unless tagged otherwise: the engine falls back to a full build
    # where it must, and an incremental result equals a full one row for row
    tags = context.run.tags
    ref = tags.get("codeanatomy/commit") or repo.ref
    incremental = tags.get("codeanatomy/incremental", "true").lower() != "false"
    request = BuildRequest(
        repo_path=codeanatomy.local_path(repo),
        warehouse=codeanatomy.warehouse_path(),
        ref=ref,
        repo_id=repo.id,
        incremental=incremental,
        extract_cache_dir=os.path.join(codeanatomy.cache_path(), "extract"),
        # another run of this repo holding the build lock: wait for it, not fail
        lock_timeout=900.0,
        workers=codeanatomy.workers,
        executor=codeanatomy.executor or None,
        dask_address=codeanatomy.dask_address or None,
        source_roots=list(repo.source_roots),
        tables=tables,
        cache_dir=codeanatomy.cache_path() if codeanatomy.use_cache else None,
        hamilton_ui=codeanatomy.hamilton_ui or None,
    )
    context.log.info(
        f"building {repo.id} at {ref} ({'incremental' if incremental else 'full'}) "
        f"for {', '.join(tables)}"
    )
    try:
        result = run_build(request)
    except NodeExecutionError as exc:
        # the message names the failing Hamilton node; log it before Dagster's traceback
        context.log.error(f"{exc} (repo {repo.id}, tables {', '.join(tables)})")
        raise
    for warning in result.warnings:
        context.log.warning(f"repo {repo.id}: {warning}")
    return result


@dg.multi_asset(
    specs=CPG_SPECS,
    can_subset=True,
    partitions_def=repos_partitions,
    pool=CPG_WRITER_POOL,
    name="cpg_tables",
    check_specs=check_specs(asset_key),
)
def cpg_tables(
    context: dg.AssetExecutionContext, codeanatomy: CodeAnatomyResource
) -> Iterator[dg.MaterializeResult | dg.AssetCheckResult]:
    selected = sorted(k.path[-1] for k in context.selected_asset_keys)
    result = build_for_partition(context, codeanatomy, selected)
    for table in selected:
        yield dg.MaterializeResult(
            asset_key=asset_key(table),
            metadata=table_metadata(table, result, codeanatomy.warehouse_path()),
        )
    # blocking checks (see checks.py) on what this run wrote, scoped to the partition's repo
    for check_key in sorted(context.selected_asset_check_keys, key=lambda k: k.to_user_string()):
        outcome = evaluate_check(
            check_key.name,
            codeanatomy.warehouse_path(),
            check_key.asset_key.path[-1],
            result.repo_id,
            file_count=result.file_count,
        )
        yield check_result(outcome, check_key.asset_key)
