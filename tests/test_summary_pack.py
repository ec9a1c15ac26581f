"""The summary pack: every summary of a build in one file, read by the next build.

Real builds of a generated git repo; the pack is checked against the fragments it
accelerates (same summaries, same resolver input) and against damage (a missing or
changed fragment, a torn or garbage pack) which must only cost speed, never rows.
"""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import pyarrow as pa
import pytest

from codeanatomy_hamilton.build import default_extract_cache_dir
from codeanatomy_hamilton.core.fingerprint import engine_fingerprint
from codeanatomy_hamilton.emit.rows import concat_facts, resolve_input_from_summaries
from codeanatomy_hamilton.fragments import summary_pack
from codeanatomy_hamilton.fragments.store import FileSummary, FragmentStore
from codeanatomy_hamilton.fragments.summary_pack import (
    MAGIC,
    cached_summaries,
    load_pack,
    pack_file,
)
from codeanatomy_hamilton.runtime.caching import hash_file_summary
from codeanatomy_hamilton.scan.snapshot import scan_repo
from tests.damage_helpers import damaged
from tests.incremental_helpers import assert_same_cpg, build, commit, init_repo
from tests.test_fragments import REPO_FILES

# the fragment tests' repo, plus a file that imports from the standard library
FILES = {**REPO_FILES, "zed.py": "import json\n\n\ndef load(s):\n    return json.loads(s)\n"}


def _store(warehouse: Path) -> FragmentStore:
    return FragmentStore(default_extract_cache_dir(str(warehouse)), "r", engine_fingerprint())


def _from_fragments(store: FragmentStore, repo: Path) -> list[FileSummary]:
    snap = scan_repo(str(repo))
    out = [store.summary(f.path, f.blob_sha) for f in snap.files]
    assert all(s is not None for s in out)
    return [s for s in out if s is not None]


def _same_summary(a: FileSummary, b: FileSummary) -> None:
    assert (a.path, a.module, a.lines, a.externals, a.rows, a.fragment) == (
        b.path,
        b.module,
        b.lines,
        b.externals,
        b.rows,
        b.fragment,
    )
    assert [(e.error_kind, e.message, e.line) for e in a.errors] == [
        (e.error_kind, e.message, e.line) for e in b.errors
    ]
    assert set(a.facts) == set(b.facts), a.path
    for name in a.facts:
        assert a.facts[name].schema == b.facts[name].schema, (a.path, name)
        assert a.facts[name].to_pylist() == b.facts[name].to_pylist(), (a.path, name)
    assert a.calls.to_pylist() == b.calls.to_pylist()
    assert a.xprops.to_pylist() == b.xprops.to_pylist()
    assert a.xprop_nodes.to_pylist() == b.xprop_nodes.to_pylist()
    # one Hamilton fingerprint whichever way the summary was read
    assert hash_file_summary(a) == hash_file_summary(b)


@pytest.fixture
def built(tmp_path: Path) -> tuple[Path, Path]:
    repo, wh = tmp_path / "repo", tmp_path / "wh"
    init_repo(repo, FILES)
    build(repo, wh)
    return repo, wh


def test_build_writes_a_pack_that_serves_every_file(built: tuple[Path, Path]) -> None:
    repo, wh = built
    store = _store(wh)
    assert os.path.isfile(pack_file(store))
    pack = load_pack(store)
    assert pack is not None
    assert [e.path for e in pack.entries] == sorted(FILES)
    snap = scan_repo(str(repo))
    served = cached_summaries(store, snap.files)
    assert [s.path for s in served] == sorted(FILES)
    assert all(s.pack is not None for s in served)
    for a, b in zip(served, _from_fragments(store, repo), strict=True):
        _same_summary(a, b)
    # the broken file's error travels in the pack too
    (broken,) = [s for s in served if s.path == "broken.py"]
    assert broken.errors and broken.errors[0].error_kind


def test_resolver_input_from_pack_runs_equals_per_file_input(built: tuple[Path, Path]) -> None:
    repo, wh = built
    store = _store(wh)
    frag = _from_fragments(store, repo)
    served = cached_summaries(store, scan_repo(str(repo)).files)
    # mixed: pack runs broken by files read from their fragments, as after a change
    mixed = [frag[i] if i in (0, 3) else s for i, s in enumerate(served)]
    expected = concat_facts(frag)
    for summaries in (served, mixed):
        got = concat_facts(summaries)
        assert set(got) == set(expected)
        for name, table in expected.items():
            assert got[name].to_pylist() == table.to_pylist(), name
    a = resolve_input_from_summaries(frag)
    b = resolve_input_from_summaries(mixed)
    assert a.nodes.to_pylist() == b.nodes.to_pylist()
    assert a.files.to_pylist() == b.files.to_pylist()


