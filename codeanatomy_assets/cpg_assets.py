"""The CPG tables as one subsettable multi-asset over the engine's Hamilton driver.

Selecting a subset of assets turns into ``final_vars`` of the same driver, so one run
computes the shared upstream (scan, extract, resolve) once and only what is needed.
"""

import os
from collections.abc import Iterator

import dagster as dg

from codeanatomy_hamilton.build import BuildRequest, BuildResult, run_build
from codeanatomy_hamilton.core.schema import ALL_TABLES
from codeanatomy_hamilton.core.table_docs import TABLE_DESCRIPTIONS
from codeanatomy_hamilton.runtime.hooks import NodeExecutionError

from .checks import check_result, check_specs
from .checks import evaluate as evaluate_check
from .metadata import table_metadata
from .partitions import repos_partitions
from .resources import CodeAnatomyResource
from .warehouse import CPG_PREFIX

# run tags this asset reads; the sensor and the schedule set them (see sensors.py)
TAG_COMMIT = "codeanatomy/commit"
TAG_INCREMENTAL = "codeanatomy/incremental"
TAG_TRIGGER = "codeanatomy/trigger"

KEY_PREFIX = CPG_PREFIX
CPG_GROUP = "cpg"
CPG_WRITER_POOL = "codeanatomy_cpg_writer"


def asset_key(table: str) -> dg.AssetKey:
    return dg.AssetKey([KEY_PREFIX, table])


CPG_SPECS = [
    dg.AssetSpec(
        asset_key(name),
        description=TABLE_DESCRIPTIONS[name],
        group_name=CPG_GROUP,
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
    ref = tags.get(TAG_COMMIT) or repo.ref
    incremental = tags.get(TAG_INCREMENTAL, "true").lower() != "false"
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
        settings=codeanatomy.settings(),
        # each stage's start and end, with counts, in the run log
        progress=lambda event: None if event.phase == "step" else context.log.info(event.message),
    )
    context.log.info(
        f"building {repo.id} at {ref} for {', '.join(tables)} "
        + (
            "(incremental where possible: the engine picks a full build when there is no "
            "earlier build or the history changed)"
            if incremental
            else "(full build)"
        )
    )
    try:
        result = run_build(request)
    except NodeExecutionError as exc:
        # the message names the failing Hamilton node; log it before Dagster's traceback
        context.log.error(f"{exc} (repo {repo.id}, tables {', '.join(tables)})")
        raise
    for warning in result.warnings:
        context.log.warning(f"repo {repo.id}: {warning}")
    since = f" from {result.base_commit}" if result.base_commit else ""
    why = f" ({result.reason})" if result.reason else ""
    context.log.info(
        f"built {repo.id}: {result.mode} build{since}{why} of commit {result.commit or '-'}, "
        f"{result.file_count} files in {result.seconds:.2f}s"
    )
    return result


@dg.multi_asset(
    specs=CPG_SPECS,
    can_subset=True,
    partitions_def=repos_partitions,
    pool=CPG_WRITER_POOL,
    name="cpg_tables",
    check_specs=check_specs(asset_key, repos_partitions),
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
