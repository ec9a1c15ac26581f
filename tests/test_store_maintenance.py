"""The run manifest (one appended row per build) stays cheap to read: past
``COMPACT_AFTER_FILES`` data files it is compacted, with every row kept and earlier
versions still readable (time travel reads them)."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
from deltalake import DeltaTable

from codeanatomy_hamilton.store import delta as store


def _row(i: int) -> pa.Table:
    return pa.table({"repo": ["r" if i % 3 else "other"], "run_id": [f"run-{i}"], "n": [i]})


def test_appended_table_is_compacted_past_the_threshold(tmp_path: Path) -> None:
    wh = str(tmp_path)
    limit = 6
    for i in range(limit):
        store.append_rows(wh, "run_manifest", _row(i))
    dt = DeltaTable(store.table_path(wh, "run_manifest"))
    assert len(dt.file_uris()) == limit
    before = dt.version()
    assert not store.compact_small_files(wh, "run_manifest", after=limit)
    store.append_rows(wh, "run_manifest", _row(limit))
    assert store.compact_small_files(wh, "run_manifest", after=limit)
    dt = DeltaTable(store.table_path(wh, "run_manifest"))
    # one file per partition (repo r, repo other), every row kept
    assert len(dt.file_uris()) == 2
    assert sorted(dt.to_pyarrow_table().column("n").to_pylist()) == list(range(limit + 1))
    # an earlier version still reads as it was
    dt.load_as_version(before)
    assert sorted(dt.to_pyarrow_table().column("n").to_pylist()) == list(range(limit))


def test_append_rows_compacts_by_default(tmp_path: Path) -> None:
    wh = str(tmp_path)
    for i in range(store.COMPACT_AFTER_FILES + 1):
        store.append_rows(wh, "run_manifest", _row(i))
    dt = DeltaTable(store.table_path(wh, "run_manifest"))
    assert len(dt.file_uris()) <= store.COMPACT_AFTER_FILES
    assert dt.to_pyarrow_table().num_rows == store.COMPACT_AFTER_FILES + 1


def test_manifest_without_a_newer_column_still_plans(tmp_path: Path) -> None:
    # a warehouse whose run_manifest predates a column planning reads (engine_version)
    from deltalake import write_deltalake

    from tests.incremental_helpers import assert_same_cpg, build, commit, init_repo

    repo, wh = tmp_path / "repo", tmp_path / "wh"
    init_repo(repo, {"a.py": "def f():\n    return 1\n", "b.py": "from a import f\n\nf()\n"})
    build(repo, wh)
    path = store.table_path(str(wh), "run_manifest")
    old = DeltaTable(path).to_pyarrow_table().drop_columns(["engine_version"])
    write_deltalake(path, old, mode="overwrite", schema_mode="overwrite")
    commit(repo, {"a.py": "def f():\n    return 2\n"})
    result = build(repo, wh, incremental=True)
    # no engine version recorded: the engine may have changed, so the build is full
    assert result.mode == "full"
    fresh = tmp_path / "fresh"
    build(repo, fresh)
    assert_same_cpg(wh, fresh)


def _replace(wh: str, i: int) -> store.TableWrite:
    return store.replace_repo_rows(
        wh, "file_index", pa.table({"repo": ["r"], "path": ["a.py"], "n": [i]}), "r"
    )


def test_tables_checkpoint_and_keep_their_history(tmp_path: Path) -> None:
    wh = str(tmp_path)
    versions = [_replace(wh, i).version for i in range(12)]
    path = store.table_path(wh, "file_index")
    dt = DeltaTable(path)
    config = dt.metadata().configuration
    assert config["delta.checkpointInterval"] == store.TABLE_PROPERTIES["delta.checkpointInterval"]
    assert config["delta.enableExpiredLogCleanup"] == "false"
    log_dir = Path(path) / "_delta_log"
    # a checkpoint bounds the commits an open replays
    assert sorted(p.name for p in log_dir.glob("*.checkpoint.parquet"))
    # every commit stays (time travel and writes_since read them), each version readable
    assert len(list(log_dir.glob("*.json"))) == versions[-1] + 1
    for i, v in enumerate(versions):
        dt.load_as_version(v)
        assert dt.to_pyarrow_table().column("n").to_pylist() == [i]


def test_a_table_made_before_the_properties_gets_them_on_its_next_write(tmp_path: Path) -> None:
    from deltalake import write_deltalake

    wh = str(tmp_path)
    path = store.table_path(wh, "file_index")
    write_deltalake(
        path, pa.table({"repo": ["r"], "path": ["a.py"], "n": [0]}), partition_by=["repo"]
    )
    assert not DeltaTable(path).metadata().configuration
    write = _replace(wh, 1)
    dt = DeltaTable(path)
    assert dt.metadata().configuration == store.TABLE_PROPERTIES
    assert write.version == dt.version()
    assert dt.to_pyarrow_table().column("n").to_pylist() == [1]


def test_shared_tables_see_commits_made_by_others(tmp_path: Path) -> None:
    # within a build each table is opened once; a commit by another writer (another
    # repo's build) in the meantime is seen on the next open_table
    wh = str(tmp_path)
    _replace(wh, 0)
    with store.shared_tables():
        first = store.open_table(wh, "file_index")
        assert first is not None
        v = first.version()
        store.replace_repo_rows(
            wh, "file_index", pa.table({"repo": ["s"], "path": ["b.py"], "n": [7]}), "s"
        )
        # an independent open (outside the build) commits once more
        write_other = DeltaTable(store.table_path(wh, "file_index"))
        from deltalake import write_deltalake

        write_deltalake(
            write_other,
            pa.table({"repo": ["t"], "path": ["c.py"], "n": [9]}),
            mode="append",
        )
        again = store.open_table(wh, "file_index")
        assert again is first
        assert again.version() == v + 2
        assert sorted(again.to_pyarrow_table().column("n").to_pylist()) == [0, 7, 9]
