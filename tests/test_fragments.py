"""The per-file fragment store: round trip, unreadable entries, pruning, and builds that
use it as a scratch folder or as the extract cache."""

from __future__ import annotations

import json
import os
import re
import struct
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from codeanatomy_hamilton.core import ids
from codeanatomy_hamilton.core.schema import CPG_TABLES, EDGE_SCHEMA
from codeanatomy_hamilton.extract.fact_schemas import FACT_SCHEMAS
from codeanatomy_hamilton.extract.file import FileExtract, extract_file
from codeanatomy_hamilton.fragments.store import (
    CALL_SCHEMA,
    RESOLVE_CALL_COLUMNS,
    FileSummary,
    FragmentMissing,
    FragmentStore,
    read_section,
)
from tests.incremental_helpers import assert_same_cpg, build, init_repo, table_rows

PATH = "pkg/mod.py"
BLOB = "0123456789abcdef0123456789abcdef01234567"
# imports (EXTERNAL targets), a class with a method, calls resolved and unresolved
SOURCE = (
    b"import os\n"
    b"import json as js\n"
    b"from collections import OrderedDict\n\n\n"
    b"class Base:\n"
    b"    def run(self, x):\n"
    b"        return os.path.join(str(x), js.dumps(OrderedDict()))\n\n\n"
    b"class Child(Base):\n"
    b"    def run(self, x):\n"
    b"        return super().run(x) + helper(x)\n\n\n"
    b"def helper(n):\n"
    b"    total = 0\n"
    b"    for i in range(n):\n"
    b"        total += i\n"
    b"    return len(os.sep) + total\n"
)

REPO_FILES = {
    "pkg/__init__.py": "from .core import helper\n",
    "pkg/core.py": (
        "import os\n\n\nclass Base:\n    def run(self, x):\n        return helper(x)\n\n\n"
        "def helper(n):\n    return len(os.sep) + n\n"
    ),
    "pkg/child.py": (
        "from pkg.core import Base\n\n\nclass Child(Base):\n"
        "    def run(self, x):\n        return super().run(x) + 1\n"
    ),
    "main.py": "from pkg.child import Child\n\nprint(Child().run(2))\n",
    "broken.py": "def oops(:\n    pass\n",
}


def _store(root: Path, repo: str = "r", engine: str = "eng1") -> FragmentStore:
    return FragmentStore(str(root / "frags"), repo, engine)


def _rows(table: pa.Table | pa.RecordBatch) -> list[dict]:
    return table.to_pylist()


@pytest.fixture
def stored(tmp_path: Path) -> tuple[FragmentStore, FileExtract, FileSummary]:
    store = _store(tmp_path)
    fx = extract_file(PATH, SOURCE)
    return store, fx, store.put(BLOB, fx)