def test_resolver_input_shares_the_rows_of_fresh_summaries(built: tuple[Path, Path]) -> None:
    # the per-file batches of freshly read summaries become slices of the resolver
    # input (held once), with the same rows; summaries served from the pack stay
    repo, wh = built
    store = _store(wh)
    served = cached_summaries(store, scan_repo(str(repo)).files)
    fresh = _from_fragments(store, repo)
    before = _from_fragments(store, repo)
    mixed = [fresh[i] if i in (1, 3) else s for i, s in enumerate(served)]
    packed = {i: (s.calls, dict(s.facts)) for i, s in enumerate(mixed) if i not in (1, 3)}
    inp = resolve_input_from_summaries(mixed)
    buffers = {b.address for t in (inp.nodes, *inp.facts.values()) for b in _buffers(t)}
    for i in (1, 3):
        _same_summary(mixed[i], before[i])
        assert mixed[i].facts and all(
            b.address in buffers
            for t in (mixed[i].calls, *mixed[i].facts.values())
            for b in _buffers(t)
        ), mixed[i].path
    for i, (calls, facts) in packed.items():
        assert mixed[i].calls is calls
        assert all(mixed[i].facts[n] is b for n, b in facts.items())


def _buffers(t: pa.Table | pa.RecordBatch) -> list[pa.Buffer]:
    cols = t.columns
    out = []
    for c in cols:
        for chunk in c.chunks if isinstance(c, pa.ChunkedArray) else [c]:
            out.extend(b for b in chunk.buffers()[1:] if b is not None)
    return out


def test_pickled_summaries_and_input_hold_only_their_own_rows(
    built: tuple[Path, Path],
) -> None:
    # Hamilton's result store pickles summaries and the resolver input; a zero-copy
    # slice pickles its whole parent buffers, i.e. the whole pack per slice
    repo, wh = built
    store = _store(wh)
    served = cached_summaries(store, scan_repo(str(repo)).files)
    frag = _from_fragments(store, repo)
    for a, b in zip(served, frag, strict=True):
        size_pack, size_frag = len(pickle.dumps(a)), len(pickle.dumps(b))
        # (sizes are deterministic; uncompacted slices were 1.3-1.5x here, and grow
        # with the pack: 23 GB for the stdlib in Hamilton's result store)
        assert size_pack <= 1.15 * size_frag + 256, (a.path, size_pack, size_frag)
        again = pickle.loads(pickle.dumps(a))
        assert again.pack is None
        _same_summary(again, a)
    mixed = [frag[2] if i == 2 else s for i, s in enumerate(served)]
    size_pack = len(pickle.dumps(resolve_input_from_summaries(mixed)))
    size_frag = len(pickle.dumps(resolve_input_from_summaries(frag)))
    assert size_pack <= 1.15 * size_frag + 256, (size_pack, size_frag)


def test_entry_is_used_only_while_its_fragment_is_whole(built: tuple[Path, Path]) -> None:
    repo, wh = built
    store = _store(wh)
    snap = scan_repo(str(repo))
    target = {f.path: store.file_for(f.path, f.blob_sha) for f in snap.files}
    # a fragment cut short: neither the pack nor the fragment may serve it
    with open(target["zed.py"], "r+b") as fh:
        fh.truncate(os.path.getsize(target["zed.py"]) - 1)
    # a fragment gone: a miss (the build parses the file again)
    os.remove(target["main.py"])
    served = {s.path: s for s in cached_summaries(store, snap.files)}
    assert "zed.py" not in served and "main.py" not in served
    assert served["pkg/core.py"].pack is not None
    # the next build re-parses both and still equals a fresh full build
    commit(repo, {"pkg/core.py": FILES["pkg/core.py"] + "\n\ndef extra():\n    return 1\n"})
    assert build(repo, wh, incremental=True).mode == "incremental"
    fresh = wh.parent / "fresh"
    build(repo, fresh)
    assert_same_cpg(wh, fresh)


