"""Scanning a repository: git trees are listed without reading blobs; only the files a
build parses are read (``scan.with_data``); oversize files are skipped by their listed
size, with a ``too_large`` error, for git trees and plain directories alike."""

from __future__ import annotations

from pathlib import Path

import pytest

from codeanatomy_hamilton.scan import snapshot as scan
from codeanatomy_hamilton.scan.snapshot import git_blob_sha, scan_repo, with_data
from tests.incremental_helpers import init_repo

SMALL = "x = 1\n"
BIG = "y = 2\n" * 40  # 240 bytes


@pytest.fixture
def small_limit(monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setattr(scan, "MAX_FILE_BYTES", 100)
    return 100


def test_git_scan_lists_sizes_and_reads_blobs_on_demand(tmp_path: Path, small_limit: int) -> None:
    repo = tmp_path / "repo"
    init_repo(repo, {"a.py": SMALL, "pkg/b.py": SMALL * 3, "big.py": BIG, "notes.txt": BIG})
    snap = scan_repo(str(repo))
    assert [f.path for f in snap.files] == ["a.py", "pkg/b.py"]
    assert all(f.data is None for f in snap.files)  # listed, not read
    assert [f.size for f in snap.files] == [len(SMALL), 3 * len(SMALL)]
    assert snap.total_bytes == 4 * len(SMALL)
    (skip,) = snap.skipped
    assert skip[0] == "big.py" and skip[1].error_kind == "too_large"
    assert f"{len(BIG)} bytes" in skip[1].message
    full = with_data(snap)
    assert [f.data for f in full.files] == [SMALL.encode(), (SMALL * 3).encode()]
    assert all(git_blob_sha(f.data or b"") == f.blob_sha for f in full.files)
    assert full.skipped == snap.skipped and full.commit == snap.commit
    # reading again is a no-op
    assert with_data(full) is full


def test_directory_scan_reads_and_skips_by_size(tmp_path: Path, small_limit: int) -> None:
    root = tmp_path / "plain"
    (root / "pkg").mkdir(parents=True)
    (root / "a.py").write_text(SMALL)
    (root / "pkg" / "big.py").write_text(BIG)
    snap = scan_repo(str(root))
    assert [(f.path, f.data, f.size) for f in snap.files] == [("a.py", SMALL.encode(), len(SMALL))]
    assert [(p, e.error_kind) for p, e in snap.skipped] == [("pkg/big.py", "too_large")]
