"""The project as a user meets it: the workspace validates, and the README's main
command materializes the embedded sample through a real Dagster instance."""

from __future__ import annotations

import os
import re
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


def _clean_env(dagster_home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CODEANATOMY_", "PYTEST"))}
    # every warning shown, whatever Python's defaults hide
    return {**env, "DAGSTER_HOME": str(dagster_home), "PYTHONWARNINGS": "always"}


def test_main_command_materializes_the_embedded_sample_without_a_warning(
    dagster_home: Path,
) -> None:
    exe = Path(sys.executable).with_name("codeanatomy-dagster")
    res = subprocess.run(
        [str(exe), "materialize"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=_clean_env(dagster_home),
        check=False,
    )
    out = res.stdout + res.stderr
    assert res.returncode == 0, out
    assert "materialized cpg/cpg_edges [sample]" in out
    assert "materialized analysis/module_imports [sample]" in out
    assert "run succeeded" in out
    # no Python warning (BetaWarning, DeprecationWarning, ...) and no WARNING log line
    assert not re.findall(r"\w*Warning\b.*", out)
    assert " - WARNING - " not in out
    # a first build says it is one, not "incremental"
    assert "full build (no previous successful build of this repo)" in out
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
    # the sample is built from a git repository made from the package's files: a commit
    sample = dagster_home / "cache" / "sample_repo"
    head = subprocess.run(
        ["git", "-C", str(sample), "rev-parse", "HEAD"], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert manifest[-1]["commit"] == head and len(head) == 40


def test_dg_cli_loads_the_project(dagster_home: Path) -> None:
    exe = Path(sys.executable).with_name("dg")
    if not exe.exists():
        pytest.skip("dagster-dg-cli is not installed (pip install -e '.[dev]')")
    env = {**_clean_env(dagster_home), "VIRTUAL_ENV": str(Path(sys.executable).parent.parent)}
    res = subprocess.run(
        [str(exe), "check", "defs"], cwd=ROOT, capture_output=True, text=True, env=env, check=False
    )
    assert res.returncode == 0, res.stdout + res.stderr
    assert "All definitions loaded successfully" in res.stdout + res.stderr


def test_example_location_loads_next_to_the_project(dagster_home: Path) -> None:
    exe = Path(sys.executable).with_name("dagster")
    res = subprocess.run(
        [str(exe), "definitions", "validate", "-w", "examples/downstream_location/workspace.yaml"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=_clean_env(dagster_home),
        check=False,
    )
    out = res.stdout + res.stderr
    assert res.returncode == 0, out
    assert "Validation successful for code location codeanatomy" in out
    assert "Validation successful for code location my_cpg_analysis" in out


def test_readme_and_instance_config_tell_the_truth() -> None:
    readme = (ROOT / "README.md").read_text()
    assert "group `cpg_analysis`" in readme and "group `analysis`" not in readme
    assert "dg dev" in readme and "dg check defs" in readme
    # dagster.yaml points at a section that exists
    config = (ROOT / "dagster_home" / "dagster.yaml").read_text()
    for ref in re.findall(r"see (docs/[\w.-]+\.md)", config):
        assert (ROOT / ref).exists(), ref
    assert 'README ("Scaling out")' not in config