def test_put_then_summary_round_trip(stored: tuple[FragmentStore, FileExtract, FileSummary]):
    store, fx, put = stored
    assert not fx.errors
    assert put.fragment == store.file_for(PATH, BLOB)
    assert os.path.isfile(put.fragment)
    # nothing but the entry itself is left in the store (no temporary files)
    assert [p.name for p in Path(store.root).rglob("*") if p.is_file()] == [
        os.path.basename(put.fragment)
    ]
    loaded = store.summary(PATH, BLOB)
    assert loaded is not None
    assert loaded.fragment == put.fragment
    assert loaded.path == PATH
    assert loaded.module == "pkg.mod" == fx.module
    assert loaded.lines == fx.lines == SOURCE.count(b"\n")
    assert loaded.errors == []
    assert loaded.base == ids.file_base(PATH)

    # resolver facts come back batch for batch, cast to the fact schemas (so that
    # files concatenate without promotion); empty fact tables are left out
    nonempty = {name for name, b in fx.facts.items() if b.num_rows}
    assert nonempty and set(loaded.facts) == nonempty
    for name in nonempty:
        assert loaded.facts[name].schema == FACT_SCHEMAS[name], name
        assert loaded.facts[name].to_pylist() == fx.facts[name].to_pylist(), name

    # CALL nodes of the file, in node order, with the columns resolution reads only
    nodes = pa.Table.from_batches([fx.nodes])
    calls = nodes.filter(pc.equal(nodes.column("kind"), "CALL"))
    assert calls.num_rows >= 5
    assert loaded.calls.schema == CALL_SCHEMA
    assert _rows(loaded.calls) == _rows(calls.select(RESOLVE_CALL_COLUMNS))

    # EXTERNAL qualnames: distinct, sorted, those of the file's own edges
    names = {q for q in fx.xedges.column("dst_qualname").to_pylist() if q}
    assert names and loaded.externals == tuple(sorted(names))
    assert "builtins.len" in loaded.externals, loaded.externals

    # candidates for resolver props: every CLASS and CALL node is among them, and the
    # file props carried in the summary are exactly those of the candidates
    kinds = dict(
        zip(nodes.column("node_id").to_pylist(), nodes.column("kind").to_pylist(), strict=True)
    )
    cand = set(loaded.xprop_nodes.to_pylist())
    assert {n for n, k in kinds.items() if k in ("CLASS", "CALL")} <= cand
    props = pa.Table.from_batches([fx.props])
    expected_xprops = props.filter(pc.is_in(props.column("node_id"), value_set=loaded.xprop_nodes))
    assert _rows(loaded.xprops) == _rows(expected_xprops)

    # row counts per section match the extract
    assert loaded.rows == {
        "nodes": fx.nodes.num_rows,
        "edges": fx.edges.num_rows,
        "xedges": fx.xedges.num_rows,
        "props": fx.props.num_rows,
    }
    assert put.rows == loaded.rows


def test_read_section_returns_the_extract_rows(
    stored: tuple[FragmentStore, FileExtract, FileSummary],
):
    store, fx, _ = stored
    loaded = store.summary(PATH, BLOB)
    assert loaded is not None
    for section, batch in (("nodes", fx.nodes), ("edges", fx.edges), ("props", fx.props)):
        got = read_section(loaded, section)
        assert got.schema.equals(batch.schema), section
        assert got.num_rows == loaded.rows[section]
        assert _rows(got) == _rows(batch), section

    # edges to EXTERNAL nodes come back as edges whose destination is the (negative)
    # id derived from the qualname; everything else is the xedge row
    xedges = read_section(loaded, "xedges")
    assert xedges.schema.equals(EDGE_SCHEMA)
    assert xedges.num_rows == fx.xedges.num_rows > 0
    want = fx.xedges.to_pylist()
    got = xedges.to_pylist()
    for g, w in zip(got, want, strict=True):
        assert g["dst_id"] < 0
        assert g["dst_id"] == ids.external_id(w["dst_qualname"])
        assert g["field"] is None
        for col in ("src_id", "kind", "label", "index", "variable"):
            assert g[col] == w[col], col
    lo, hi = ids.file_range(PATH)
    assert all(lo <= g["src_id"] < hi for g in got)


def test_summary_of_other_keys_is_a_miss(stored: tuple[FragmentStore, FileExtract, FileSummary]):
    store, _, _ = stored
    assert store.summary(PATH, "f" * 40) is None
    assert store.summary("pkg/other.py", BLOB) is None
    assert FragmentStore(store.base, "other-repo", "eng1").summary(PATH, BLOB) is None
    assert FragmentStore(store.base, "r", "eng2").summary(PATH, BLOB) is None


def _header(data: bytes) -> tuple[int, dict[str, list[int]]]:
    magic, length, _ = struct.unpack("<4sQI", data[:16])
    assert magic == b"CAF3"
    return 16 + length, json.loads(data[16 : 16 + length])["sections"]


