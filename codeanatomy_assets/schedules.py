"""A schedule that rebuilds every configured repository on a clock.

``build_schedule_from_partitioned_job`` rejects dynamic partitions, so this is a plain
``@dg.schedule`` that yields one ``RunRequest(partition_key=repo_id, run_key=...)`` per repository
(registering repos that are not partitions yet through the instance). Runs are
incremental: the engine rebuilds only what changed since the last successful build and
falls back to a full build where it must, so a tick on an unchanged repo is cheap.
"""

import dagster as dg

from codeanatomy_hamilton.scan.snapshot import ScanError

from .partitions import repos_partitions
from .repos import RepoConfigError
from .resources import CodeAnatomyResource
from .sensors import build_run_request, cpg_build_job, watched_refs


@dg.schedule(
    name="nightly_cpg_rebuild",
    job=cpg_build_job,
    cron_schedule="0 3 * * *",
    execution_timezone="UTC",
    description="Every night, an incremental CPG build of every repo in repos.yaml.",
)
def nightly_cpg_rebuild(context: dg.ScheduleEvaluationContext, codeanatomy: CodeAnatomyResource):
    try:
        refs = watched_refs(codeanatomy)
    except (RepoConfigError, ScanError) as exc:
        yield dg.SkipReason(f"repos file is invalid: {exc}")
        return
    known = set(context.instance.get_dynamic_partitions(repos_partitions.name))
    new = [r.repo.id for r in refs if r.repo.id not in known]
    if new:
        context.instance.add_dynamic_partitions(repos_partitions.name, new)
    for ref in refs:
        if ref.error:
            context.log.warning(f"repo {ref.repo.id}: {ref.error}")
            continue
        # Dagster needs a run key on each request of a tick with several; it dedupes
        # them per tick, so a nightly rebuild of a commit the sensor built still runs
        yield build_run_request(ref.repo.id, ref.commit, "schedule")
