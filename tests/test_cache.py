"""Hamilton caching: unchanged repos hit the cache, changed ones recompute, results agree."""

from __future__ import annotations

import shutil
from pathlib import Path

import pyarrow as pa
import pytest
from deltalake import DeltaTable
from hamilton.caching.fingerprinting import hash_value

from codeanatomy_hamilton.build import BuildRequest, run_build
from codeanatomy_hamilton.core.settings import Settings, SettingsError
from codeanatomy_hamilton.runtime.caching import register_fingerprints
from codeanatomy_hamilton.scan.snapshot import scan_repo
from tests.ca_helpers import commit, make_repo, write_files


def _rows(warehouse: Path, table: str) -> list[dict]:
    t = DeltaTable(str(warehouse / table)).to_pyarrow_table()
    return sorted(t.to_pylist(), key=lambda r: tuple(str(v) for v in r.values()))


def test_fingerprints() -> None:
    register_fingerprints()
    a = pa.table({"x": [1, 2, 3], "y": ["a", "b", None]})
    assert hash_value(a) == hash_value(pa.table({"x": [1, 2, 3], "y": ["a", "b", None]}))
    assert hash_value(a) != hash_value(pa.table({"x": [1, 2, 4], "y": ["a", "b", None]}))
    assert "unhashable" not in hash_value(a)


def test_snapshot_fingerprint_is_content_not_location(tmp_path: Path) -> None:
    register_fingerprints()
    repo = make_repo(tmp_path)
    clone = tmp_path / "clone"
    import subprocess

    subprocess.run(["git", "clone", "-q", str(repo), str(clone)], check=True)
    assert hash_value(scan_repo(str(repo))) == hash_value(scan_repo(str(clone)))


