"""Damage never becomes data: random bit flips in every cached file kind (per-file
fragments, the summary pack, the kept interner, the kept resolution, Hamilton's stored
results) give the rows of a clean build, over many seeds, and damaged files are
deleted; a table whose newest Delta commit is torn is repaired by the next build and
read at its last good version meanwhile."""

from __future__ import annotations

import random
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from deltalake import DeltaTable

from codeanatomy_hamilton.build import BuildResult
from codeanatomy_hamilton.core.fingerprint import engine_fingerprint
from codeanatomy_hamilton.fragments.store import FragmentStore

from .incremental_helpers import assert_same_cpg, build, commit, init_repo

FILES = {
    "pkg/__init__.py": "",
    **{
        f"pkg/m{i}.py": (
            f"import os\nfrom pkg import m{(i + 1) % 4}\n\n\nclass C{i}:\n"
            f"    def f(self, x):\n        return m{(i + 1) % 4}.g(x) + len(os.sep)\n\n\n"
            f"def g(x):\n    return C{i}().f(x) if x else [y for y in range(x)]\n"
        )
        for i in range(4)
    },
}
KINDS = ("frag", "summaries.pack", "interner.kept", "resolved.out", "result")
SEEDS = 16


def _kind(path: Path) -> str:
    if path.suffix == ".frag":
        return "frag"
    if path.parent.name == "results":  # Hamilton's result store (``cache_dir``)
        return "result"
    return path.name


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A repo and a clean build of it."""
    root = tmp_path_factory.mktemp("damage")
    init_repo(root / "repo", FILES)
    build(root / "repo", root / "clean", extract_cache_dir="")
    return root / "repo", root / "clean"


def _build(repo: Path, wh: Path, cache: Path) -> BuildResult:
    """A build with its fragments under ``cache/fragments`` and Hamilton's results
    under ``cache/hamilton``."""
    return build(
        repo, wh, extract_cache_dir=str(cache / "fragments"), cache_dir=str(cache / "hamilton")
    )


def _flip(path: Path, rng: random.Random) -> None:
    data = bytearray(path.read_bytes())
    for _ in range(rng.randint(1, 4)):
        pos = rng.randrange(len(data))
        data[pos] ^= 1 << rng.randrange(8)
    path.write_bytes(bytes(data))


def test_bit_flips_in_every_cached_file_kind_give_a_clean_build(
    pristine: tuple[Path, Path], tmp_path: Path
) -> None:
    repo, clean = pristine
    retried = 0
    # the caches stay at one location: cached results' keys name the fragment store
    work = tmp_path / "cache"
    _build(repo, tmp_path / "seed-wh", work)
    assert set(KINDS) <= {_kind(p) for p in work.rglob("*") if p.is_file()}
    cache = tmp_path / "pristine"
    shutil.move(work, cache)
    for seed in range(SEEDS):
        rng = random.Random(seed)
        shutil.copytree(cache, work)
        files = sorted(p for p in work.rglob("*") if p.is_file())
        for kind in KINDS:
            # one file of each kind, and some seeds damage every fragment
            pool = [p for p in files if _kind(p) == kind]
            for p in pool if (kind == "frag" and seed % 5 == 0) else [rng.choice(pool)]:
                _flip(p, rng)
        wh = tmp_path / f"wh{seed}"
        result = _build(repo, wh, work)
        assert_same_cpg(clean, wh)
        assert result.error_count == 0
        retried += int(result.diagnostics.get("fragment_retry", 0))
        # every damaged entry was deleted (and maybe written again): none is left
        store = FragmentStore(str(work / "fragments"), "r", engine_fingerprint())
        assert store.drop_damaged() == 0
        shutil.rmtree(work)
        shutil.rmtree(wh)
    # damage in fragments' table sections is found by the emit stage: the build reran
    assert retried > 0


# -- a damaged Delta commit ------------------------------------------------------------


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "codeanatomy_hamilton.cli", *args],
        capture_output=True,
        text=True,
        timeout=300,
    )


def _truncate_last_commit(table: Path) -> Path:
    last = sorted((table / "_delta_log").glob("*.json"))[-1]
    data = last.read_bytes()
    last.write_bytes(data[: len(data) // 2])
    return last


def test_a_truncated_last_commit_is_set_aside_and_sql_reads_the_last_good_version(
    tmp_path: Path,
) -> None:
    repo = tmp_path / "repo"
    init_repo(repo, FILES)
    wh = tmp_path / "wh"
    build(repo, wh)
    commit(repo, {"pkg/m0.py": FILES["pkg/m0.py"] + "\n\ndef extra():\n    return g(1)\n"})
    build(repo, wh, incremental=True)
    edges_before = DeltaTable(str(wh / "cpg_edges")).version()
    damaged = _truncate_last_commit(wh / "cpg_edges")
    torn = damaged.read_bytes()
    # sql: every other table at the newest build's versions, the damaged one at the
    # version before its damaged commit
    out = _cli(
        "sql", "--warehouse", str(wh), "SELECT count(*) AS n FROM cpg_nodes", "--format", "csv"
    )
    assert out.returncode == 0, out.stderr
    nodes = int(out.stdout.split()[1])
    assert nodes == DeltaTable(str(wh / "cpg_nodes")).to_pyarrow_table().num_rows
    out = _cli(
        "sql", "--warehouse", str(wh), "SELECT count(*) AS n FROM cpg_edges", "--format", "csv"
    )
    assert out.returncode == 0, out.stderr
    previous = DeltaTable(str(wh / "cpg_edges"), version=edges_before - 1)
    assert int(out.stdout.split()[1]) == previous.to_pyarrow_table().num_rows
    # the next build, even an incremental one, sets the commit aside and builds in full
    result = build(repo, wh, incremental=True)
    assert result.mode == "full"
    assert any("cpg_edges" in w and "set aside" in w for w in result.warnings)
    # kept for inspection outside the log; the version was committed again, whole
    assert list((wh / ".codeanatomy" / "damaged" / "cpg_edges").iterdir())
    assert damaged.read_bytes() != torn
    clean = tmp_path / "clean"
    build(repo, clean)
    assert_same_cpg(clean, wh)
    # a later incremental build from a build recorded at the set-aside version or after
    # is not trusted: the base is the repairing build, whose rows are whole
    commit(repo, {"pkg/m1.py": FILES["pkg/m1.py"] + "\nZ = 1\n"})
    assert build(repo, wh, incremental=True).mode == "incremental"
    build(repo, clean)
    assert_same_cpg(clean, wh)
