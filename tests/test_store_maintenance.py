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
