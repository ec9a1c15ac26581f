"""Delta layout of the contract tables: partition columns, id clustering of the sorted
tables, the id ranges of file and EXTERNAL nodes, and migration of tables written with
the older (repo-only) partition layout."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from deltalake import DeltaTable, write_deltalake

from codeanatomy_hamilton.core import ids
from codeanatomy_hamilton.core.schema import (
    ALL_TABLES,
    CPG_TABLES,
    LAYOUT_KEYS,
    ORIGIN_TABLES,
    partition_columns,
)
from codeanatomy_hamilton.emit import streams
from codeanatomy_hamilton.store import delta as store
from tests.incremental_helpers import build, commit, init_repo

ORIGIN_LAYOUT = ["repo", "origin"]


def _big_module(n: int, tag: int) -> str:
    """``n`` functions with branches, loops and calls (a few hundred edges each)."""
    out = ["import os\nfrom pkg import util\n\n\n"]
    for i in range(n):
        out.append(
            f"def f{i}(x, y={tag}):\n"
            f"    if x > {i}:\n"
            "        y = util.helper(x) + os.getpid()\n"
            "    for k in range(x):\n"
            f"        y += k * {i}\n"
            f"    return f{max(i - 1, 0)}(y) if y else len(str(y))\n\n\n"
        )
    out.append(
        "class Box(util.Base):\n"
        "    def get(self):\n        return self.put(1)\n\n"
        "    def put(self, v):\n        return super().run(v)\n"
    )
    return "".join(out)


FILES = {
    "pkg/__init__.py": "",
    "pkg/util.py": (
        "class Base:\n    def run(self, v):\n        return v\n\n\n"
        "def helper(x):\n    return Base().run(x)\n"
    ),
    "pkg/big_a.py": _big_module(40, 1),
    "pkg/big_b.py": _big_module(40, 2),
    "pkg/sub/big_c.py": _big_module(25, 3),
    "main.py": "from pkg import big_a\nfrom pkg.sub import big_c\n\nprint(big_a.f3(2), big_c.f1(1))\n",
}
# the tables whose rows the stream writes globally sorted by their key (``streams``)
SORTED_TABLES = ["cpg_nodes", "cpg_props_map", "cpg_edges_by_src", "cpg_edges_by_dst"]
# Delta files of a few KB, and stream chunks of a few files, so a small repo's tables
# span several data files and several merged chunks (what a large repo gets by default);
SMALL_FILE_BYTES = 1024
SMALL_CHUNK_ROWS = 3000
SMALL_BATCH_ROWS = 2048


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("layout") / "repo"
    init_repo(path, FILES)
    return path


@pytest.fixture(scope="module")
def warehouse(repo: Path) -> Path:
    wh = repo.parent / "wh"
    res = build(repo, wh)
    assert res.mode == "full" and res.error_count == 0
    assert res.writes["cpg_edges"].rows > 5000
    return wh


@pytest.fixture(scope="module")
def small_files_warehouse(repo: Path) -> Iterator[Path]:
    """A warehouse written with small Delta files, stream chunks and record batches, as
    a large repo gets them at the default sizes."""
    wh = repo.parent / "wh-small"
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(store, "TARGET_FILE_BYTES", SMALL_FILE_BYTES)
        mp.setattr(streams, "CHUNK_ROWS", SMALL_CHUNK_ROWS)
        mp.setattr(streams, "BATCH_ROWS", SMALL_BATCH_ROWS)
        build(repo, wh)
    yield wh


def _file_partition(wh: Path, name: str) -> list[dict]:
    """Add actions of the repo's origin='file' partition, in log order."""
    actions = pa.table(DeltaTable(str(wh / name)).get_add_actions(flatten=True)).to_pylist()
    return [a for a in actions if a["partition.repo"] == "r" and a["partition.origin"] == "file"]


def _depth(ranges: list[tuple[int, int]]) -> int:
    """The most data files whose [min, max] key range holds one file's lowest key."""
    return max(sum(1 for a, b in ranges if a <= lo <= b) for lo, _ in ranges)


def _key_ranges(path: Path, key: str) -> list[tuple[int, int]]:
    actions = pa.table(DeltaTable(str(path)).get_add_actions(flatten=True)).to_pylist()
    return sorted((a[f"min.{key}"], a[f"max.{key}"]) for a in actions)


def _sorted_write_depth(wh: Path, name: str, batch_rows: int, file_bytes: int) -> int:
    """The depth the Delta writer gives these very rows when they come perfectly sorted,
    in batches of ``batch_rows``, into files of ``file_bytes``: how far its concurrent
    per-core writers interleave neighbouring batches on this machine (a control, so the
    bound below does not have to guess the writer's concurrency from the core count)."""
    key = LAYOUT_KEYS[name]
    rows = DeltaTable(str(wh / name)).to_pyarrow_table(
        filters=[("repo", "=", "r"), ("origin", "=", "file")]
    )
    control = wh.parent / f"control-{wh.name}-{name}"
    write_deltalake(
        str(control),
        rows.sort_by(key).to_reader(max_chunksize=batch_rows),
        target_file_size=file_bytes,
    )
    return _depth(_key_ranges(control, key))


