"""The Dagster project as a data engineer meets it (issue 19), through real Dagster
machinery: temporary instances, real runs, Dagster's own evaluation of automation
conditions, the real warehouse IO manager and the real ``codeanatomy sql``."""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path

import dagster as dg
import pyarrow as pa
import pytest
from deltalake import DeltaTable

from codeanatomy_assets.cpg_assets import cpg_tables
from codeanatomy_assets.definitions import defs as project_defs
from codeanatomy_assets.downstream import (
    ANALYSIS_AUTOMATION_SENSOR,
    DOWNSTREAM_ASSETS,
    analysis_automation_sensor,
)
from codeanatomy_assets.public import cpg_input, default_resources
from codeanatomy_assets.resources import CodeAnatomyResource
from codeanatomy_assets.warehouse import WAREHOUSE_IO, cpg_table_resource
from codeanatomy_hamilton.build import BuildRequest, run_build
from codeanatomy_hamilton.cli import main as codeanatomy_cli
from codeanatomy_hamilton.core.schema import ALL_TABLES
from codeanatomy_hamilton.core.table_docs import COLUMN_DESCRIPTIONS
from tests.ca_helpers import commit, make_repo, write_files

ROOT = Path(__file__).resolve().parent.parent
REPO = "demo"
OTHER = "other"


@pytest.fixture()
def env(tmp_path: Path):
    repo = make_repo(tmp_path)
    other = make_repo(tmp_path / "o", {"x.py": "def f():\n    return 1\n"})
    repos = tmp_path / "repos.yaml"
    repos.write_text(
        f"repos:\n  - id: {REPO}\n    path: {repo}\n  - id: {OTHER}\n    path: {other}\n"
    )
    res = CodeAnatomyResource(
        warehouse=str(tmp_path / "wh"),
        cache_dir=str(tmp_path / "cache"),
        repos_file=str(repos),
        use_cache=False,
    )
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions("repos", [REPO, OTHER])
        yield {"instance": instance, "res": res, "wh": tmp_path / "wh", "repo": repo}


def _materialize(env, assets, key=REPO, **kw) -> dg.ExecuteInProcessResult:
    result = dg.materialize(
        assets,
        partition_key=key,
        instance=env["instance"],
        resources=default_resources(env["res"]),
        **kw,
    )
    assert result.success
    return result


def _meta(result: dg.ExecuteInProcessResult) -> dict[str, dict]:
    out = {}
    for event in result.get_asset_materialization_events():
        mat = event.event_specific_data.materialization
        out[mat.asset_key.to_user_string()] = mat.metadata
    return out


def _repo_rows(wh: Path, table: str, repo: str) -> int:
    t = DeltaTable(str(wh / table)).to_pyarrow_table(columns=["repo"])
    return t.filter(pa.compute.equal(t["repo"], repo)).num_rows


# -- item 2 -------------------------------------------------------------------------------
def test_row_count_is_the_partitions_total_after_an_incremental_build(env) -> None:
    _materialize(env, [cpg_tables], key=OTHER)
    _materialize(env, [cpg_tables])
    write_files(env["repo"], {"pkg/c.py": "def k():\n    return 3\n"})
    commit(env["repo"], "one more file")
    meta = _meta(_materialize(env, [cpg_tables]))["cpg/cpg_edges"]
    assert meta["codeanatomy/mode"].value == "incremental"
    total = _repo_rows(env["wh"], "cpg_edges", REPO)
    assert meta["dagster/row_count"].value == total
    written = meta["codeanatomy/rows_written"].value
    assert 0 < written < total  # the incremental build wrote only what changed


# -- item 3 -------------------------------------------------------------------------------
def test_check_evaluations_belong_to_their_partition(env) -> None:
    for key in (REPO, OTHER):
        result = _materialize(env, [cpg_tables], key=key, selection=["cpg/cpg_nodes"])
        evaluations = result.get_asset_check_evaluations()
        assert evaluations and {e.partition for e in evaluations} == {key}
    # the instance keeps one latest evaluation per partition (the UI's per-repo view)
    check = dg.AssetCheckKey(dg.AssetKey(["cpg", "cpg_nodes"]), "not_empty")
    records = env["instance"].event_log_storage.get_asset_check_execution_history(check, limit=10)
    partitions = {r.event.asset_check_evaluation.partition for r in records if r.event}
    assert partitions == {REPO, OTHER}


