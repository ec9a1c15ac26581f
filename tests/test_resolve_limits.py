"""A repository that hits the resolver's bounds still builds, and says so."""

from __future__ import annotations

from pathlib import Path

from codeanatomy_hamilton.build import BuildRequest, run_build

from .conftest import make_git_repo


def test_truncated_resolution_is_reported_not_silent(tmp_path: Path) -> None:
    # one parameter receiving 300 distinct functions in one round exceeds the per-key
    # bound of the points-to analysis; the build completes and carries a warning
    defs = "".join(f"def h{i}():\n    return {i}\n\n" for i in range(300))
    calls = "".join(f"apply(h{i})\n" for i in range(300))
    src = f"def apply(fn):\n    return fn()\n\n{defs}{calls}"
    repo = tmp_path / "wide"
    make_git_repo(repo, {"main.py": src})
    result = run_build(BuildRequest(repo_path=str(repo), warehouse=str(tmp_path / "wh")))
    assert result.writes["cpg_edges"].rows > 0
    assert any("truncat" in w for w in result.warnings), result.warnings
