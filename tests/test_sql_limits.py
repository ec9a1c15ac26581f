"""``codeanatomy sql`` reads one build and runs under limits: the tables at the versions
of the newest manifest row, a memory pool that spills, a time limit, a cap on operators,
results streamed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from deltalake import DeltaTable

from codeanatomy_hamilton.build import BuildRequest, run_build
from codeanatomy_hamilton.store import sql
from codeanatomy_hamilton.store.timetravel import latest_build_versions

from .incremental_helpers import build, commit, init_repo

FILES = {
    "pkg/__init__.py": "",
    "pkg/a.py": "import os\nfrom pkg import b\n\n\ndef f(x):\n    return b.g(x) + len(os.sep)\n",
    "pkg/b.py": "def g(x):\n    return x * 2\n",
}


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "codeanatomy_hamilton.cli", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ},
    )


def _error_line(res: subprocess.CompletedProcess[str]) -> str:
    assert res.returncode == 2, (res.returncode, res.stderr)
    lines = res.stderr.strip("\n").split("\n")
    assert len(lines) == 1 and lines[0].startswith("codeanatomy: error: "), res.stderr
    return lines[0]


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("sql")
    init_repo(root / "repo", FILES)
    build(root / "repo", root / "wh")
    return root / "wh"


def test_a_partial_build_is_invisible_to_readers(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    init_repo(repo, FILES)
    wh = tmp_path / "wh"
    build(repo, wh)
    nodes_before = DeltaTable(str(wh / "cpg_nodes")).to_pyarrow_table().num_rows
    commit(repo, {"pkg/c.py": "def h(y):\n    return [z for z in y if z]\n"})
    # a build that committed cpg_nodes and stopped before its manifest row (what a
    # killed build, or one still running, leaves)
    run_build(
        BuildRequest(repo_path=str(repo), warehouse=str(wh), repo_id="r", tables=["cpg_nodes"])
    )
    assert DeltaTable(str(wh / "cpg_nodes")).to_pyarrow_table().num_rows > nodes_before
    res = _cli(
        "sql", "--warehouse", str(wh), "SELECT count(*) AS n FROM cpg_nodes", "--format", "json"
    )
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout) == [{"n": nodes_before}]
    # the engine function every reader calls: the versions of the newest manifest row
    versions = latest_build_versions(str(wh))
    assert versions is not None
    assert versions["cpg_nodes"] < DeltaTable(str(wh / "cpg_nodes")).version()
    assert latest_build_versions(str(wh), repo="other") is None
    # once a build completes, readers see it
    build(repo, wh)
    res = _cli(
        "sql", "--warehouse", str(wh), "SELECT count(*) AS n FROM cpg_nodes", "--format", "json"
    )
    assert json.loads(res.stdout)[0]["n"] > nodes_before


def test_a_huge_expression_is_one_line(warehouse: Path) -> None:
    # 16,000 terms overflowed DataFusion's stack (the process died of SIGSEGV)
    res = _cli("sql", "--warehouse", str(warehouse), "SELECT " + "+".join(["1"] * 16000))
    assert "operators" in _error_line(res)
    # operators inside strings and comments do not count
    quoted = "SELECT '" + "+" * 5000 + "' AS s -- " + "*" * 5000
    assert sql.query(str(warehouse), quoted).num_rows == 1


def test_a_query_past_its_time_limit_stops_with_one_line(warehouse: Path) -> None:
    cross = "SELECT count(*) FROM range(100000) a, range(100000) b, range(100000) c"
    res = _cli("sql", "--warehouse", str(warehouse), "--timeout", "1", cross)
    assert "time limit 1 s" in _error_line(res)


# a window over 4M rows: its sort needs more than 64 MB, so it only runs by spilling
WINDOW = (
    "SELECT sum(v) AS s FROM (SELECT value * 7 % 1000003 AS v, "
    "row_number() OVER (ORDER BY value * 7 % 1000003) AS rn FROM range(4000000)) t "
    "WHERE rn % 2 = 0"
)


def test_queries_spill_to_disk_under_the_memory_limit(warehouse: Path) -> None:
    small = sql.query(str(warehouse), WINDOW, memory_mb=64).to_pylist()
    assert small == sql.query(str(warehouse), WINDOW, memory_mb=4096).to_pylist()
    # the spill folder is the warehouse's own, and it is gone after the query
    assert not os.path.exists(sql.spill_dir(str(warehouse)))


def test_a_query_past_the_memory_limit_is_one_line(warehouse: Path) -> None:
    distinct = "SELECT count(*) FROM (SELECT DISTINCT value FROM range(4000000)) t"
    res = _cli("sql", "--warehouse", str(warehouse), "--memory-limit", "4", distinct)
    assert "Resources exhausted" in _error_line(res)


def test_results_are_streamed_in_the_same_formats(warehouse: Path) -> None:
    q = "SELECT value, value % 7 AS m FROM range(200000) ORDER BY value"
    batches = list(sql.stream(str(warehouse), q))
    assert len(batches) > 1 and sum(b.num_rows for b in batches) == 200000
    rows = sql.query(str(warehouse), q).to_pylist()
    res = _cli("sql", "--warehouse", str(warehouse), q, "--format", "json")
    assert res.returncode == 0
    assert res.stdout == json.dumps(rows) + "\n"
    res = _cli("sql", "--warehouse", str(warehouse), q, "--format", "csv")
    lines = res.stdout.splitlines()
    assert lines[0] == "value,m" and len(lines) == 200001 and lines[-1] == "199999,2"
    res = _cli("sql", "--warehouse", str(warehouse), "SELECT 1 AS one WHERE false")
    assert res.stdout == "one\n-----\n(0 rows)\n"


def test_a_read_only_warehouse_is_queried(warehouse: Path, tmp_path: Path) -> None:
    ro = tmp_path / "ro"
    ro.mkdir()
    res = subprocess.run(
        ["mount", "--bind", "-o", "ro", str(warehouse), str(ro)], capture_output=True
    )
    if res.returncode != 0:
        pytest.skip(f"cannot bind-mount here: {res.stderr.decode().strip()}")
    try:
        out = _cli(
            "sql", "--warehouse", str(ro), "SELECT count(*) AS n FROM cpg_nodes", "--format", "csv"
        )
        assert out.returncode == 0, out.stderr
        assert int(out.stdout.split()[1]) > 0
    finally:
        subprocess.run(["umount", str(ro)], check=False)
