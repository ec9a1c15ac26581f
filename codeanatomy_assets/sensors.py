"""A sensor that watches the git ref of every configured repository.

Each tick resolves every watched ref (remote URLs are fetched into the cache first) and
compares it with the cursor, a JSON object of the last commit seen per repo id. A repo
whose ref moved gets one incremental CPG run for its partition, tagged with the new
commit; repos seen for the first time are registered as
partitions in the same tick. The engine itself decides full vs incremental from the
warehouse's run manifest, so a lost cursor or a force-pushed ref costs a full build,
never a wrong one.
"""

import json
from collections.abc import Mapping
from dataclasses import dataclass

import dagster as dg

from codeanatomy_hamilton.scan.gitsync import ref_commit
from codeanatomy_hamilton.scan.snapshot import ScanError

from .cpg_assets import CPG_SPECS, TAG_COMMIT, TAG_INCREMENTAL, TAG_TRIGGER
from .partitions import repos_partitions
from .repos import RepoConfig, RepoConfigError, load_repos
from .resources import CodeAnatomyResource

CPG_JOB_NAME = "cpg_build"
# the CPG tables of one repo partition; the sensor and the schedule both target it
cpg_build_job = dg.define_asset_job(
    CPG_JOB_NAME,
    # partitioned by repo: Dagster infers the partitions from the selected assets
    selection=dg.AssetSelection.assets(*[spec.key for spec in CPG_SPECS]),
    description="Build (incrementally where possible) the CPG tables of one repository.",
)


@dataclass(frozen=True)
class WatchedRef:
    repo: RepoConfig
    commit: str | None  # None: not a git repository (nothing to watch)
    error: str | None = None


def watched_refs(codeanatomy: CodeAnatomyResource) -> list[WatchedRef]:
    """The current commit of every configured repo's ref (fetching remote ones)."""
    out: list[WatchedRef] = []
    for repo in load_repos(codeanatomy.repos_file or None):
        try:
            out.append(WatchedRef(repo, ref_commit(codeanatomy.local_path(repo), repo.ref)))
        except ScanError as exc:
            out.append(WatchedRef(repo, None, str(exc)))
    return out


def build_run_request(repo_id: str, commit: str | None, trigger: str) -> dg.RunRequest:
    """One incremental run of a repo's CPG, pinned to ``commit``. No base commit tag: the
    engine starts from the last *successful* build's commit (``run_manifest``), which the
    sensor cannot know at tick time; the materialization's metadata reports it."""
    tags = {TAG_INCREMENTAL: "true", TAG_TRIGGER: trigger}
    if commit:
        tags[TAG_COMMIT] = commit
    return dg.RunRequest(
        # one run per (repo, commit): a re-evaluated tick never builds a commit twice;
        # Dagster also needs a distinct run key per request of one tick
        run_key=f"{repo_id}@{commit or 'worktree'}",
        partition_key=repo_id,
        tags=tags,
    )


def parse_cursor(cursor: str | None) -> dict[str, str]:
    if not cursor:
        return {}
    try:
        data = json.loads(cursor)
    except json.JSONDecodeError:
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, Mapping) else {}


@dg.sensor(
    name="git_ref_sensor",
    job=cpg_build_job,
    minimum_interval_seconds=60,
    description="Polls the git ref of every repo in repos.yaml; requests an incremental "
    f"{CPG_JOB_NAME} run per new commit and registers new repos as partitions.",
)
def git_ref_sensor(
    context: dg.SensorEvaluationContext, codeanatomy: CodeAnatomyResource
) -> dg.SensorResult | dg.SkipReason:
    seen = parse_cursor(context.cursor)
    try:
        refs = watched_refs(codeanatomy)
    except RepoConfigError as exc:
        return dg.SkipReason(f"repos file is invalid: {exc}")
    known = set(context.instance.get_dynamic_partitions(repos_partitions.name))
    new_partitions = [r.repo.id for r in refs if r.repo.id not in known]
    requests: list[dg.RunRequest] = []
    cursor = dict(seen)
    for ref in refs:
        rid = ref.repo.id
        if ref.error:
            context.log.warning(f"repo {rid}: {ref.error}")
            continue
        if ref.commit is None:
            # a plain directory has no ref to watch; the schedule still rebuilds it
            continue
        if seen.get(rid) == ref.commit:
            continue
        requests.append(build_run_request(rid, ref.commit, "sensor"))
        cursor[rid] = ref.commit
    if not requests and not new_partitions:
        return dg.SkipReason("no watched ref moved")
    return dg.SensorResult(
        run_requests=requests,
        dynamic_partitions_requests=(
            [repos_partitions.build_add_request(new_partitions)] if new_partitions else []
        ),
        cursor=json.dumps(cursor, sort_keys=True),
    )
