"""The ``security/taint_findings`` asset in a real Dagster instance over real builds of
a real git repository: the Delta table, the metadata, the ``no_new_findings`` check
across pushes, and the automation that follows each CPG build."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pytest

from codeanatomy_assets import defs
from codeanatomy_assets.cpg_assets import asset_key as cpg_key
from codeanatomy_assets.resources import CodeAnatomyResource
from codeanatomy_assets.security import FINDINGS_KEY, NEW_FINDINGS_CHECK, taint_findings
from codeanatomy_hamilton.build import BuildRequest, run_build
from codeanatomy_hamilton.store.sql import query
from tests.ca_helpers import commit, make_repo, write_files

REPO = "web"
CLEAN = {
    "web/__init__.py": "",
    "web/views.py": "import html\n\nfrom flask import Blueprint, request\n\n"
    "bp = Blueprint('v', __name__)\n\n\n@bp.route('/hi')\ndef hi():\n"
    "    return '<b>' + html.escape(request.args.get('n', '')) + '</b>'\n",
}
VULN = {
    "web/admin.py": "import os\n\nfrom flask import Blueprint, request\n\n"
    "bp = Blueprint('a', __name__)\n\n\n@bp.route('/ping')\ndef ping():\n"
    "    os.system('ping -c 1 ' + request.args['host'])\n    return 'ok'\n",
}


def _run(
    instance: dg.DagsterInstance, res: CodeAnatomyResource
) -> tuple[dict, dg.AssetCheckEvaluation]:
    result = dg.materialize(
        [taint_findings],
        partition_key=REPO,
        instance=instance,
        resources={"codeanatomy": res},
    )
    assert result.success
    (mat,) = result.get_asset_materialization_events()
    (check,) = result.get_asset_check_evaluations()
    assert check.check_name == NEW_FINDINGS_CHECK
    return mat.event_specific_data.materialization.metadata, check


def test_check_fails_on_a_push_that_adds_a_finding(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, CLEAN)
    wh = str(tmp_path / "wh")
    res = CodeAnatomyResource(warehouse=wh, cache_dir=str(tmp_path / "cache"))

    def build() -> None:
        run_build(BuildRequest(repo_path=str(repo), warehouse=wh, repo_id=REPO, incremental=True))

    build()
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions("repos", [REPO])
        meta, check = _run(instance, res)
        assert check.passed and meta["dagster/row_count"].value == 0

        write_files(repo, VULN)
        pushed = commit(repo, "add the admin ping view")
        build()
        meta, check = _run(instance, res)
        assert not check.passed
        assert check.severity == dg.AssetCheckSeverity.ERROR
        assert check.metadata["new_findings"].value == 1
        assert meta["commit"].value == pushed
        assert meta["findings_by_cwe"].value == {"CWE-78": 1}
        assert meta["findings_by_severity"].value == {"error": 1}
        assert "`web/admin.py:10`" in meta["top_findings"].value

        rows = query(wh, "SELECT rule_id, cwe, path, line FROM taint_findings").to_pylist()
        assert rows == [
            {"rule_id": "py/command-injection", "cwe": 78, "path": "web/admin.py", "line": 10}
        ]

        # the next push keeps the finding without adding one: a warning, not a failure
        write_files(repo, {"web/extra.py": "X = 1\n"})
        commit(repo, "unrelated")
        build()
        meta, check = _run(instance, res)
        assert not check.passed
        assert check.severity == dg.AssetCheckSeverity.WARN
        assert check.metadata["new_findings"].value == 0


# Dagster's test helper itself selects with a beta parameter (include_sources)
@pytest.mark.filterwarnings("ignore:Parameter `include_sources`")
def test_findings_follow_each_cpg_build_of_the_repo() -> None:
    sensor = next(s for s in defs.sensors if s.name == "security_findings_sensor")
    assert sensor.default_status == dg.DefaultSensorStatus.RUNNING
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions("repos", [REPO, "other"])
        first = dg.evaluate_automation_conditions(defs=defs, instance=instance)
        assert first.get_requested_partitions(FINDINGS_KEY) == set()
        for table in ("cpg_nodes", "cpg_edges", "cpg_props"):
            instance.report_runless_asset_event(
                dg.AssetMaterialization(asset_key=cpg_key(table), partition=REPO)
            )
        after = dg.evaluate_automation_conditions(defs=defs, instance=instance, cursor=first.cursor)
        assert after.get_requested_partitions(FINDINGS_KEY) == {REPO}