def _check_clustered(
    wh: Path,
    name: str,
    min_files: int = 1,
    batch_rows: int = streams.BATCH_ROWS,
    file_bytes: int = store.TARGET_FILE_BYTES,
) -> None:
    """The data files of the file partition cover narrow key ranges: the stream is in key
    order, so its files overlap no more than the files of the same rows written sorted
    (the writer interleaves neighbouring batches across its per-core writers), give or
    take the files on either side of a boundary."""
    key = LAYOUT_KEYS[name]
    actions = _file_partition(wh, name)
    assert len(actions) >= min_files, (name, len(actions))
    ranges = sorted((a[f"min.{key}"], a[f"max.{key}"]) for a in actions)
    allowed = _sorted_write_depth(wh, name, batch_rows, file_bytes) + 2
    assert _depth(ranges) <= allowed, f"{name}: depth {_depth(ranges)} > {allowed}: {ranges}"
    total = 0
    for a in actions:
        keys = pq.read_table(wh / name / a["path"], columns=[key]).column(key).to_numpy()
        total += len(keys)
        assert len(keys) == a["num_records"]
        assert keys.min() == a[f"min.{key}"] and keys.max() == a[f"max.{key}"]
    dt = DeltaTable(str(wh / name))
    want = dt.to_pyarrow_table(
        columns=[key], filters=[("repo", "=", "r"), ("origin", "=", "file")]
    ).num_rows
    assert total == want


def test_partition_columns(warehouse: Path):
    for name in ALL_TABLES:
        cols = list(DeltaTable(str(warehouse / name)).metadata().partition_columns)
        assert cols == partition_columns(name), name
        assert cols == (ORIGIN_LAYOUT if name in ORIGIN_TABLES else ["repo"]), name
    assert set(ORIGIN_TABLES) == {
        "cpg_nodes",
        "cpg_edges",
        "cpg_props",
        "cpg_props_map",
        "cpg_edges_by_src",
        "cpg_edges_by_dst",
    }
    # both origins are present, and no other value
    for name in ORIGIN_TABLES:
        t = DeltaTable(str(warehouse / name)).to_pyarrow_table(columns=["origin"])
        assert set(t.column("origin").to_pylist()) == {"file", "xfile"}, name


@pytest.mark.parametrize("name", SORTED_TABLES)
def test_sorted_tables_are_clustered(warehouse: Path, name: str):
    _check_clustered(warehouse, name)


@pytest.mark.parametrize("name", SORTED_TABLES)
def test_sorted_tables_are_clustered_across_files(small_files_warehouse: Path, name: str):
    _check_clustered(
        small_files_warehouse,
        name,
        min_files=2,
        batch_rows=SMALL_BATCH_ROWS,
        file_bytes=SMALL_FILE_BYTES,
    )


def test_small_files_hold_the_same_rows(warehouse: Path, small_files_warehouse: Path):
    for name in CPG_TABLES:
        a = DeltaTable(str(warehouse / name)).to_pyarrow_table()
        b = DeltaTable(str(small_files_warehouse / name)).to_pyarrow_table()
        assert a.num_rows == b.num_rows, name
        if name in LAYOUT_KEYS:
            key = LAYOUT_KEYS[name]
            assert sorted(a.column(key).to_pylist()) == sorted(b.column(key).to_pylist())


def test_node_ids(warehouse: Path):
    nodes = DeltaTable(str(warehouse / "cpg_nodes")).to_pyarrow_table(
        columns=["node_id", "kind", "path", "qualname", "origin"]
    )
    ext = nodes.filter(pc.equal(nodes.column("kind"), "EXTERNAL"))
    assert ext.num_rows > 0
    for row in ext.to_pylist():
        assert row["node_id"] < 0, row
        assert row["node_id"] == ids.external_id(row["qualname"]), row
        assert row["origin"] == "xfile" and row["path"] is None, row
    local = nodes.filter(pc.not_equal(nodes.column("kind"), "EXTERNAL"))
    assert pc.all(pc.is_valid(local.column("path"))).as_py()
    assert set(local.column("origin").to_pylist()) == {"file"}
    paths = set(local.column("path").to_pylist())
    assert paths == set(FILES)
    for path in paths:
        lo, hi = ids.file_range(path)
        these = local.filter(pc.equal(local.column("path"), path)).column("node_id")
        mm = pc.min_max(these).as_py()
        assert lo <= mm["min"] and mm["max"] < hi, path
        assert lo >= 0
    # node ids are unique, and every edge end is a node; edges to negative ids go to
    # EXTERNAL nodes
    all_ids = nodes.column("node_id")
    assert pc.count_distinct(all_ids).as_py() == nodes.num_rows
    edges = DeltaTable(str(warehouse / "cpg_edges")).to_pyarrow_table(columns=["src_id", "dst_id"])
    for col in ("src_id", "dst_id"):
        assert pc.all(pc.is_in(edges.column(col), value_set=all_ids)).as_py(), col
    neg = pc.filter(edges.column("dst_id"), pc.less(edges.column("dst_id"), 0))
    assert len(neg) > 0
    assert pc.all(pc.is_in(neg, value_set=ext.column("node_id"))).as_py()
    assert pc.min(edges.column("src_id")).as_py() >= 0


