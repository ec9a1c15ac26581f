"""Incremental builds equal full builds row for row along a generated git history."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from deltalake import DeltaTable
from hamilton.lifecycle.api import NodeExecutionHook

from codeanatomy_hamilton.core import fingerprint
from codeanatomy_hamilton.incremental.planning import FileChange, git_diff

from .incremental_helpers import assert_same_cpg, build, commit, git, init_repo


class ParsedFiles(NodeExecutionHook):
    """The paths of the files ``batch_extract`` parsed in one build (a real Hamilton
    lifecycle hook: it sees every batch the local executor runs)."""

    def __init__(self) -> None:
        self.paths: list[str] = []

    def run_before_node_execution(self, **future_kwargs: Any) -> None:
        pass

    def run_after_node_execution(
        self, *, node_name: str, result: Any, success: bool, **future_kwargs: Any
    ) -> None:
        if node_name == "batch_extract" and success:
            self.paths.extend(summary.path for summary in result)


BASE = '''"""Base classes."""


class Base:
    def greet(self, name):
        return "hi " + name


class Other:
    def greet(self, name):
        return name.upper()
'''

MOD = """from pkg.base import Base
import os


class C(Base):
    def run(self):
        return self.greet(os.path.join("a", "b"))


def helper(x):
    return len(x)
"""

MAIN = """import util
from pkg.mod import C, helper


def main():
    c = C()
    print(c.run(), helper([1, 2]), util.twice(3))


if __name__ == "__main__":
    main()
"""

UTIL = """def twice(x):
    return 2 * x
"""

FLOWING = """import os


class Box:
    def __init__(self, v):
        self.v = v


def wrap(v):
    box = Box(v)
    return box.v


G = os.environ.get("X")


def use(x):
    d = {"k": wrap(x), "g": G}
    items = []
    items.append(d["k"])
    try:
        raise ValueError(items[0])
    except ValueError as e:
        return os.path.join("a", str(e))
