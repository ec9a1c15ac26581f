"""Every documented ``extract_errors.error_kind`` from a real file, in a real build: the
file gets its error row (and a MODULE node), and every other file is analysed as usual.
Also the other documented paths: the points-to fact budget (resolution stops widening
and says so), a node that fails (``NodeExecutionError`` names it), and a Hamilton UI
that is down (one warning, the build goes on)."""

from __future__ import annotations

import logging
import socket
from importlib.util import find_spec
from pathlib import Path

import pyarrow.compute as pc
import pytest
from deltalake import DeltaTable
from deltalake.exceptions import DeltaError

from codeanatomy_hamilton.build import BuildRequest, run_build
from codeanatomy_hamilton.core import ids
from codeanatomy_hamilton.extract.file import extract_file
from codeanatomy_hamilton.resolve.points_to import core
from codeanatomy_hamilton.runtime.hooks import NodeExecutionError
from tests.incremental_helpers import build, git, init_repo
from tests.resolve_helpers import resolve_sources

GOOD = "def good():\n    return len([1])\n"
# (file bytes, the error kind they must give); each is the real cause, not a stand-in
BAD_FILES: dict[str, tuple[bytes, str]] = {
    # ``ast.parse`` raises MemoryError: the parser's stack overflows
    "parse_memory.py": (b"x = " + b"-" * 200_000 + b"1\n", "parse_error"),
    # decoded text with a lone surrogate: ``ast.parse`` raises UnicodeEncodeError
    "parse_surrogate.py": (b"# coding: raw_unicode_escape\nx = '\\ud800'\n", "parse_error"),
    # ``ast.parse`` raises RecursionError building the tree
    "too_deep.py": (b"x = a" + b".b" * 30_000 + b"\n", "too_deep"),
    # parses, but the flow, facts and value-flow passes recurse past the limit: the file
    # keeps its AST and the other passes' rows
    "pass_error.py": (b"x = a" + b".b" * 3_000 + b"\n", "pass_error"),
    "unknown_encoding.py": (b"# coding: no-such-codec\nx = 1\n", "unknown_encoding"),
    # bytes the declared encoding cannot decode
    "decode_cookie.py": (b"# coding: ascii\nx = '\xc3\xa9'\n", "decode_error"),
    # invalid UTF-8 on the first line and no cookie
    "decode_first_line.py": (b"x = '\xff\xfe'\n", "decode_error"),
}


# the passes that recurse past the limit on pass_error.py: flow, facts, valueflow
PASSES_PAST_THE_LIMIT = 3


def _write(repo: Path) -> None:
    init_repo(repo, {"good.py": GOOD})
    for path, (data, _) in BAD_FILES.items():
        (repo / path).write_bytes(data)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "bad files")


@pytest.mark.parametrize("path", sorted(BAD_FILES))
def test_error_kind_of_one_file(path: str) -> None:
    data, kind = BAD_FILES[path]
    fx = extract_file(path, data)
    assert [e.error_kind for e in fx.errors] == (
        [kind] * PASSES_PAST_THE_LIMIT if kind == "pass_error" else [kind]
    ), fx.errors
    kinds = fx.nodes.column("kind").to_pylist()
    assert kinds.count("MODULE") == 1
    if kind == "pass_error":
        messages = " ".join(e.message for e in fx.errors)
        assert "flow pass failed: RecursionError" in messages
        assert "facts pass failed: RecursionError" in messages
        assert "valueflow pass failed: RecursionError" in messages
        assert len(kinds) > 3000  # the AST pass's rows are kept
    else:
        assert kinds == ["MODULE"]


