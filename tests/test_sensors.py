"""The git ref sensor and the nightly schedule, evaluated with Dagster's test contexts
against real git repositories (a local path and a file:// remote)."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import dagster as dg
import pytest

from codeanatomy_assets.cpg_assets import cpg_tables
from codeanatomy_assets.partitions import repos_partitions
from codeanatomy_assets.resources import CodeAnatomyResource
from codeanatomy_assets.schedules import nightly_cpg_rebuild
from codeanatomy_assets.sensors import (
    TAG_COMMIT,
    TAG_INCREMENTAL,
    cpg_build_job,
    git_ref_sensor,
)

from .incremental_helpers import commit, git, init_repo

# the tag the sensor used to set to the commit it saw last; the build starts from the
# last *successful* build's commit instead, so no run tag may claim a base commit
OLD_BASE_COMMIT_TAG = "codeanatomy/base_commit"


@pytest.fixture
def setup(tmp_path: Path):
    local = tmp_path / "local"
    c1 = init_repo(local, {"a.py": "x = 1\n"})
    origin = tmp_path / "origin"
    r1 = init_repo(origin, {"m.py": "def f():\n    return 1\n"})
    repos_file = tmp_path / "repos.yaml"
    repos_file.write_text(
        f"repos:\n"
        f"  - id: local\n    path: {local}\n    ref: main\n"
        f"  - id: remote\n    url: file://{origin}\n    ref: main\n"
    )
    resource = CodeAnatomyResource(
        warehouse=str(tmp_path / "warehouse"),
        cache_dir=str(tmp_path / "cache"),
        repos_file=str(repos_file),
        use_cache=False,
    )
    defs = dg.Definitions(
        assets=[cpg_tables],
        jobs=[cpg_build_job],
        sensors=[git_ref_sensor],
        schedules=[nightly_cpg_rebuild],
        resources={"codeanatomy": resource},
    )
    return {"local": local, "origin": origin, "c1": c1, "r1": r1, "defs": defs, "res": resource}


def _tick(setup, instance, cursor):
    ctx = dg.build_sensor_context(cursor=cursor, instance=instance, definitions=setup["defs"])
    return git_ref_sensor(ctx, codeanatomy=setup["res"])


def test_sensor_registers_repos_and_requests_new_commits(setup) -> None:
    with dg.instance_for_test() as instance:
        result = _tick(setup, instance, None)
        assert isinstance(result, dg.SensorResult)
        added = result.dynamic_partitions_requests[0]
        assert sorted(added.partition_keys) == ["local", "remote"]
        by_repo = {r.partition_key: r for r in result.run_requests}
        assert by_repo["local"].tags[TAG_COMMIT] == setup["c1"]
        assert by_repo["remote"].tags[TAG_COMMIT] == setup["r1"]
        assert by_repo["local"].tags[TAG_INCREMENTAL] == "true"
        assert OLD_BASE_COMMIT_TAG not in by_repo["local"].tags
        cursor = json.loads(result.cursor)
        assert cursor == {"local": setup["c1"], "remote": setup["r1"]}

        # nothing moved: skip
        instance.add_dynamic_partitions(repos_partitions.name, ["local", "remote"])
        again = _tick(setup, instance, result.cursor)
        assert isinstance(again, dg.SkipReason)

        # a new commit upstream (fetched from the file:// remote) and one locally
        r2 = commit(setup["origin"], {"m.py": "def f():\n    return 2\n"})
        c2 = commit(setup["local"], {"b.py": "y = 2\n"})
        moved = _tick(setup, instance, result.cursor)
        by_repo = {r.partition_key: r for r in moved.run_requests}
        assert by_repo["remote"].tags[TAG_COMMIT] == r2
        assert OLD_BASE_COMMIT_TAG not in by_repo["remote"].tags
        assert by_repo["local"].tags[TAG_COMMIT] == c2
        assert by_repo["local"].run_key == f"local@{c2}"
        assert not moved.dynamic_partitions_requests
        assert json.loads(moved.cursor) == {"local": c2, "remote": r2}


def test_sensor_run_builds_incrementally(setup, tmp_path: Path) -> None:
    """The run a sensor requests carries its tags into the multi-asset and the engine."""
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions(repos_partitions.name, ["local"])
        job = setup["defs"].resolve_job_def(cpg_build_job.name)
        first = job.execute_in_process(
            instance=instance, partition_key="local", tags={TAG_COMMIT: setup["c1"]}
        )
        assert first.success
        c2 = commit(setup["local"], {"a.py": "x = 2\n"})
        commit(setup["local"], {"a.py": "x = 3\n"})  # the ref moves on; the tag pins c2
        second = job.execute_in_process(
            instance=instance,
            partition_key="local",
            tags={TAG_COMMIT: c2, TAG_INCREMENTAL: "true"},
        )
        assert second.success
        mats = second.get_asset_materialization_events()
        meta = {
            e.event_specific_data.materialization.asset_key.path[
                -1
            ]: e.event_specific_data.materialization.metadata
            for e in mats
        }
        assert meta["cpg_nodes"]["codeanatomy/mode"].value == "incremental"
        assert meta["cpg_nodes"]["codeanatomy/commit"].value == c2
        assert meta["cpg_nodes"]["codeanatomy/base_commit"].value == setup["c1"]


def test_schedule_requests_every_repo(setup) -> None:
    with dg.instance_for_test() as instance:
        ctx = dg.build_schedule_context(instance=instance)
        requests = list(nightly_cpg_rebuild(ctx, codeanatomy=setup["res"]))
        assert sorted(r.partition_key for r in requests) == ["local", "remote"]
        assert all(r.tags[TAG_INCREMENTAL] == "true" for r in requests)
        assert {r.partition_key: r.tags[TAG_COMMIT] for r in requests} == {
            "local": setup["c1"],
            "remote": setup["r1"],
        }
        # the schedule registered the partitions its requests name
        assert sorted(instance.get_dynamic_partitions(repos_partitions.name)) == [
            "local",
            "remote",
        ]


def test_sensor_survives_a_broken_repo(setup, tmp_path: Path) -> None:
    git(setup["local"], "branch", "-m", "main", "other")  # ref "main" is gone
    with dg.instance_for_test() as instance:
        result = _tick(setup, instance, None)
        assert [r.partition_key for r in result.run_requests] == ["remote"]


def _metadata(result: dg.ExecuteInProcessResult, table: str) -> dict:
    for e in result.get_asset_materialization_events():
        mat = e.event_specific_data.materialization
        if mat.asset_key.path[-1] == table:
            return mat.metadata
    raise KeyError(table)


def test_schedule_tick_through_dagster_with_two_repos(setup) -> None:
    """Dagster's own evaluation of a tick (which checks run keys), not the bare function:
    two repos means two RunRequests, each needs its own run key."""
    with dg.instance_for_test() as instance:
        ctx = dg.build_schedule_context(
            instance=instance,
            resources={"codeanatomy": setup["res"]},
            repository_def=setup["defs"].get_repository_def(),
            scheduled_execution_time=datetime.datetime(2026, 12, 2, 3, 0, tzinfo=datetime.UTC),
        )
        data = nightly_cpg_rebuild.evaluate_tick(ctx)
        requests = data.run_requests or []
        assert sorted(r.partition_key for r in requests) == ["local", "remote"]
        keys = [r.run_key for r in requests]
        assert all(keys) and len(set(keys)) == 2
        assert {r.partition_key: r.tags[TAG_COMMIT] for r in requests} == {
            "local": setup["c1"],
            "remote": setup["r1"],
        }


def test_base_commit_has_one_truth(setup) -> None:
    """The sensor saw c2 but c2 was never built; at c3 the build starts from c1 (the last
    successful build). No run tag may say otherwise; the metadata says c1."""
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions(repos_partitions.name, ["local", "remote"])
        job = setup["defs"].resolve_job_def(cpg_build_job.name)
        assert job.execute_in_process(
            instance=instance, partition_key="local", tags={TAG_COMMIT: setup["c1"]}
        ).success
        c2 = commit(setup["local"], {"a.py": "x = 2\n"})
        cursor = json.dumps({"local": c2, "remote": setup["r1"]})
        c3 = commit(setup["local"], {"a.py": "x = 3\n"})
        tick = _tick(setup, instance, cursor)
        (request,) = tick.run_requests
        assert request.tags[TAG_COMMIT] == c3
        assert OLD_BASE_COMMIT_TAG not in request.tags
        run = job.execute_in_process(
            instance=instance, partition_key="local", tags=dict(request.tags)
        )
        meta = _metadata(run, "cpg_nodes")
        assert meta["codeanatomy/mode"].value == "incremental"
        assert meta["codeanatomy/base_commit"].value == setup["c1"]
        assert meta["codeanatomy/commit"].value == c3
