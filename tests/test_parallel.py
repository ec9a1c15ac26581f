"""Parallel extraction: the same tables from any worker count and executor."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest
from deltalake import DeltaTable

from codeanatomy_hamilton.build import BuildRequest, run_build
from codeanatomy_hamilton.core.schema import CPG_TABLES
from codeanatomy_hamilton.core.settings import Settings, SettingsError
from codeanatomy_hamilton.runtime.executors import (
    ProcessTaskExecutor,
    choose_executor,
    make_executor,
)
from codeanatomy_hamilton.runtime.nodes.extract_nodes import _balanced_batches

from .conftest import write_files

FILES = {
    "pkg/__init__.py": "from .core import Base\n",
    "pkg/core.py": (
        "import os\n\nclass Base:\n    def run(self, x):\n        if x:\n"
        "            return os.path.join('a', x)\n        return None\n"
    ),
    "pkg/sub/mod.py": (
        "from pkg.core import Base\n\nclass Child(Base):\n    def run(self, x):\n"
        "        for i in range(3):\n            x = super().run(x) or x\n        return x\n"
    ),
    "main.py": "from pkg.sub.mod import Child\n\nprint(Child().run('b'))\nlambda y: y + 1\n",
    "broken.py": "def f(:\n    pass\n",
    "big.py": "".join(f"def f{i}(a, b=1):\n    return a + b * {i}\n" for i in range(200)),
}


def tables(warehouse: Path) -> dict[str, pa.Table]:
    """Every contract table, rows in a canonical order (writers may order them freely)."""
    out = {}
    for name in CPG_TABLES:
        t = DeltaTable(str(warehouse / name)).to_pyarrow_table()
        keys = [c for c in t.column_names if not pa.types.is_map(t.schema.field(c).type)]
        out[name] = t.sort_by([(c, "ascending") for c in keys])
    return out


def build(repo: Path, warehouse: Path, **kw) -> tuple:
    res = run_build(BuildRequest(str(repo), str(warehouse), repo_id="r", **kw))
    return res, tables(warehouse)


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("parallel") / "repo"
    write_files(root, FILES)
    return root


@pytest.fixture(scope="module")
def local_build(repo: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple:
    return build(repo, tmp_path_factory.mktemp("w1"), workers=1, extract_cache_dir="")


def test_two_process_workers_equal_one_local(repo: Path, local_build, tmp_path: Path) -> None:
    res1, t1 = local_build
    res2, t2 = build(repo, tmp_path, workers=2, executor="processes", extract_cache_dir="")
    for name in CPG_TABLES:
        assert t1[name].equals(t2[name]), name
    assert res1.file_count == res2.file_count == len(FILES)
    assert t1["extract_errors"].num_rows == 1  # broken.py is a row, not a failure


def test_hook_records_come_back_from_workers(repo: Path, tmp_path: Path) -> None:
    res, _ = build(repo, tmp_path, workers=2, executor="processes", extract_cache_dir="")
    rec = res.records["batch_extract"]
    # one record for the node, summed over its batches: a list of extracts per batch
    assert rec.rows == len(FILES)
    assert rec.seconds > 0
    assert res.stage_seconds["extract"] >= rec.seconds


def test_local_executor_with_several_batches(repo: Path, local_build, tmp_path: Path) -> None:
    _, t1 = local_build
    _, t2 = build(repo, tmp_path, workers=3, executor="local", extract_cache_dir="")
    for name in CPG_TABLES:
        assert t1[name].equals(t2[name]), name


def test_balanced_batches() -> None:
    sizes_in = [90, 10, 50, 50, 40, 30, 20, 10]
    files = [(f"f{i}.py", f"sha{i}", b"x" * size) for i, size in enumerate(sizes_in)]
    batches = _balanced_batches(files, 3)
    assert sorted(p for b in batches for p, _, _ in b.files) == sorted(p for p, _, _ in files)
    sizes = [b.size for b in batches]
    assert sizes == sorted(sizes, reverse=True)  # largest first
    assert max(sizes) - min(sizes) <= 20
    assert len(_balanced_batches(files, 1)) == 1
    assert len(_balanced_batches(files[:2], 8)) == 2  # never an empty batch


def test_choose_executor() -> None:
    assert choose_executor(None, 1) == "local"
    assert choose_executor(None, 4) == "processes"
    # the setting, as ``build`` passes it down when the request names no executor
    assert choose_executor(Settings.from_env({"CODEANATOMY_EXECUTOR": "local"}).executor, 4) == (
        "local"
    )
    with pytest.raises(SettingsError, match="CODEANATOMY_EXECUTOR='threads'"):
        Settings.from_env({"CODEANATOMY_EXECUTOR": "threads"})
    assert choose_executor("processes", 1) == "processes"
    assert isinstance(make_executor("processes", 2), ProcessTaskExecutor)
    with pytest.raises(ValueError, match="unknown executor"):
        choose_executor("threads", 2)