# -- item 4 -------------------------------------------------------------------------------
# Dagster's test helper itself selects with a beta parameter (include_sources)
@pytest.mark.filterwarnings("ignore:Parameter `include_sources`")
def test_analysis_assets_follow_every_cpg_build(env) -> None:
    defs = dg.Definitions(
        assets=[cpg_tables, *DOWNSTREAM_ASSETS],
        sensors=[analysis_automation_sensor],
        resources=default_resources(env["res"]),
    )
    instance = env["instance"]
    analysis = {
        dg.AssetKey(["analysis", "module_imports"]),
        dg.AssetKey(["analysis", "call_graph_metrics"]),
    }

    def tick(cursor=None):
        return dg.evaluate_automation_conditions(defs=defs, instance=instance, cursor=cursor)

    start = tick()  # the sensor runs all along: nothing to do before any CPG exists
    assert start.total_requested == 0
    _materialize(env, [cpg_tables])
    first = tick(start.cursor)
    for key in analysis:
        assert first.get_requested_partitions(key) == {REPO}
    _materialize(env, [cpg_tables, *DOWNSTREAM_ASSETS], selection=[*analysis])
    quiet = tick(first.cursor)
    assert quiet.total_requested == 0
    # a new commit built by the sensor's job: the analysis of that repo is due again
    write_files(env["repo"], {"pkg/c.py": "def k():\n    return 3\n"})
    commit(env["repo"], "more")
    _materialize(env, [cpg_tables])
    again = tick(quiet.cursor)
    for key in analysis:
        assert again.get_requested_partitions(key) == {REPO}
    sensor = project_defs.resolve_sensor_def(ANALYSIS_AUTOMATION_SENSOR)
    assert sensor.default_status == dg.DefaultSensorStatus.RUNNING


# -- item 6 -------------------------------------------------------------------------------
def _queries(metadata: dict) -> list[str]:
    """Every SQL query a materialization shows (as text or in a ```sql block)."""
    found = []
    for value in metadata.values():
        text = getattr(value, "value", None)
        if not isinstance(text, str):
            continue
        block = re.search(r"```sql\n(.*?)\n```", text, re.S)
        text = block.group(1) if block else text
        if text.lstrip().upper().startswith("SELECT"):
            found.append(text.strip())
    return found


def test_every_query_in_metadata_runs_in_codeanatomy_sql(env, capsys) -> None:
    result = _materialize(env, [cpg_tables, *DOWNSTREAM_ASSETS])
    mats = _meta(result)
    queries = {key: _queries(meta) for key, meta in mats.items()}
    assert queries["analysis/module_imports"] and queries["cpg/cpg_edges"]
    assert all(queries.values()), [k for k, q in queries.items() if not q]
    for key, found in queries.items():
        for sql in found:
            capsys.readouterr()
            code = codeanatomy_cli(["sql", "--warehouse", str(env["wh"]), sql, "--format", "json"])
            out, err = capsys.readouterr()
            assert code == 0, (key, sql, err)
            rows = json.loads(out)
            assert {r["repo"] for r in rows} <= {REPO}, (key, sql)
            if key != "cpg/extract_errors":  # the demo repo parses cleanly
                assert rows, (key, sql)


# -- item 7 -------------------------------------------------------------------------------
def _rows(repo: str, paths: pa.Array) -> pa.Table:
    return pa.table(
        {"repo": pa.array([repo] * len(paths)), "name": paths, "n": pa.array([1] * len(paths))}
    )


def _user_asset(key: list[str], reads_cpg: bool = True) -> dg.AssetsDefinition:
    common = {
        "key": key,
        "partitions_def": cpg_tables.partitions_def,
        "io_manager_key": WAREHOUSE_IO,
        "metadata": {"partition_expr": "repo"},
    }
    if reads_cpg:

        @dg.asset(**common, ins={"files": cpg_input("file_index", ["repo", "path"])})
        def mine(context, files):
            return _rows(context.partition_key, files["path"])

        return mine

    @dg.asset(**common)
    def impostor(context):
        return _rows(context.partition_key, pa.array(["x.py"]))

    return impostor


