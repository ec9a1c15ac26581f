"""A git submodule is recorded as an ``extract_errors`` row of kind ``submodule``, not
skipped silently (that README lists exactly the engine's error kinds is checked in
test_newer_syntax.py)."""

from __future__ import annotations

from pathlib import Path

from deltalake import DeltaTable

from .incremental_helpers import assert_same_cpg, build, commit, git, init_repo


def _errors(wh: Path) -> list[tuple[str, str]]:
    rows = DeltaTable(str(wh / "extract_errors")).to_pyarrow_table().to_pylist()
    return sorted((r["path"], r["error_kind"]) for r in rows)


def test_a_submodule_is_an_extract_errors_row(tmp_path: Path) -> None:
    sub = tmp_path / "sub"
    init_repo(sub, {"lib.py": "def helper():\n    return 1\n"})
    repo = tmp_path / "repo"
    init_repo(repo, {"main.py": "import os\n"})
    git(repo, "-c", "protocol.file.allow=always", "submodule", "add", "-q", str(sub), "vendor/sub")
    git(repo, "commit", "-q", "-m", "add submodule")
    wh = tmp_path / "wh"
    result = build(repo, wh)
    assert _errors(wh) == [("vendor/sub", "submodule")]
    assert result.error_count == 1
    rows = DeltaTable(str(wh / "extract_errors")).to_pyarrow_table().to_pylist()
    assert git(sub, "rev-parse", "HEAD") in rows[0]["message"]
    # nothing of the submodule's own files is in the graph
    paths = set(DeltaTable(str(wh / "cpg_nodes")).to_pyarrow_table().column("path").to_pylist())
    assert paths == {"main.py", None}
    # bumping the submodule: an incremental build equals a full one
    commit(sub, {"lib.py": "def helper():\n    return 2\n"})
    git(repo / "vendor" / "sub", "pull", "-q", str(sub), "main")
    git(repo, "add", "vendor/sub")
    commit(repo, {"main.py": "import os\nimport sys\n"})
    assert build(repo, wh, incremental=True).mode == "incremental"
    full = tmp_path / "full"
    build(repo, full)
    assert_same_cpg(full, wh)