@pytest.mark.parametrize("damage", ["truncate", "garbage", "body", "empty"])
def test_damaged_pack_costs_speed_not_rows(built: tuple[Path, Path], damage: str) -> None:
    repo, wh = built
    store = _store(wh)
    path = pack_file(store)
    Path(path).write_bytes(damaged(Path(path).read_bytes(), damage, MAGIC))
    assert load_pack(store) is None
    # summaries come from the fragments instead
    served = cached_summaries(store, scan_repo(str(repo)).files)
    assert len(served) == len(FILES) and all(s.pack is None for s in served)
    commit(repo, {"zed.py": FILES["zed.py"] + "\n\ndef more(s):\n    return load(s)\n"})
    assert build(repo, wh, incremental=True).mode == "incremental"
    fresh = wh.parent / "fresh"
    build(repo, fresh)
    assert_same_cpg(wh, fresh)
    # and the build left a good pack again
    pack = load_pack(store)
    assert pack is not None and len(pack.entries) == len(FILES)


def test_prune_keeps_the_pack_and_a_new_build_rewrites_it(built: tuple[Path, Path]) -> None:
    repo, wh = built
    store = _store(wh)
    before = load_pack(store)
    assert before is not None
    store.prune([], grace_s=0)  # deletes every fragment, must skip the pack file
    assert os.path.isfile(pack_file(store))
    # with no fragments the pack serves nothing, and the build parses every file
    assert cached_summaries(store, scan_repo(str(repo)).files) == []
    commit(repo, {"new.py": "from zed import load\n\nload('1')\n"})
    build(repo, wh, incremental=True)
    after = load_pack(store)
    assert after is not None
    assert [e.path for e in after.entries] == sorted([*FILES, "new.py"])


def test_prune_removes_a_killed_pack_write(built: tuple[Path, Path]) -> None:
    _, wh = built
    store = _store(wh)
    tmp = pack_file(store) + ".12345.tmp"
    Path(tmp).write_bytes(b"CAP1 half written")
    # within the grace period another build may still be writing it
    store.prune([], grace_s=3600)
    assert os.path.isfile(tmp)
    old = os.path.getmtime(tmp) - 7200
    os.utime(tmp, (old, old))
    store.prune([], grace_s=3600)
    assert not os.path.exists(tmp)
    assert os.path.isfile(pack_file(store))


def test_a_small_change_keeps_the_pack(built: tuple[Path, Path], tmp_path: Path) -> None:
    repo, wh = built
    store = _store(wh)
    before = os.stat(pack_file(store))
    commit(repo, {"zed.py": FILES["zed.py"] + "\n\ndef other(s):\n    return load(s)\n"})
    assert build(repo, wh, incremental=True).mode == "incremental"
    after = os.stat(pack_file(store))
    # one file read from its fragment is cheaper than rewriting the pack
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    served = {s.path: s for s in cached_summaries(store, scan_repo(str(repo)).files)}
    assert served["zed.py"].pack is None and served["main.py"].pack is not None
    fresh = tmp_path / "fresh"
    build(repo, fresh)
    assert_same_cpg(wh, fresh)


def test_a_stale_pack_is_rewritten(
    built: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo, wh = built
    store = _store(wh)
    monkeypatch.setattr(summary_pack, "STALE_FILES", 0)
    monkeypatch.setattr(summary_pack, "STALE_SHARE", 0.0)
    commit(repo, {"zed.py": FILES["zed.py"] + "\n\ndef other(s):\n    return load(s)\n"})
    build(repo, wh, incremental=True)
    served = cached_summaries(store, scan_repo(str(repo)).files)
    assert len(served) == len(FILES) and all(s.pack is not None for s in served)


def test_a_summary_pickled_by_reference_needs_its_fragment(built: tuple[Path, Path]) -> None:
    from codeanatomy_hamilton.fragments.store import FragmentMissing

    repo, wh = built
    store = _store(wh)
    (s,) = [x for x in _from_fragments(store, repo) if x.path == "zed.py"]
    data = pickle.dumps(s)
    assert len(data) < 2048  # path, module, counts and the fragment's location
    os.remove(s.fragment)
    again = pickle.loads(data)
    assert again.path == "zed.py" and again.rows == s.rows
    with pytest.raises(FragmentMissing, match="zed.py"):
        _ = again.facts
