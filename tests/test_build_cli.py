"""`codeanatomy build` and `codeanatomy sql` as the README and docs/tables.md describe them, on real git repos."""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pytest
from deltalake import DeltaTable

from codeanatomy_hamilton import cli
from codeanatomy_hamilton.core.schema import ALL_TABLES

from .conftest import SAMPLE_FILES, git, make_git_repo, write_files

CONTRACT_TABLES = [
    "cpg_nodes",
    "cpg_edges",
    "cpg_props",
    "cpg_props_map",
    "cpg_edges_by_src",
    "cpg_edges_by_dst",
    "run_manifest",
    "extract_errors",
]


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    """Run the CLI in-process (the console script is exercised once, below)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(list(args))
    return subprocess.CompletedProcess(list(args), code, out.getvalue(), err.getvalue())


def test_console_script_runs(sample_git_repo: Path, tmp_path: Path) -> None:
    exe = Path(sys.executable).with_name("codeanatomy")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "codeanatomy_hamilton.cli"]
    wh = tmp_path / "whc"
    res = subprocess.run(
        [*cmd, "build", str(sample_git_repo), "--warehouse", str(wh)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert res.returncode == 0, res.stderr
    res = subprocess.run(
        [
            *cmd,
            "sql",
            "--warehouse",
            str(wh),
            "SELECT count(*) AS n FROM extract_errors",
            "--format",
            "csv",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert res.returncode == 0 and res.stdout.split() == ["n", "1"], res.stdout + res.stderr


def read(warehouse: Path, name: str) -> pa.Table:
    return DeltaTable(str(warehouse / name)).to_pyarrow_table()


@pytest.fixture(scope="module")
def built_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    repo = tmp_path_factory.mktemp("built") / "samplerepo"
    make_git_repo(repo, SAMPLE_FILES)
    return repo


@pytest.fixture(scope="module")
def built(built_repo: Path) -> Path:
    """One build shared by the read-only tests of this module."""
    wh = built_repo.parent / "wh"
    res = run_cli("build", str(built_repo), "--warehouse", str(wh))
    assert res.returncode == 0, res.stderr
    assert "built samplerepo" in res.stdout
    return wh


def test_every_contract_table_is_a_delta_table(built: Path) -> None:
    for name in CONTRACT_TABLES:
        table = read(built, name)
        for field in ALL_TABLES[name]:
            assert field.name in table.column_names, (name, field.name)
        assert set(table.column("repo").to_pylist()) <= {"samplerepo"}


def test_node_ids_unique_and_edges_reference_nodes(built: Path) -> None:
    nodes = read(built, "cpg_nodes")
    ids = nodes.column("node_id").to_pylist()
    assert len(ids) == len(set(ids))
    idset = set(ids)
    for name in ("cpg_edges", "cpg_edges_by_src", "cpg_edges_by_dst"):
        edges = read(built, name)
        assert edges.num_rows > 0
        missing = [
            (s, d)
            for s, d in zip(
                edges.column("src_id").to_pylist(), edges.column("dst_id").to_pylist(), strict=True
            )
            if s not in idset or d not in idset
        ]
        assert missing == []


def test_git_tree_is_read_not_the_working_copy(sample_git_repo: Path, tmp_path: Path) -> None:
    # an uncommitted file must not appear; the commit is recorded
    write_files(sample_git_repo, {"uncommitted.py": "x = 1\n"})
    wh = tmp_path / "wh2"
    assert run_cli("build", str(sample_git_repo), "--warehouse", str(wh)).returncode == 0
    paths = set(read(wh, "cpg_nodes").column("path").to_pylist())
    assert "uncommitted.py" not in paths
    assert "pkg/sub/child.py" in paths
    manifest = read(wh, "run_manifest").to_pylist()
    assert manifest[0]["commit"] == git(sample_git_repo, "rev-parse", "HEAD")
    assert manifest[0]["mode"] == "full"
    versions = dict(manifest[0]["table_versions"])
    assert versions["cpg_nodes"] >= 0
    counts = dict(manifest[0]["row_counts"])
    assert counts["cpg_nodes"] == read(wh, "cpg_nodes").num_rows


def test_module_qualnames_and_ast_positions(built: Path) -> None:
    nodes = read(built, "cpg_nodes").to_pylist()
    modules = {n["path"]: n["qualname"] for n in nodes if n["kind"] == "MODULE"}
    assert modules["pkg/__init__.py"] == "pkg"
    assert modules["pkg/sub/child.py"] == "pkg.sub.child"
    assert modules["main.py"] == "main"
    quals = {n["qualname"] for n in nodes if n["kind"] in ("CLASS", "FUNCTION")}
    assert {
        "pkg.core.Base",
        "pkg.core.Base.run",
        "pkg.core.helper",
        "pkg.sub.child.Child.make",
    } <= quals
    run = next(n for n in nodes if n["qualname"] == "pkg.core.Base.run")
    assert (run["ast_type"], run["start_line"], run["start_col"]) == ("FunctionDef", 8, 4)


def test_every_ast_node_is_a_node(built: Path, built_repo: Path) -> None:
    import ast

    nodes = read(built, "cpg_nodes")
    src = (built_repo / "pkg/core.py").read_bytes()
    expected = sorted(type(n).__name__ for n in ast.walk(ast.parse(src)))
    got = sorted(
        n["ast_type"]
        for n in nodes.to_pylist()
        if n["path"] == "pkg/core.py" and n["ast_type"] is not None
    )
    assert got == expected


def test_ast_edges_carry_field_and_index(built: Path) -> None:
    rows = json.loads(
        run_cli(
            "sql",
            "--warehouse",
            str(built),
            'SELECT p.ast_type AS parent, c.ast_type AS child, e.field, e."index" '
            "FROM cpg_edges e JOIN cpg_nodes p ON e.src_id = p.node_id "
            "JOIN cpg_nodes c ON e.dst_id = c.node_id "
            "WHERE e.kind = 'AST' AND p.path = 'pkg/core.py' AND p.ast_type = 'ClassDef'",
            "--format",
            "json",
        ).stdout
    )
    fields = {(r["child"], r["field"], r["index"]) for r in rows}
    assert ("Expr", "body", 0) in fields
    assert ("FunctionDef", "body", 1) in fields


def test_bad_files_get_error_rows_and_the_rest_is_built(built: Path) -> None:
    errors = read(built, "extract_errors").to_pylist()
    assert [(e["path"], e["error_kind"]) for e in errors] == [("broken.py", "syntax_error")]
    assert errors[0]["line"] == 1
    props = read(built, "cpg_props").to_pylist()
    assert any(p["value"] == "caf\u00e9" for p in props), "latin-1 literal decoded by its cookie"


def test_props_and_props_map_agree(built: Path) -> None:
    props = read(built, "cpg_props").to_pylist()
    # the same (node, key, value) triples, duplicates included, in both layouts
    from_props = sorted((p["node_id"], p["key"], p["value"]) for p in props)
    from_map = sorted(
        (r["node_id"], k, v)
        for r in read(built, "cpg_props_map").to_pylist()
        for k, v in r["props"]
    )
    assert from_props and from_map == from_props
    nodes = {n["node_id"]: n for n in read(built, "cpg_nodes").to_pylist()}
    docs = {nodes[p["node_id"]]["qualname"]: p["value"] for p in props if p["key"] == "docstring"}
    assert docs["pkg.core.Base"] == "Base class."


def test_sql_formats_and_refuses_writes(built: Path) -> None:
    res = run_cli(
        "sql", "--warehouse", str(built), "SELECT count(*) AS n FROM cpg_nodes", "--format", "csv"
    )
    assert res.returncode == 0
    lines = res.stdout.strip().splitlines()
    assert lines[0] == "n" and int(lines[1]) > 100
    res = run_cli("sql", "--warehouse", str(built), "SELECT kind FROM cpg_nodes LIMIT 1")
    assert res.returncode == 0 and "kind" in res.stdout
    for stmt in (
        "DELETE FROM cpg_nodes",
        "DROP TABLE cpg_nodes",
        "INSERT INTO cpg_nodes SELECT * FROM cpg_nodes",
        "CREATE TABLE x AS SELECT 1",
    ):
        res = run_cli("sql", "--warehouse", str(built), stmt)
        assert res.returncode != 0, stmt
        assert res.stderr.count("\n") == 1
    assert read(built, "cpg_nodes").num_rows > 0


def test_unusable_invocations_fail_with_one_line(sample_git_repo: Path, tmp_path: Path) -> None:
    cases = [
        ("build", str(tmp_path / "missing"), "--warehouse", str(tmp_path / "w")),
        ("build", str(sample_git_repo), "--warehouse", str(tmp_path / "w"), "--ref", "no-such-ref"),
        ("build", str(sample_git_repo), "--warehouse", "/proc/forbidden/wh"),
    ]
    for args in cases:
        res = run_cli(*args)
        assert res.returncode != 0, args
        assert res.stderr.strip().count("\n") == 0 and res.stderr.startswith(
            "codeanatomy: error:"
        ), res.stderr


def test_ref_option_builds_an_older_commit(sample_git_repo: Path, tmp_path: Path) -> None:
    first = git(sample_git_repo, "rev-parse", "HEAD")
    write_files(sample_git_repo, {"added.py": "def later():\n    pass\n"})
    git(sample_git_repo, "add", "-A")
    git(sample_git_repo, "commit", "-q", "-m", "more")
    wh = tmp_path / "wh3"
    assert (
        run_cli(
            "build", str(sample_git_repo), "--warehouse", str(wh), "--ref", first, "--repo-id", "r1"
        ).returncode
        == 0
    )
    paths = set(read(wh, "cpg_nodes").column("path").to_pylist())
    assert "added.py" not in paths
    assert set(read(wh, "cpg_nodes").column("repo").to_pylist()) == {"r1"}


def test_plain_directory_and_symlinks(tmp_path: Path) -> None:
    root = tmp_path / "plain"
    write_files(
        root,
        {
            "a.py": "import b\n",
            "b.py": "X = 1\n",
            "nul.py": b"x = 1\x00\n",
            "empty.py": b"",
            "bom.py": b"\xef\xbb\xbfY = 2\n",
        },
    )
    outside = tmp_path / "outside.py"
    outside.write_text("SECRET = 1\n")
    os.symlink(outside, root / "escape.py")
    os.symlink(root / "b.py", root / "alias.py")
    wh = tmp_path / "whp"
    res = run_cli("build", str(root), "--warehouse", str(wh))
    assert res.returncode == 0, res.stderr
    errors = {e["path"]: e["error_kind"] for e in read(wh, "extract_errors").to_pylist()}
    assert errors == {
        "nul.py": "null_bytes",
        "escape.py": "symlink_outside_repo",
        "alias.py": "symlink",
    }
    nodes = read(wh, "cpg_nodes").to_pylist()
    assert not any(n["name"] == "SECRET" for n in nodes)
    modules = {n["path"] for n in nodes if n["kind"] == "MODULE"}
    assert {"a.py", "b.py", "empty.py", "bom.py"} <= modules


def test_git_symlink_outside_repo_is_not_followed(git_repo_factory, tmp_path: Path) -> None:
    repo = git_repo_factory("linky", {"ok.py": "A = 1\n"})
    os.symlink("/etc/passwd.py", repo / "evil.py")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "link")
    wh = tmp_path / "whl"
    assert run_cli("build", str(repo), "--warehouse", str(wh)).returncode == 0
    errors = {e["path"]: e["error_kind"] for e in read(wh, "extract_errors").to_pylist()}
    assert errors == {"evil.py": "symlink_outside_repo"}


def test_rebuild_replaces_only_this_repos_rows(
    sample_git_repo: Path, git_repo_factory, tmp_path: Path
) -> None:
    other = git_repo_factory("other", {"o.py": "def f():\n    return 1\n"})
    wh = tmp_path / "shared"
    assert run_cli("build", str(sample_git_repo), "--warehouse", str(wh)).returncode == 0
    assert run_cli("build", str(other), "--warehouse", str(wh)).returncode == 0
    before = read(wh, "cpg_nodes").num_rows
    assert run_cli("build", str(other), "--warehouse", str(wh)).returncode == 0
    nodes = read(wh, "cpg_nodes")
    assert nodes.num_rows == before
    assert set(nodes.column("repo").to_pylist()) == {"samplerepo", "other"}


def test_fragment_cache_option(sample_git_repo: Path, tmp_path: Path) -> None:
    """``--fragment-cache DIR`` keeps the per-file fragments there; ``''`` keeps none."""
    scratch_wh, kept_wh, cache = tmp_path / "a", tmp_path / "b", tmp_path / "frags"
    assert (
        run_cli(
            "build", str(sample_git_repo), "--warehouse", str(scratch_wh), "--fragment-cache", ""
        ).returncode
        == 0
    )
    assert not list(scratch_wh.rglob("*.frag"))
    assert (
        run_cli(
            "build",
            str(sample_git_repo),
            "--warehouse",
            str(kept_wh),
            "--fragment-cache",
            str(cache),
        ).returncode
        == 0
    )
    assert list(cache.rglob("*.frag")) and not list(kept_wh.rglob("*.frag"))
    assert read(scratch_wh, "cpg_edges").num_rows == read(kept_wh, "cpg_edges").num_rows > 0
