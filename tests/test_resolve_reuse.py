"""Reusing the last resolution when the resolver's input is unchanged.

Each build of a real git repo is compared row for row with a fresh full build of the
same commit, so a reuse that served a stale output (anything position-dependent, or a
digest that misses an input) fails here.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from codeanatomy_hamilton.build import BuildResult, default_extract_cache_dir
from codeanatomy_hamilton.core.fingerprint import engine_fingerprint
from codeanatomy_hamilton.fragments.store import FragmentStore
from codeanatomy_hamilton.resolve.reuse import MAGIC, output_file
from tests.damage_helpers import damaged
from tests.incremental_helpers import assert_same_cpg, build, commit, init_repo

CORE = (
    "import os\n\n\nclass Base:\n    def run(self, x):\n        return helper(x) * 2\n\n\n"
    "def helper(n):\n    return len(os.sep) + n\n"
)
FILES = {
    "pkg/__init__.py": "from .core import helper\n",
    "pkg/core.py": CORE,
    "pkg/child.py": (
        "from pkg.core import Base\n\n\nclass Child(Base):\n"
        "    def run(self, x):\n        return super().run(x) + 1\n"
    ),
    "main.py": "from pkg.child import Child\n\nprint(Child().run(2))\n",
}


def _reused(result: BuildResult) -> int | None:
    for rec in result.diagnostics["nodes"]:
        if rec["node"] == "resolved":
            return rec["stats"].get("resolve_reused")
    return None


def _check(repo: Path, wh: Path, tmp: Path, name: str) -> None:
    fresh = tmp / f"fresh-{name}"
    build(repo, fresh)
    assert_same_cpg(wh, fresh)


@pytest.fixture
def repo_wh(tmp_path: Path) -> tuple[Path, Path]:
    repo, wh = tmp_path / "repo", tmp_path / "wh"
    init_repo(repo, FILES)
    first = build(repo, wh)
    assert _reused(first) == 0
    return repo, wh


def test_edits_that_keep_facts_reuse_the_resolution(
    repo_wh: tuple[Path, Path], tmp_path: Path
) -> None:
    repo, wh = repo_wh
    edits = {
        # lines move: every node below shifts, the facts do not
        "comment on top": "# a comment that moves every line\n\n" + CORE,
        # a literal changes no name, call or binding (an operator does: ``a + b`` may
        # call ``__add__``, so ``+`` -> ``-`` resolves again, see below)
        "literal": CORE.replace("* 2", "* 3"),
    }
    for name, text in edits.items():
        commit(repo, {"pkg/core.py": text}, name)
        result = build(repo, wh, incremental=True)
        assert result.mode == "incremental"
        assert _reused(result) == 1, name
        _check(repo, wh, tmp_path, name.replace(" ", "-"))


def test_edits_that_change_facts_resolve_again(repo_wh: tuple[Path, Path], tmp_path: Path) -> None:
    repo, wh = repo_wh
    edits = {
        "new call": CORE + "\n\ndef extra():\n    return helper(1)\n",
        "renamed base": FILES["pkg/child.py"]
        .replace("Base", "object")
        .replace("from pkg.core import object\n", ""),
    }
    commit(repo, {"pkg/core.py": edits["new call"]}, "new call")
    result = build(repo, wh, incremental=True)
    assert _reused(result) == 0
    _check(repo, wh, tmp_path, "call")
    commit(repo, {"pkg/child.py": edits["renamed base"]}, "base")
    result = build(repo, wh, incremental=True)
    assert _reused(result) == 0
    _check(repo, wh, tmp_path, "base")
    # a file that appears: new facts, resolution runs
    commit(repo, {"extra.py": "from pkg import helper\n\nhelper(3)\n"}, "add")
    assert _reused(build(repo, wh, incremental=True)) == 0
    _check(repo, wh, tmp_path, "add")


def test_going_back_to_an_older_input_resolves_again(
    repo_wh: tuple[Path, Path], tmp_path: Path
) -> None:
    # only the last resolution is kept: reverting to the first input must not be served
    # the second input's output
    repo, wh = repo_wh
    commit(repo, {"pkg/core.py": CORE + "\n\ndef extra():\n    return helper(1)\n"}, "two")
    assert _reused(build(repo, wh, incremental=True)) == 0
    commit(repo, {"pkg/core.py": CORE}, "back")
    assert _reused(build(repo, wh, incremental=True)) == 0
    _check(repo, wh, tmp_path, "back")


@pytest.mark.parametrize("damage", ["truncate", "garbage", "body", "remove"])
def test_a_damaged_store_only_costs_the_reuse(
    repo_wh: tuple[Path, Path], tmp_path: Path, damage: str
) -> None:
    repo, wh = repo_wh
    store = FragmentStore(default_extract_cache_dir(str(wh)), "r", engine_fingerprint())
    path = Path(output_file(store))
    assert path.is_file()
    if damage == "remove":
        path.unlink()
    else:
        path.write_bytes(damaged(path.read_bytes(), damage, MAGIC))
    commit(repo, {"pkg/core.py": "# moved\n" + CORE}, "comment")
    result = build(repo, wh, incremental=True)
    assert _reused(result) == 0
    _check(repo, wh, tmp_path, damage)
    # resolved again and kept: the next fact-neutral edit reuses it
    commit(repo, {"pkg/core.py": "# moved twice\n" + CORE}, "comment 2")
    assert _reused(build(repo, wh, incremental=True)) == 1