def _corrupt(data: bytes, how: str) -> bytes:
    offset, header = _header(data)
    start, length, _ = header["summary"]
    if how == "garbage":
        return bytes((b * 7 + 13) % 256 for b in data)
    if how == "bad_magic":
        return b"XXXX" + data[4:]
    if how == "bad_header":
        return data[:16] + b"{" * (offset - 16) + data[offset:]
    if how == "header_cut":
        return data[: 16 + (offset - 16) // 2]
    if how == "summary_cut":
        return data[: offset + start + length // 2]
    if how == "summary_garbled":
        # a pickle opcode stream that is not a summary: loads fails or gives a non-summary
        junk = b"not a pickle at all"
        body = junk + b"\0" * (length - len(junk))
        return data[: offset + start] + body + data[offset + start + length :]
    if how == "sections_cut":
        # the summary is intact, the table sections after it are cut short
        return data[:-40]
    if how == "empty":
        return b""
    if how == "head_cut":
        return data[:7]
    raise AssertionError(how)


@pytest.mark.parametrize(
    "how",
    [
        "garbage",
        "bad_magic",
        "bad_header",
        "header_cut",
        "summary_cut",
        "summary_garbled",
        "sections_cut",
        "empty",
        "head_cut",
    ],
)
def test_unreadable_fragment_is_a_miss(
    stored: tuple[FragmentStore, FileExtract, FileSummary], how: str
):
    store, fx, put = stored
    data = Path(put.fragment).read_bytes()
    Path(put.fragment).write_bytes(_corrupt(data, how))
    assert store.summary(PATH, BLOB) is None
    # storing the file again repairs the entry
    again = store.put(BLOB, fx)
    assert again.fragment == put.fragment
    loaded = store.summary(PATH, BLOB)
    assert loaded is not None and loaded.rows == put.rows
    assert _rows(read_section(loaded, "nodes")) == _rows(fx.nodes)


def test_prune_keeps_the_given_entries(tmp_path: Path):
    store = _store(tmp_path)
    sources = {
        "a.py": b"def a():\n    return 1\n",
        "b.py": b"def b():\n    return 2\n",
        "c.py": b"import os\nX = os.sep\n",
    }
    for path, data in sources.items():
        store.put(f"blob-{path}", extract_file(path, data))
    # an older blob of a.py, no longer in the tree
    store.put("blob-a-old", extract_file("a.py", b"def a():\n    return 0\n"))
    # another repo under the same engine, and an entry of an older engine
    other_repo = _store(tmp_path, repo="other")
    other_entry = other_repo.put("blob-x", extract_file("x.py", b"x = 1\n")).fragment
    old_engine = _store(tmp_path, engine="eng0")
    old_engine.put("blob-a.py", extract_file("a.py", sources["a.py"]))

    keep = [store.summary(p, f"blob-{p}") for p in ("a.py", "c.py")]
    assert all(s is not None for s in keep)
    removed = store.prune([s for s in keep if s is not None])
    assert removed == 2  # b.py, and the old blob of a.py
    assert store.summary("b.py", "blob-b.py") is None
    assert store.summary("a.py", "blob-a-old") is None
    for s in keep:
        assert s is not None and os.path.isfile(s.fragment)
        assert store.summary(s.path, f"blob-{s.path}") is not None
        assert read_section(s, "nodes").num_rows == s.rows["nodes"]
    # other engines' folders go whole; other repos of this engine are left alone
    assert not os.path.exists(old_engine.engine_dir)
    assert sorted(os.listdir(store.base)) == ["eng1"]
    assert os.path.isfile(other_entry)
    assert other_repo.summary("x.py", "blob-x") is not None
    # pruning again with the same set removes nothing
    assert store.prune([s for s in keep if s is not None]) == 0


def test_prune_of_an_empty_store(tmp_path: Path):
    store = _store(tmp_path)
    assert store.prune([]) == 0
    FragmentStore(store.base, "r", "eng0").put("b", extract_file("a.py", b"a = 1\n"))
    assert store.prune([]) == 0
    assert not os.path.exists(os.path.join(store.base, "eng0"))


def test_read_section_of_a_deleted_fragment(
    stored: tuple[FragmentStore, FileExtract, FileSummary],
):
    store, _, _ = stored
    loaded = store.summary(PATH, BLOB)
    assert loaded is not None
    os.remove(loaded.fragment)
    with pytest.raises(FragmentMissing, match=re.escape(PATH)) as info:
        read_section(loaded, "edges")
    assert "run the build again" in str(info.value)
    assert store.summary(PATH, BLOB) is None


def _cache_entries(warehouse: Path) -> list[Path]:
    return sorted((warehouse / ".codeanatomy").rglob("*.frag"))


def test_build_without_cache_leaves_no_scratch(tmp_path: Path):
    repo = tmp_path / "repo"
    init_repo(repo, REPO_FILES)
    scratch_wh, default_wh = tmp_path / "scratch", tmp_path / "default"
    res = build(repo, scratch_wh, extract_cache_dir="")
    assert res.records["batch_extract"].rows == len(REPO_FILES)
    codeanatomy = scratch_wh / ".codeanatomy"
    leftovers = [p.name for p in codeanatomy.iterdir()] if codeanatomy.is_dir() else []
    assert not any(n.startswith("fragments-") for n in leftovers), leftovers
    assert "extract-cache" not in leftovers
    assert _cache_entries(scratch_wh) == []

    build(repo, default_wh)
    assert len(_cache_entries(default_wh)) == len(REPO_FILES)
    assert_same_cpg(scratch_wh, default_wh)


def test_second_build_parses_nothing(tmp_path: Path):
    repo = tmp_path / "repo"
    init_repo(repo, REPO_FILES)
    wh = tmp_path / "wh"
    first = build(repo, wh)
    assert first.records["batch_extract"].rows == len(REPO_FILES)
    assert first.records["cached_extracts"].rows == 0
    entries = _cache_entries(wh)
    assert len(entries) == len(REPO_FILES)
    before = {name: table_rows(wh, name) for name in CPG_TABLES}

    second = build(repo, wh)
    assert second.mode == "full"
    assert second.records["batch_extract"].rows == 0
    assert second.records["cached_extracts"].rows == len(REPO_FILES)
    diag = {r["node"]: r["rows"] for r in second.diagnostics["nodes"]}
    assert diag["batch_extract"] == 0 and diag["file_extracts"] == len(REPO_FILES)
    assert second.file_count == first.file_count
    assert second.error_count == first.error_count > 0  # broken.py, served from the cache
    # the same entries serve it, and it writes the same rows
    assert _cache_entries(wh) == entries
    assert {name: table_rows(wh, name) for name in CPG_TABLES} == before


def test_build_with_truncated_fragments_reparses(tmp_path: Path):
    repo = tmp_path / "repo"
    init_repo(repo, REPO_FILES)
    wh, fresh = tmp_path / "wh", tmp_path / "fresh"
    build(repo, wh)
    for entry in _cache_entries(wh):
        data = entry.read_bytes()
        entry.write_bytes(data[:-40])
    again = build(repo, wh)
    assert again.records["batch_extract"].rows == len(REPO_FILES)
    build(repo, fresh)
    assert_same_cpg(wh, fresh)


def test_prune_spares_entries_used_recently(tmp_path: Path) -> None:
    """With a grace period, entries another build may still read stay; older ones go."""
    store = FragmentStore(str(tmp_path / "frags"), "r", "engine")
    old = store.put("sha-old", extract_file("m.py", b"x = 1\n"))
    new = store.put("sha-new", extract_file("m.py", b"x = 2\n"))
    assert store.prune([new], grace_s=3600) == 0  # just written: in use
    past = time.time() - 7200
    os.utime(old.fragment, (past, past))
    assert store.prune([new], grace_s=3600) == 1
    assert not os.path.exists(old.fragment) and os.path.exists(new.fragment)
    # a cache hit refreshes the entry's time
    os.utime(new.fragment, (past, past))
    assert store.summary("m.py", "sha-new") is not None
    assert store.prune([], grace_s=3600) == 0
