"""One settings object lists every CODEANATOMY_* variable: README's table says the same,
no other module spells a variable's name, bad values are named, and the Dagster
resource binds the variables its users configure with ``dg.EnvVar``."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import dagster as dg
import pytest

from codeanatomy_assets.resources import ENV_FIELDS, CodeAnatomyResource, resource_from_env
from codeanatomy_hamilton.core.settings import Settings, SettingsError

ROOT = Path(__file__).resolve().parents[1]
SETTINGS_FILE = ROOT / "codeanatomy_hamilton" / "core" / "settings.py"


def _readme_section(title: str) -> str:
    text = (ROOT / "README.md").read_text()
    start = text.index(f"## {title}")
    end = text.find("\n## ", start + 1)
    return text[start : end if end >= 0 else len(text)]


def test_readme_lists_every_setting_as_the_code_does() -> None:
    section = _readme_section("Settings (environment variables)")
    rows = [
        tuple(cell.strip().strip("`") for cell in line.strip().strip("|").split("|"))
        for line in section.splitlines()
        if line.startswith("| `CODEANATOMY_")
    ]
    assert rows == Settings.describe()


def _spelled_names(path: Path) -> set[str]:
    """``CODEANATOMY_*`` names in string literals of ``path`` (docstrings excepted)."""
    tree = ast.parse(path.read_bytes())
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return {
        m
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
        if id(node) not in docstrings
        for m in re.findall(r"CODEANATOMY_[A-Z_]+", node.value)
    }


def test_only_the_settings_module_spells_a_variable() -> None:
    spelled = {
        str(path.relative_to(ROOT)): names
        for package in ("codeanatomy_hamilton", "codeanatomy_assets")
        for path in sorted((ROOT / package).rglob("*.py"))
        # the sample repository is analysed code, not the project's
        if path != SETTINGS_FILE and "sample_repo" not in path.parts
        if (names := _spelled_names(path))
    }
    assert spelled == {}
    assert {f"CODEANATOMY_{n}" for n in ("CACHE_DIR", "MODELS")} <= _spelled_names(SETTINGS_FILE)


def test_values_are_parsed_and_bad_ones_named() -> None:
    s = Settings.from_env(
        {
            "CODEANATOMY_CACHE_MAX_MB": "512",
            "CODEANATOMY_HAMILTON_PROJECT": "7",
            "CODEANATOMY_EXECUTOR": "dask",
            "CODEANATOMY_CACHE_DIR": "  ",  # blank is unset
            "UNRELATED": "x",
        }
    )
    assert (s.cache_max_bytes, s.hamilton_project, s.executor) == (512 << 20, 7, "dask")
    assert s.cache_dir is None and s.hamilton_user == "codeanatomy"
    for name, value in (
        ("CODEANATOMY_CACHE_MAX_MB", "-1"),
        ("CODEANATOMY_HAMILTON_PROJECT", "one"),
        ("CODEANATOMY_EXECUTOR", "threads"),
    ):
        with pytest.raises(SettingsError, match=f"{name}={value!r}"):
            Settings.from_env({name: value})


def test_a_bad_setting_is_one_line_from_the_cli(tmp_path: Path, monkeypatch, capsys) -> None:
    from codeanatomy_hamilton.cli import main

    monkeypatch.setenv("CODEANATOMY_CACHE_MAX_MB", "lots")
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "a.py").write_text("x = 1\n")
    assert main(["build", str(repo), "--warehouse", str(tmp_path / "wh")]) == 2
    err = capsys.readouterr().err
    assert err == "codeanatomy: error: CODEANATOMY_CACHE_MAX_MB='lots' is not a number\n"
    assert not (tmp_path / "wh").exists()


def test_the_dagster_resource_binds_set_variables_with_env_var(tmp_path: Path) -> None:
    for field, var in ENV_FIELDS.items():
        assert field in CodeAnatomyResource.model_fields
        assert var in {row[0] for row in Settings.describe()}
    wh = str(tmp_path / "wh")
    bound = resource_from_env({"CODEANATOMY_WAREHOUSE": wh})
    assert isinstance(bound.warehouse, dg.EnvVar) and bound.warehouse.env_var_name == (
        "CODEANATOMY_WAREHOUSE"
    )
    assert resource_from_env({}).warehouse == ""


def test_the_bound_warehouse_is_resolved_by_dagster(tmp_path: Path, monkeypatch) -> None:
    wh = str(tmp_path / "wh")
    monkeypatch.setenv("CODEANATOMY_WAREHOUSE", wh)
    resource = resource_from_env()
    # Dagster resolves the EnvVar when it initialises the resource, not the engine
    monkeypatch.setenv("CODEANATOMY_WAREHOUSE", str(tmp_path / "later"))
    with dg.build_resources({"codeanatomy": resource}) as resources:
        assert resources.codeanatomy.warehouse == str(tmp_path / "later")
        assert resources.codeanatomy.warehouse_path() == str(tmp_path / "later")


def test_one_setting_is_read_without_parsing_the_others() -> None:
    env = {"CODEANATOMY_MODELS": "/m.yaml", "CODEANATOMY_CACHE_MAX_MB": "lots"}
    assert Settings.read("models", env) == "/m.yaml"
    assert Settings.read("hamilton_project", env) == 1
    with pytest.raises(SettingsError, match="CODEANATOMY_CACHE_MAX_MB"):
        Settings.read("cache_max_mb", env)
