"""The store stage's memory bounds keep every row: the resolver's rows dropped from the
summaries come back from the fragments, and the by-destination edge copy streamed from
its compact sorted view is the same rows, in the same order, as a whole-table sort."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from codeanatomy_hamilton.core.schema import EDGE_SCHEMA
from codeanatomy_hamilton.emit import streams
from codeanatomy_hamilton.emit.rows import NodePaths
from codeanatomy_hamilton.extract.file import extract_file
from codeanatomy_hamilton.fragments.store import FileSummary, FragmentStore, read_section

SOURCES = {
    "pkg/a.py": "import os\nimport json\n\n\ndef f(x):\n    return os.path.join(json.dumps(x))\n",
    "pkg/b.py": "import os\n\n\ndef g(y):\n    print(os.sep, len(y))\n    return sorted(y)\n",
    "pkg/c.py": "from pkg.a import f\n\n\ndef h():\n    return f(1) + len(str(2))\n",
}


@pytest.fixture
def summaries(tmp_path: Path) -> list[FileSummary]:
    store = FragmentStore(str(tmp_path / "frags"), "r", "eng")
    return [
        store.put(f"{i:040x}", extract_file(path, src.encode()))
        for i, (path, src) in enumerate(sorted(SOURCES.items()))
    ]


def test_ordered_slices_are_the_sorted_table() -> None:
    rng = np.random.default_rng(7)
    n = 5000
    table = pa.table(
        {
            "a": rng.integers(-5, 5, n),  # many ties: the order among them must hold
            "k": pa.array([f"K{v}" for v in rng.integers(0, 3, n)]),
            "b": rng.integers(0, 4, n),
            "row": np.arange(n),
        }
    )
    keys = ["a", "k", "b"]
    ordered = streams.Ordered(table, keys)
    pieces = [ordered.slice(at, 777) for at in range(0, n, 777)]
    want = table.sort_by([(k, "ascending") for k in keys])
    assert pa.concat_tables(pieces).equals(want)
    assert ordered.keys.tolist() == want.column("a").to_pylist()


def test_released_summary_reads_its_rows_back(summaries: list[FileSummary]) -> None:
    s = summaries[0]
    facts = {name: b.to_pylist() for name, b in s.facts.items()}
    calls = s.calls.to_pylist()
    assert facts and calls
    s.release_resolver_rows()
    assert "facts" not in s.__dict__ and "calls" not in s.__dict__
    # read back from the fragment on first use
    assert {name: b.to_pylist() for name, b in s.facts.items()} == facts
    assert s.calls.to_pylist() == calls


def test_by_destination_stream_is_the_whole_sort(
    summaries: list[FileSummary], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Edges to EXTERNAL nodes (per file) and cross-file edges, with and without a
    path, come out as the old whole-table sort made them: path and origin included."""
    files = streams.by_id(summaries)
    src = [s.base + 1 for s in files]
    with_ext = [s for s in files if s.rows.get("xedges")]
    assert len(with_ext) >= 2
    ext = read_section(with_ext[0], "xedges").column("dst_id")[0].as_py()
    edges = pa.table(
        {
            "src_id": [src[2], src[0], src[1], src[1]],
            "dst_id": [src[0] + 3, ext, ext, files[2].base + 5],
            "kind": ["CALL", "CALL", "FLOW_ARG", "CALL"],
            "label": [None, "x", None, None],
            "index": pa.array([None, 1, None, 2], pa.int32()),
            "field": [None, None, "f", None],
            "variable": ["v", None, None, None],
        },
        schema=EDGE_SCHEMA,
    )
    cross = streams.with_path_origin(
        edges, NodePaths([s.path for s in files]).of(edges.column("src_id")), "xfile"
    )
    # one cross-file row whose path is unknown
    cross = pa.concat_tables(
        [cross, cross.slice(0, 1).set_column(7, "path", pa.array([None], pa.string()))]
    )
    parts = [streams.file_rows([s], "xedges") for s in files]
    keys = [("dst_id", "ascending"), ("kind", "ascending"), ("src_id", "ascending")]
    extra = pa.concat_tables([p for p in parts if p is not None] + [cross]).sort_by(keys)
    # small chunks: the EXTERNAL-bound rows below every file come in several pieces
    monkeypatch.setattr(streams, "CHUNK_ROWS", 3)
    got = streams._external_bound(files, cross, [k for k, _ in keys])
    rows = pa.concat_tables(got.slice(at, 3) for at in range(0, got.num_rows, 3))
    assert rows.num_rows == extra.num_rows > 8
    assert rows.equals(extra)
    stream = streams.sorted_edges_stream(files, cross, "dst_id", "r")
    out = pa.Table.from_batches(list(stream.reader()))
    assert out.column("dst_id").to_pylist() == sorted(out.column("dst_id").to_pylist())
    below = out.filter(pa.compute.less(out.column("dst_id"), 0))
    assert below.drop_columns(["repo"]).equals(
        extra.filter(pa.compute.less(extra.column("dst_id"), 0))
    )
