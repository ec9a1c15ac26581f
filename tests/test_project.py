"""The project as a user meets it: the workspace validates, and the README's main
command materializes the embedded sample through a real Dagster instance."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from deltalake import DeltaTable

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def dagster_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(ROOT / "dagster_home" / "dagster.yaml", home / "dagster.yaml")
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    monkeypatch.delenv("CODEANATOMY_WAREHOUSE", raising=False)
    monkeypatch.delenv("CODEANATOMY_REPOS", raising=False)
    return home


def test_workspace_definitions_validate(dagster_home: Path) -> None:
    exe = Path(sys.executable).with_name("dagster")
    res = subprocess.run(
        [str(exe), "definitions", "validate", "-w", "workspace.yaml"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "DAGSTER_HOME": str(dagster_home)},
        check=False,
    )
    assert res.returncode == 0, res.stdout + res.stderr
    assert "passed validation" in res.stdout + res.stderr


def test_main_command_materializes_the_embedded_sample(
    dagster_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from codeanatomy_assets.cli import main

    assert main(["materialize"]) == 0
    out = capsys.readouterr().out
    assert "materialized cpg/cpg_edges [sample]" in out
    assert "run succeeded" in out
    warehouse = dagster_home / "warehouse"
    errors = DeltaTable(str(warehouse / "extract_errors")).to_pyarrow_table().to_pylist()
    assert [(e["path"], e["error_kind"]) for e in errors] == [
        ("inventory/legacy_report.py", "python2_syntax")
    ]
    nodes = DeltaTable(str(warehouse / "cpg_nodes")).to_pyarrow_table()
    quals = set(nodes.column("qualname").to_pylist())
    assert {"inventory.models.PerishableItem.value", "inventory.labels_latin1.label"} <= quals
    manifest = DeltaTable(str(warehouse / "run_manifest")).to_pyarrow_table().to_pylist()
    assert manifest[-1]["repo"] == "sample" and manifest[-1]["status"] == "success"
