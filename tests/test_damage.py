"""Damage to the cache never becomes data: random bit flips in every cached file kind
(per-file fragments, the summary pack, the kept interner, the kept resolution) give
the rows of a clean build, over many seeds; the damaged files are deleted."""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import pytest

from codeanatomy_hamilton.fragments import FragmentStore
from codeanatomy_hamilton.incremental import engine_fingerprint

from .incremental_helpers import assert_same_cpg, build, init_repo

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
KINDS = ("frag", "summaries.pack", "interner.kept", "resolved.out")
SEEDS = 24


def _kind(path: Path) -> str:
    return "frag" if path.suffix == ".frag" else path.name


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """A repo, a clean build of it, and the fragment cache a build left."""
    root = tmp_path_factory.mktemp("damage")
    init_repo(root / "repo", FILES)
    build(root / "repo", root / "clean", extract_cache_dir="")
    build(root / "repo", root / "seed-wh", extract_cache_dir=str(root / "cache"))
    files = [p for p in (root / "cache").rglob("*") if p.is_file()]
    assert {_kind(p) for p in files} == set(KINDS)
    return root / "repo", root / "clean", root / "cache"


def _flip(path: Path, rng: random.Random) -> None:
    data = bytearray(path.read_bytes())
    for _ in range(rng.randint(1, 4)):
        pos = rng.randrange(len(data))
        data[pos] ^= 1 << rng.randrange(8)
    path.write_bytes(bytes(data))


def test_bit_flips_in_every_cached_file_kind_give_a_clean_build(
    pristine: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    repo, clean, cache = pristine
    retried = 0
    for seed in range(SEEDS):
        rng = random.Random(seed)
        work = tmp_path / f"cache{seed}"
        shutil.copytree(cache, work)
        files = sorted(p for p in work.rglob("*") if p.is_file())
        damaged = []
        for kind in KINDS:
            # one file of each kind, and some seeds damage every fragment
            pool = [p for p in files if _kind(p) == kind]
            chosen = pool if (kind == "frag" and seed % 5 == 0) else [rng.choice(pool)]
            for p in chosen:
                _flip(p, rng)
                damaged.append(p)
        wh = tmp_path / f"wh{seed}"
        result = build(repo, wh, extract_cache_dir=str(work))
        assert_same_cpg(clean, wh)
        assert result.error_count == 0
        retried += int(result.diagnostics.get("fragment_retry", 0))
        # a damaged file was deleted and written again, or is gone: none is left as it was
        store = FragmentStore(str(work), "r", engine_fingerprint())
        assert store.drop_damaged() == 0
        shutil.rmtree(work)
        shutil.rmtree(wh)
    # damage in fragments' table sections is found by the emit stage: the build reran
    assert retried > 0