def test_every_error_kind_in_one_build(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    _write(repo)
    result = run_build(BuildRequest(str(repo), str(tmp_path / "wh"), repo_id="r"))
    errors = DeltaTable(str(tmp_path / "wh" / "extract_errors")).to_pyarrow_table()
    got = sorted(
        zip(errors.column("path").to_pylist(), errors.column("error_kind").to_pylist(), strict=True)
    )
    want = sorted(
        (path, kind)
        for path, (_, kind) in BAD_FILES.items()
        for _ in range(PASSES_PAST_THE_LIMIT if kind == "pass_error" else 1)
    )
    assert got == want
    assert result.error_count == len(want)
    # the good file is analysed as usual
    nodes = DeltaTable(str(tmp_path / "wh" / "cpg_nodes")).to_pyarrow_table()
    good = nodes.filter(pc.equal(nodes.column("path"), "good.py"))
    assert "good.good" in good.column("qualname").to_pylist()


def test_too_large_file(monkeypatch: pytest.MonkeyPatch) -> None:
    # more nodes than a node id can address: 2**23 is ~100 MB of source, so the cap is
    # lowered; the file is real and the check is the one extraction runs
    src = b"".join(b"x%d = %d\n" % (i, i) for i in range(40))
    assert not extract_file("ok.py", src).errors
    monkeypatch.setattr(ids, "MAX_ORDINAL", 100)
    fx = extract_file("big.py", src)
    assert [e.error_kind for e in fx.errors] == ["too_large"]
    assert fx.nodes.column("kind").to_pylist() == ["MODULE"]
    assert fx.edges.num_rows == 0 and fx.props.num_rows == 0


FANOUT = {
    "lib.py": "".join(f"def h{i}():\n    return {i}\n\n" for i in range(30))
    + "def apply(fn):\n    return fn()\n",
    "main.py": "from lib import *\n" + "".join(f"apply(h{i})\n" for i in range(30)),
}


def test_points_to_budget_stops_widening(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    _, full = resolve_sources(FANOUT)
    assert full.stats["resolution_truncated"] == 0 and not full.warnings
    monkeypatch.setattr(core, "FACT_BUDGET", 10)
    with caplog.at_level(logging.WARNING):
        _, cut = resolve_sources(FANOUT)
    assert cut.stats["points_to_budget_hit"] == 1
    assert cut.stats["resolution_truncated"] == 1
    assert any("budget of 10 points-to facts" in w for w in cut.warnings)
    assert any("points-to budget of 10 facts" in r.getMessage() for r in caplog.records)

    def calls(out) -> set[tuple[int, int]]:
        e = out.edges.filter(pc.equal(out.edges.column("kind"), "CALL"))
        return set(zip(e.column("src_id").to_pylist(), e.column("dst_id").to_pylist(), strict=True))

    # what is known when the budget is hit is kept: fewer CALL edges, none new
    assert calls(cut) < calls(full)


def test_a_failing_node_is_named(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    init_repo(repo, {"a.py": "x = 1\n"})
    wh = tmp_path / "wh"
    # a Delta log without metadata: opening the table fails inside its write node
    log_dir = wh / "cpg_edges" / "_delta_log"
    log_dir.mkdir(parents=True)
    (log_dir / "00000000000000000000.json").write_text('{"garbage": 1}\n')
    with pytest.raises(NodeExecutionError, match="'cpg_edges_written' failed: DeltaError") as err:
        build(repo, wh)
    assert err.value.node == "cpg_edges_written"
    assert isinstance(err.value.__cause__, DeltaError)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_hamilton_ui_that_is_down_does_not_fail_the_build(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    repo = tmp_path / "repo"
    init_repo(repo, {"a.py": "def f():\n    return 1\n"})
    url = f"http://127.0.0.1:{_closed_port()}"
    with caplog.at_level(logging.WARNING, logger="codeanatomy_hamilton.runtime.tracking"):
        result = build(repo, tmp_path / "wh", hamilton_ui=url)
    assert result.writes["cpg_nodes"].rows > 0
    warned = [r.getMessage() for r in caplog.records if url in r.getMessage()]
    # with the SDK (the ``ui`` extra) the tracker tried to connect; without it, the
    # build says the extra is missing
    expect = "is not reachable" if find_spec("hamilton_sdk") else "is not installed"
    assert len(warned) == 1 and expect in warned[0], warned