def test_second_build_hits_the_cache(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    wh, cache = tmp_path / "wh", str(tmp_path / "cache")
    first = run_build(BuildRequest(str(repo), str(wh), cache_dir=cache))
    before = {t: _rows(wh, t) for t in ("cpg_nodes", "cpg_edges")}
    assert first.diagnostics["cache"]["hit"] == 0 and first.diagnostics["cache"]["miss"] > 0
    second = run_build(BuildRequest(str(repo), str(wh), cache_dir=cache))
    counts = second.diagnostics["cache"]
    assert counts["hit"] > 0, counts
    outcomes = {r["node"]: r["cache"] for r in second.diagnostics["nodes"]}
    # resolution and everything cacheable after it is served from the cache (the
    # resolver's input is never stored: it is rebuilt from the summary pack, and
    # ``resolved`` is keyed on the summaries' fingerprints, not on it)
    layers = {r["node"]: r["tags"].get("layer") for r in second.diagnostics["nodes"]}
    stale = [
        n
        for n, o in outcomes.items()
        if layers[n] == "resolve" and o != "hit" and n != "resolve_input"
    ]
    assert stale == [], outcomes
    assert outcomes["resolved"] == "hit" and outcomes["resolve_input"] == "recompute"
    assert outcomes["repo_snapshot"] == "recompute"  # reads git: always runs
    assert outcomes["cpg_edges_written"] == "recompute"  # Delta writes always run
    # emit nodes are lazy streams over the per-file fragments: never cached, and the
    # fragment store served every file, so nothing was parsed again
    assert outcomes["cpg_edges"] == "recompute"
    assert second.diagnostics["nodes"] and all(
        r["rows"] == 0 for r in second.diagnostics["nodes"] if r["node"] == "batch_extract"
    )
    assert {t: _rows(wh, t) for t in ("cpg_nodes", "cpg_edges")} == before
    # a second asset (another table) of the same commit reuses the shared upstream
    third = run_build(BuildRequest(str(repo), str(wh), cache_dir=cache, tables=["cpg_props"]))
    assert {r["node"]: r["cache"] for r in third.diagnostics["nodes"]}["resolved"] == "hit"


def test_new_commit_recomputes(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    wh, cache = tmp_path / "wh", str(tmp_path / "cache")
    run_build(BuildRequest(str(repo), str(wh), cache_dir=cache, tables=["cpg_nodes"]))
    write_files(repo, {"pkg/c.py": "def k():\n    return 3\n"})
    commit(repo, "add c")
    res = run_build(BuildRequest(str(repo), str(wh), cache_dir=cache, tables=["cpg_nodes"]))
    outcomes = {r["node"]: r["cache"] for r in res.diagnostics["nodes"]}
    assert outcomes["resolved"] == "miss"
    fresh = run_build(BuildRequest(str(repo), str(tmp_path / "wh2"), tables=["cpg_nodes"]))
    assert _rows(wh, "cpg_nodes") == _rows(tmp_path / "wh2", "cpg_nodes")
    assert fresh.diagnostics["cache_enabled"] is False


def test_cache_never_serves_another_stores_fragments(tmp_path: Path) -> None:
    """One Hamilton cache shared by builds whose fragments live elsewhere (another
    warehouse; a scratch folder deleted after its build): every build still reads
    fragments that exist, and writes the same rows."""
    repo = make_repo(tmp_path)
    cache = str(tmp_path / "cache")
    first = tmp_path / "wh1"
    run_build(BuildRequest(str(repo), str(first), cache_dir=cache))
    expected = {t: _rows(first, t) for t in ("cpg_nodes", "cpg_edges", "cpg_props_map")}
    shutil.rmtree(first)  # its fragments are gone with it
    for name, fragments in (("wh2", None), ("wh3", ""), ("wh4", "")):
        wh = tmp_path / name
        run_build(BuildRequest(str(repo), str(wh), cache_dir=cache, extract_cache_dir=fragments))
        assert {t: _rows(wh, t) for t in expected} == expected, name


def test_result_store_is_pruned_oldest_first(tmp_path: Path, monkeypatch) -> None:
    import os

    from codeanatomy_hamilton.runtime import caching

    results = tmp_path / "results"
    results.mkdir()
    for i in range(10):
        f = results / f"r{i}"
        f.write_bytes(b"x" * 1000)
        os.utime(f, (1000 + i, 1000 + i))
    assert caching.prune_results(str(results), 20_000) == 0  # under the limit
    # over 5,000 bytes: the oldest go until at most 4,000 remain
    assert caching.prune_results(str(results), 5_000) == 6
    assert sorted(p.name for p in results.iterdir()) == ["r6", "r7", "r8", "r9"]
    limit = Settings.from_env({"CODEANATOMY_CACHE_MAX_MB": "0.5"}).cache_max_bytes
    assert limit == 512 * 1024
    assert Settings.from_env({}).cache_max_bytes == 2048 * 1024 * 1024
    with pytest.raises(SettingsError, match="CODEANATOMY_CACHE_MAX_MB='lots'"):
        Settings.from_env({"CODEANATOMY_CACHE_MAX_MB": "lots"})


def test_evicted_results_are_recomputed(tmp_path: Path, monkeypatch) -> None:

    repo = make_repo(tmp_path)
    wh, cache = tmp_path / "wh", str(tmp_path / "cache")
    run_build(BuildRequest(str(repo), str(wh), cache_dir=cache))
    expected = {t: _rows(wh, t) for t in ("cpg_nodes", "cpg_edges")}
    # a limit of zero evicts every stored result when the next build opens the cache
    monkeypatch.setenv("CODEANATOMY_CACHE_MAX_MB", "0")
    second = run_build(BuildRequest(str(repo), str(wh), cache_dir=cache))
    outcomes = {r["node"]: r["cache"] for r in second.diagnostics["nodes"]}
    assert outcomes["resolved"] != "hit"
    assert {t: _rows(wh, t) for t in expected} == expected


def test_an_upgrade_is_never_served_the_old_code_s_results(tmp_path: Path, monkeypatch) -> None:
    """Hamilton keys a node on its own source, not on the code it calls: after an
    upgrade the old resolver's output, or the old engine's fragment folder, must not be
    served (the stale folder once made every build re-parse everything and would
    have served the old extraction's rows)."""
    import os

    from codeanatomy_hamilton.build import default_extract_cache_dir
    from codeanatomy_hamilton.incremental import planning as incremental
    from codeanatomy_hamilton.resolve import reuse as resolve_reuse
    from codeanatomy_hamilton.runtime import caching
    from codeanatomy_hamilton.runtime.nodes import incremental_nodes

    repo = make_repo(tmp_path)
    wh, cache = tmp_path / "wh", str(tmp_path / "cache")
    run_build(BuildRequest(str(repo), str(wh), cache_dir=cache))
    # a new version: new code, and code that shapes rows (a new engine fingerprint)
    monkeypatch.setattr(caching, "code_fingerprint", lambda: "upgraded")
    for module in (incremental, incremental_nodes, resolve_reuse):
        monkeypatch.setattr(module, "engine_fingerprint", lambda: "engine-v2")
    second = run_build(BuildRequest(str(repo), str(wh), cache_dir=cache, incremental=True))
    assert second.mode == "full"
    outcomes = {r["node"]: r["cache"] for r in second.diagnostics["nodes"]}
    assert outcomes["resolved"] != "hit" and outcomes["fragment_store"] != "hit"
    frags = Path(default_extract_cache_dir(str(wh)))
    assert os.listdir(frags) == ["engine-v2"]
    assert len(list(frags.rglob("*.frag"))) == second.file_count
    assert os.listdir(Path(cache) / "hamilton") == ["upgraded"]