"""

# (description, write, delete, rename) applied one commit at a time
HISTORY: list[tuple[str, dict[str, str], tuple[str, ...], dict[str, str]]] = [
    ("modify a function body", {"util.py": "def twice(x):\n    y = x + x\n    return y\n"}, (), {}),
    (
        "add a module and import it",
        {
            "pkg/extra.py": "from pkg.base import Other\n\n\ndef make():\n    return Other()\n",
            "main.py": MAIN.replace("import util\n", "import util\nfrom pkg.extra import make\n"),
        },
        (),
        {},
    ),
    (
        "change the class hierarchy",
        {
            "pkg/mod.py": MOD.replace("Base", "Other").replace(
                "class C(Other)", "class C(Other, dict)"
            )
        },
        (),
        {},
    ),
    (
        "rename a module (and edit it) and fix the import",
        {
            "pkg/mod2.py": MOD + "\n\nVALUE = helper([3])\n",
            "main.py": MAIN.replace("pkg.mod ", "pkg.mod2 ").replace(
                "import util\n", "import util\nfrom pkg.extra import make\n"
            ),
        },
        (),
        {"pkg/mod.py": "pkg/mod2.py"},
    ),
    (
        "delete a module and its import; change an import",
        {
            "main.py": "from pkg.mod2 import C\nfrom pkg.base import Base as B\n\nprint(C().run(), B())\n"
        },
        ("util.py",),
        {},
    ),
    (
        "value flow across files: calls, returns, attributes, containers, exceptions",
        {
            "pkg/flowing.py": FLOWING,
            "main.py": "from pkg.flowing import use\nfrom pkg.mod2 import C\n\nprint(use(C().run()))\n",
        },
        (),
        {},
    ),
    (
        "edit the callee of the flow",
        {"pkg/flowing.py": FLOWING.replace("return box.v", "return [box.v][0]")},
        (),
        {},
    ),
    (
        "a syntax error, and a pure rename",
        {"pkg/broken.py": "def f(:\n    pass\n"},
        (),
        {"pkg/extra.py": "pkg/extras.py"},
    ),
    (
        "fix it; no other change",
        {"pkg/broken.py": "def f():\n    pass\n", "README.md": "hi\n"},
        (),
        {},
    ),
]


def test_incremental_equals_full_along_history(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    init_repo(
        repo,
        {
            "pkg/__init__.py": "",
            "pkg/base.py": BASE,
            "pkg/mod.py": MOD,
            "main.py": MAIN,
            "util.py": UTIL,
        },
    )
    inc = tmp_path / "inc"
    first = build(repo, inc, incremental=True)
    assert first.mode == "full"
    for step, (what, write, delete, rename) in enumerate(HISTORY):
        sha = commit(repo, write, what, delete=delete, rename=rename)
        result = build(repo, inc, incremental=True)
        assert result.mode == "incremental", what
        assert result.commit == sha
        full = tmp_path / f"full{step}"
        build(repo, full)
        assert_same_cpg(inc, full)
    # the value-flow edges took part in the comparison
    edges = DeltaTable(str(inc / "cpg_edges")).to_pyarrow_table(columns=["kind"])
    kinds = set(edges.column("kind").to_pylist())
    assert {"FLOW", "FLOW_ARG", "FLOW_RETURN", "FLOW_ATTR", "FLOW_ELEM", "FLOW_CALL"} <= kinds
    assert {"FLOW_GLOBAL", "FLOW_EXC"} <= kinds
    manifest = DeltaTable(str(inc / "run_manifest")).to_pyarrow_table().to_pylist()
    modes = sorted(r["mode"] for r in manifest)
    assert modes.count("incremental") == len(HISTORY)
    renamed = [r for r in manifest if any(c.startswith("R") for c in r["file_changes"] or [])]
    assert any({"pkg/mod.py", "pkg/mod2.py"} <= set(r["changed_files"]) for r in renamed)
    assert any("R\tpkg/mod.py\tpkg/mod2.py" in r["file_changes"] for r in renamed)


def test_git_diff_statuses(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    base = init_repo(repo, {"a.py": "x = 1\n" * 20, "b.py": "y = 2\n", "c.py": "z = 3\n"})
    new = commit(
        repo, {"b.py": "y = 3\n", "d.py": "w = 4\n"}, delete=("c.py",), rename={"a.py": "e.py"}
    )
    changes = git_diff(str(repo), base, new)
    assert set(changes) == {
        FileChange("M", "b.py"),
        FileChange("A", "d.py"),
        FileChange("R", "e.py", "a.py"),
        FileChange("D", "c.py"),
    }


def test_only_changed_files_are_parsed(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    init_repo(repo, {f"m{i}.py": f"def f{i}():\n    return {i}\n" for i in range(6)})
    inc = tmp_path / "inc"
    first = ParsedFiles()
    build(repo, inc, incremental=True, adapters=[first])
    assert sorted(first.paths) == [f"m{i}.py" for i in range(6)]
    commit(repo, {"m3.py": "def f3():\n    return 33\n"})
    parsed = ParsedFiles()
    result = build(repo, inc, incremental=True, adapters=[parsed])
    assert result.mode == "incremental"
    # one file parsed (what ``batch_extract`` returned), five served from the fragments
    assert parsed.paths == ["m3.py"]
    assert result.writes["file_index"].rows == 1
    assert DeltaTable(str(inc / "file_index")).to_pyarrow_table().num_rows == 6


@pytest.mark.parametrize("kind", ["force-push", "missing-base"])
def test_rewritten_history_falls_back_to_full(tmp_path: Path, kind: str) -> None:
    repo = tmp_path / "repo"
    init_repo(repo, {"a.py": "x = 1\n"})
    commit(repo, {"b.py": "y = 1\n"}, "second")
    inc = tmp_path / "inc"
    build(repo, inc, incremental=True)
    # rewrite the last commit (what a force-push does to a watched ref)
    git(repo, "reset", "-q", "--hard", "HEAD~1")
    if kind == "missing-base":
        git(repo, "reflog", "expire", "--expire=now", "--all")
        git(repo, "gc", "-q", "--prune=now")
    commit(repo, {"c.py": "z = 1\n"}, "rewritten")
    result = build(repo, inc, incremental=True)
    assert result.mode == "full"
    rows = DeltaTable(str(inc / "run_manifest")).to_pyarrow_table().to_pylist()
    reason = max(rows, key=lambda r: r["ended_at"])["reason"]
    assert ("not an ancestor" if kind == "force-push" else "missing") in reason
    full = tmp_path / "full"
    build(repo, full)
    assert_same_cpg(inc, full)


def test_any_engine_module_change_changes_the_engine_fingerprint(tmp_path: Path) -> None:
    """Every module of the package shapes rows somewhere (``streams`` adds path, origin
    and repo to every per-file row): editing any of them must make the next incremental
    build full and re-key the fragments."""
    package = Path(fingerprint.__file__).resolve().parents[1]
    copy = tmp_path / package.name
    shutil.copytree(package, copy, ignore=shutil.ignore_patterns("__pycache__"))
    base = fingerprint.package_fingerprint(copy)
    assert base == fingerprint.engine_fingerprint()
    modules = sorted(copy.rglob("*.py"))
    assert (
        copy / "emit" / "streams.py" in modules
        and copy / "resolve" / "points_to" / "core.py" in modules
    )
    for module in modules:
        original = module.read_bytes()
        module.write_bytes(original + b"\n# edited\n")
        assert fingerprint.package_fingerprint(copy) != base, module.relative_to(copy)
        module.write_bytes(original)
    assert fingerprint.package_fingerprint(copy) == base