def _other_rows(table: pa.Table) -> pa.Table:
    """The same rows under another repo id."""
    i = table.schema.get_field_index("repo")
    return table.set_column(i, table.schema.field(i), pa.repeat(pa.scalar("other"), len(table)))


def _to_old_layout(wh: Path, name: str, drop: list[str]) -> pa.Table:
    """Rewrite a table partitioned by repo only, with the repo "other" added (the same
    rows), without the ``drop`` columns; returns the "other" rows."""
    current = DeltaTable(str(wh / name)).to_pyarrow_table().cast(CPG_TABLES[name])
    both = pa.concat_tables([current, _other_rows(current)]).drop_columns(drop)
    write_deltalake(
        str(wh / name), both, mode="overwrite", partition_by=["repo"], schema_mode="overwrite"
    )
    assert list(DeltaTable(str(wh / name)).metadata().partition_columns) == ["repo"]
    return both.filter(pc.equal(both.column("repo"), "other"))


def _canon_rows(table: pa.Table, columns: list[str]) -> list[str]:
    return sorted(repr(r) for r in table.select(columns).to_pylist())


def _repo_rows(wh: Path, name: str, repo_id: str) -> pa.Table:
    return DeltaTable(str(wh / name)).to_pyarrow_table(filters=[("repo", "=", repo_id)])


@pytest.mark.parametrize("old", ["contract-schema", "before-origin"])
def test_old_layout_is_rewritten_by_a_full_build(tmp_path: Path, old: str):
    repo = tmp_path / "repo"
    init_repo(
        repo,
        {
            "a.py": "import os\n\n\ndef f(x):\n    return os.getpid() + x\n",
            "b.py": "from a import f\n\n\nclass K:\n    def m(self):\n        return f(1)\n",
        },
    )
    wh = tmp_path / "wh"
    assert build(repo, wh, incremental=True).mode == "full"
    others: dict[str, tuple[pa.Table, list[str]]] = {}
    for name in CPG_TABLES:
        drop = []
        if old == "before-origin" and name in ORIGIN_TABLES:
            drop = ["origin"] if name == "cpg_nodes" else ["path", "origin"]
        others[name] = (_to_old_layout(wh, name, drop), drop)

    commit(repo, {"a.py": "import os\n\n\ndef f(x):\n    return os.getpid() - x\n"})
    result = build(repo, wh, incremental=True)
    assert result.mode == "full"
    manifest = DeltaTable(str(wh / "run_manifest")).to_pyarrow_table().to_pylist()
    last = max((r for r in manifest if r["repo"] == "r"), key=lambda r: r["ended_at"])
    assert last["run_id"] == result.run_id
    assert last["mode"] == "full"
    assert last["reason"] and "predates the incremental layout" in last["reason"]

    fresh = tmp_path / "fresh"
    build(repo, fresh)
    for name in CPG_TABLES:
        dt = DeltaTable(str(wh / name))
        assert list(dt.metadata().partition_columns) == partition_columns(name), name
        assert {f.name for f in dt.schema().fields} == set(CPG_TABLES[name].names), name
        # the other repo's rows are carried over; columns it lacked are null
        old_rows, drop = others[name]
        kept = _repo_rows(wh, name, "other")
        assert _canon_rows(kept, old_rows.column_names) == _canon_rows(
            old_rows, old_rows.column_names
        ), name
        for col in drop:
            assert kept.column(col).null_count == kept.num_rows, (name, col)
        # and this repo's rows are those of a full build into a fresh warehouse
        cols = list(CPG_TABLES[name].names)
        assert _canon_rows(_repo_rows(wh, name, "r"), cols) == _canon_rows(
            _repo_rows(fresh, name, "r"), cols
        ), name

    # the next build is incremental again, and still leaves the other repo alone
    commit(repo, {"b.py": "from a import f\n\n\nclass K:\n    def m(self):\n        return f(2)\n"})
    again = build(repo, wh, incremental=True)
    assert again.mode == "incremental"
    for name in CPG_TABLES:
        old_rows, _ = others[name]
        kept = _repo_rows(wh, name, "other")
        assert _canon_rows(kept, old_rows.column_names) == _canon_rows(
            old_rows, old_rows.column_names
        ), name
