"""Faults: a build that dies mid-write, two builds of one repo at once, concurrent
writers to one table, and the lock's error message."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import pyarrow as pa
import pytest
from deltalake import DeltaTable, write_deltalake
from deltalake.exceptions import CommitFailedError

from codeanatomy_hamilton.cli import main as cli_main
from codeanatomy_hamilton.core.lock import BuildLockError, repo_lock
from codeanatomy_hamilton.store import delta as store
from codeanatomy_hamilton.store.timetravel import versions_at

from .incremental_helpers import assert_same_cpg, build, commit, init_repo


class Killed(BaseException):
    """Stands in for SIGKILL: nothing after the raise runs (not even ``except Exception``)."""


def test_build_killed_mid_write_leaves_last_good_cpg_and_recovers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = tmp_path / "repo"
    c1 = init_repo(repo, {"a.py": "def f():\n    return 1\n", "b.py": "import a\na.f()\n"})
    inc = tmp_path / "inc"
    build(repo, inc, incremental=True)
    commit(repo, {"a.py": "def f():\n    return 2\n", "c.py": "x = 1\n"})

    real = store.replace_repo_rows
    calls = {"n": 0}

    def dying(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 4:  # three tables committed, then the process "dies"
            raise Killed()
        return real(*args, **kwargs)

    monkeypatch.setattr(store, "replace_repo_rows", dying)
    import codeanatomy_hamilton.runtime.nodes.store_nodes as store_nodes

    monkeypatch.setattr(store_nodes, "replace_repo_rows", dying)
    with pytest.raises(Killed):
        build(repo, inc, incremental=True)
    monkeypatch.undo()

    # the manifest still names c1 as the last good build, and reads back exactly
    manifest = DeltaTable(str(inc / "run_manifest")).to_pyarrow_table().to_pylist()
    assert [r["commit"] for r in manifest] == [c1]
    full1 = tmp_path / "full1"
    build(repo, full1, ref=c1)
    assert_same_cpg(inc, full1, versions_a=versions_at(str(inc), c1))

    # the next incremental build starts from c1 and also redoes what the dead one wrote
    result = build(repo, inc, incremental=True)
    assert result.mode == "incremental"
    assert result.base_commit == c1
    rows = DeltaTable(str(inc / "run_manifest")).to_pyarrow_table().to_pylist()
    assert "interrupted" in max(rows, key=lambda r: r["ended_at"])["reason"]
    full2 = tmp_path / "full2"
    build(repo, full2)
    assert_same_cpg(inc, full2)


def test_second_build_of_a_repo_is_refused(tmp_path: Path, capsys) -> None:
    repo = tmp_path / "repo"
    init_repo(repo, {"a.py": "x = 1\n"})
    wh = tmp_path / "wh"
    wh.mkdir()
    with repo_lock(str(wh), "r"):
        with pytest.raises(BuildLockError, match=r"another build of repo r is running \(pid \d+\)"):
            build(repo, wh)
        code = cli_main(["build", str(repo), "--warehouse", str(wh), "--repo-id", "r"])
        assert code != 0
        assert "another build of repo r is running" in capsys.readouterr().err
    # released: the next build runs
    assert build(repo, wh).mode == "full"


def test_lock_waits_with_timeout(tmp_path: Path) -> None:
    wh = str(tmp_path)
    release = threading.Event()
    held = threading.Event()

    def holder() -> None:
        with repo_lock(wh, "r"):
            held.set()
            release.wait(5)

    t = threading.Thread(target=holder)
    t.start()
    assert held.wait(5)
    try:
        with pytest.raises(BuildLockError):
            with repo_lock(wh, "r", timeout=0.3):
                pass
        threading.Timer(0.3, release.set).start()
        with repo_lock(wh, "r", timeout=5):
            pass
    finally:
        release.set()
        t.join()


def test_concurrent_builds_of_two_repos_into_one_warehouse(tmp_path: Path) -> None:
    """Two builds (separate processes) of two repos into one warehouse both land: each
    replaces only its own repo's rows. Whether their commits happen to collide depends
    on timing; the retry itself is shown deterministically by
    ``test_a_conflicting_commit_is_retried``."""
    repos = []
    for name in ("one", "two"):
        r = tmp_path / name
        init_repo(r, {f"{name}.py": f"def {name}():\n    return '{name}'\n"})
        repos.append(r)
    shared = tmp_path / "shared"
    # separate processes, as two Dagster runs or two CLI builds would be
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "codeanatomy_hamilton.cli",
                "build",
                str(r),
                "--warehouse",
                str(shared),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for r in repos
    ]
    for p in procs:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err.decode()
    nodes = DeltaTable(str(shared / "cpg_nodes")).to_pyarrow_table()
    assert set(nodes.column("repo").to_pylist()) == {"one", "two"}


class RacedSource:
    """A ``store.TableSource`` whose first ``reader()`` lets another writer commit to the
    same rows first (a real Delta commit, from its own handle): the write that is under
    way then commits on a stale snapshot, as when two processes write one table."""

    def __init__(self, warehouse: Path, name: str, rows: pa.Table, races: int = 1) -> None:
        self.path = store.table_path(str(warehouse), name)
        self.rows = rows
        self.races = races
        self.readers = 0
        self.rows_streamed = 0

    def reader(self) -> pa.RecordBatchReader:
        self.readers += 1
        if self.readers <= self.races:
            other = self.rows.set_column(1, "v", pa.array([-self.readers] * self.rows.num_rows))
            write_deltalake(self.path, other, mode="overwrite", predicate="repo = 'a'")
        self.rows_streamed = self.rows.num_rows
        return self.rows.to_reader()


def _rows(warehouse: Path, name: str) -> list[dict]:
    return DeltaTable(store.table_path(str(warehouse), name)).to_pyarrow_table().to_pylist()


def test_a_conflicting_commit_is_retried(tmp_path: Path) -> None:
    wh = tmp_path / "wh"
    rows = pa.table({"repo": ["a", "a"], "v": [1, 2]})
    store.replace_repo_rows(str(wh), "t", pa.table({"repo": ["a"], "v": [0]}), "a")
    source = RacedSource(wh, "t", rows)
    write = store.replace_repo_rows(str(wh), "t", source, "a")
    # the first attempt lost to the other writer's commit; the retry streamed the rows
    # again and replaced the other writer's rows
    assert source.readers == 2
    assert sorted(r["v"] for r in _rows(wh, "t")) == [1, 2]
    assert write.rows == 2 and write.version == 2  # created, the other writer, the retry


def test_a_commit_that_always_conflicts_gives_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store, "COMMIT_RETRIES", 3)
    wh = tmp_path / "wh"
    store.replace_repo_rows(str(wh), "t", pa.table({"repo": ["a"], "v": [0]}), "a")
    source = RacedSource(wh, "t", pa.table({"repo": ["a"], "v": [1]}), races=99)
    with pytest.raises(CommitFailedError):
        store.replace_repo_rows(str(wh), "t", source, "a")
    assert source.readers == 3
    # the table holds the other writer's last rows, never a mix
    assert [r["v"] for r in _rows(wh, "t")] == [-3]