def test_a_key_prefix_is_a_table_of_its_own(env, capsys) -> None:
    _materialize(env, [cpg_tables])
    before = DeltaTable(str(env["wh"] / "file_index")).version()
    result = _materialize(
        env, [cpg_tables, _user_asset(["mine", "file_index"])], selection=["mine/file_index"]
    )
    assert DeltaTable(str(env["wh"] / "file_index")).version() == before
    mine = DeltaTable(str(env["wh"] / "mine" / "file_index")).to_pyarrow_table()
    assert mine.column_names == ["repo", "name", "n"] and mine.num_rows == 4
    meta = _meta(result)["mine/file_index"]
    assert meta["dagster/table_name"].value == "mine.file_index"
    assert meta["dagster/row_count"].value == 4
    capsys.readouterr()
    sql = "SELECT count(*) AS n FROM mine.file_index"
    assert codeanatomy_cli(["sql", "--warehouse", str(env["wh"]), sql, "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == [{"n": 4}]


def test_user_assets_read_the_newest_complete_build(env) -> None:
    """Issue 20, item 14, for the IO manager: a build that committed file_index and
    stopped before its manifest row (killed, or still running) is invisible."""
    _materialize(env, [cpg_tables])
    write_files(env["repo"], {"extra.py": "x = 1\n"})
    commit(env["repo"], "extra")
    run_build(
        BuildRequest(
            repo_path=str(env["repo"]),
            warehouse=str(env["wh"]),
            repo_id=REPO,
            tables=["file_index"],
        )
    )
    assert _repo_rows(env["wh"], "file_index", REPO) == 5  # the partial commit landed
    pinned = cpg_table_resource(str(env["wh"]), "file_index", REPO)
    assert pinned.version is not None
    assert pinned.version < DeltaTable(str(env["wh"] / "file_index")).version()
    _materialize(
        env, [cpg_tables, _user_asset(["mine", "file_index"])], selection=["mine/file_index"]
    )
    mine = DeltaTable(str(env["wh"] / "mine" / "file_index")).to_pyarrow_table()
    assert mine.num_rows == 4  # the files of the last complete build, not 5


def _failure(result: dg.ExecuteInProcessResult) -> str:
    return "\n".join(
        e.event_specific_data.error.to_string() for e in result.get_step_failure_events()
    )


@pytest.mark.parametrize(
    ("key", "reads_cpg", "why"),
    [
        (["cpg", "file_index"], False, "only the CodeAnatomy engine writes CPG tables"),
        (["file_index"], True, "has no key prefix"),
        (["cpg_nodes", "x"], True, "is reserved"),
        (["public", "file_index"], True, "is reserved"),
    ],
)
def test_cpg_tables_can_never_be_written_by_a_user_asset(env, key, reads_cpg, why) -> None:
    _materialize(env, [cpg_tables])
    versions = {t: DeltaTable(str(env["wh"] / t)).version() for t in ("file_index", "cpg_nodes")}
    user = _user_asset(key, reads_cpg)
    # a user asset keyed cpg/... can only exist in a code location of its own
    assets = [user] if key[0] == "cpg" else [cpg_tables, user]
    result = dg.materialize(
        assets,
        selection=[dg.AssetKey(key)],
        partition_key=REPO,
        instance=env["instance"],
        resources=default_resources(env["res"]),
        raise_on_error=False,
    )
    assert not result.success
    assert "WarehouseWriteError" in _failure(result) and why in _failure(result)
    after = {t: DeltaTable(str(env["wh"] / t)).version() for t in ("file_index", "cpg_nodes")}
    assert after == versions


# -- item 11 ------------------------------------------------------------------------------
def test_metadata_is_curated_and_columns_are_described(env) -> None:
    meta = _meta(_materialize(env, [cpg_tables]))["cpg/cpg_edges"]
    keys = list(meta)
    assert keys[:6] == [
        "dagster/row_count",
        "codeanatomy/rows_written",
        "codeanatomy/files",
        "codeanatomy/extract_errors",
        "codeanatomy/build_seconds",
        "codeanatomy/mode",
    ]
    assert keys[-1] == "codeanatomy/details"
    assert len(keys) <= 25
    json_entries = [k for k, v in meta.items() if isinstance(v, dg.JsonMetadataValue)]
    assert json_entries == ["codeanatomy/details"]
    assert not [k for k, v in meta.items() if getattr(v, "value", None) == -1]
    for stage in ("scan", "extract", "resolve", "store"):
        assert isinstance(meta[f"codeanatomy/seconds_{stage}"].value, float)
    columns = {c.name: c.description for c in meta["dagster/column_schema"].value.columns}
    assert columns["dst_id"] == COLUMN_DESCRIPTIONS["cpg_edges"]["dst_id"]
    # every contract column has its description in the one module that holds them
    missing = [
        (t, f.name)
        for t, s in ALL_TABLES.items()
        for f in s
        if not COLUMN_DESCRIPTIONS.get(t, {}).get(f.name)
    ]
    assert missing == []


# -- item 12 ------------------------------------------------------------------------------
def _example_defs() -> dg.Definitions:
    path = ROOT / "examples" / "downstream_location" / "definitions.py"
    spec = importlib.util.spec_from_file_location("example_downstream_location", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.defs


def test_example_code_location_builds_on_the_project(env, monkeypatch, capsys) -> None:
    monkeypatch.setenv("CODEANATOMY_WAREHOUSE", str(env["wh"]))
    monkeypatch.setenv("CODEANATOMY_REPOS", env["res"].repos_file)
    _materialize(env, [cpg_tables])
    example = _example_defs()
    job = example.resolve_implicit_global_asset_job_def()
    result = job.execute_in_process(instance=env["instance"], partition_key=REPO)
    assert result.success
    kinds = DeltaTable(str(env["wh"] / "mine" / "edge_kinds")).to_pyarrow_table().to_pylist()
    by_kind = {r["kind"]: r["edges"] for r in kinds}
    assert by_kind["AST"] > 0 and {r["repo"] for r in kinds} == {REPO}
    # the example's and the project's graphs join on the CPG keys
    graph = example.resolve_asset_graph()
    edge_kinds = dg.AssetKey(["mine", "edge_kinds"])
    assert graph.get(edge_kinds).parent_keys == {dg.AssetKey(["cpg", "cpg_edges"])}
