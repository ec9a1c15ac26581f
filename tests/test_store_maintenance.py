"""The run manifest (one appended row per build) stays cheap to read: past
``COMPACT_AFTER_FILES`` data files it is compacted, with every row kept and earlier
versions still readable (time travel reads them)."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
from deltalake import DeltaTable

from codeanatomy_hamilton import store


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
