"""Hostile input (issue 20, items 1-10): nothing in a repository runs, escapes the
warehouse, or crashes a build; every file that cannot be analysed is one
``extract_errors`` row."""

from __future__ import annotations

import ast
import os
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from deltalake import DeltaTable

from codeanatomy_hamilton.build import BuildRequest, run_build
from codeanatomy_hamilton.core import ids
from codeanatomy_hamilton.extract.file import extract_file
from codeanatomy_hamilton.extract.source import decode_source
from codeanatomy_hamilton.scan.gitsync import sync_clone
from codeanatomy_hamilton.scan.snapshot import scan_repo

from .conftest import git, make_git_repo, write_files

CLI = str(Path(sys.executable).with_name("codeanatomy"))
ROOT = Path(__file__).resolve().parent.parent


def rows(warehouse: Path, table: str) -> list[dict]:
    return DeltaTable(str(warehouse / table)).to_pyarrow_table().to_pylist()


def errors(warehouse: Path) -> dict[str, tuple[str, str]]:
    return {r["path"]: (r["error_kind"], r["message"]) for r in rows(warehouse, "extract_errors")}


def cli(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [CLI, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **(env or {})},
    )


# -- 1: worker processes never import the analysed code ------------------------------


def shadow(marker: Path, name: str) -> str:
    """A module named ``name`` that records its import in ``marker`` and then hands
    over to the real module, so a build that imports it still works (and only the
    marker tells)."""
    return (
        "import os, sys\n"
        f"with open({str(marker)!r}, 'a') as fh:\n"
        f"    fh.write('{name} imported in pid %d\\n' % os.getpid())\n"
        "_here = os.path.dirname(os.path.abspath(__file__))\n"
        f"if {name!r} == 'multiprocessing':\n"
        "    _here = os.path.dirname(_here)\n"
        "sys.path[:] = [p for p in sys.path if os.path.abspath(p or '.') != _here]\n"
        f"del sys.modules[{name!r}]\n"
        f"import {name} as _real\n"
        f"sys.modules[{name!r}] = _real\n"
    )


def shadowing_files(marker: Path) -> dict[str, str]:
    return {
        "numpy.py": shadow(marker, "numpy"),
        "pyarrow.py": shadow(marker, "pyarrow"),
        "multiprocessing/__init__.py": shadow(marker, "multiprocessing"),
        "app.py": "import numpy\nimport multiprocessing\n",
    }


@pytest.mark.parametrize("kind", ["git", "plain"])
def test_workers_never_import_the_repository(tmp_path: Path, kind: str) -> None:
    marker = tmp_path / "imported.txt"
    repo = tmp_path / "repo"
    files = {**shadowing_files(marker), **{f"m{i}.py": f"x = {i}\n" for i in range(6)}}
    if kind == "git":
        make_git_repo(repo, files)
    else:
        write_files(repo, files)
    wh = tmp_path / "wh"
    proc = cli("build", ".", "--warehouse", str(wh), "--workers", "2", cwd=repo)
    assert proc.returncode == 0, proc.stderr
    assert not marker.exists(), marker.read_text()
    assert {r["path"] for r in rows(wh, "file_index")} >= {"numpy.py", "app.py"}


def test_dask_local_workers_never_import_the_repository(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("dask.distributed")
    marker = tmp_path / "imported.txt"
    repo = tmp_path / "repo"
    make_git_repo(repo, shadowing_files(marker))
    monkeypatch.chdir(repo)
    monkeypatch.syspath_prepend("")  # what ``python -c`` / ``python -m`` do
    res = run_build(
        BuildRequest(".", str(tmp_path / "wh"), repo_id="r", workers=2, executor="dask")
    )
    assert res.file_count == 4
    assert not marker.exists(), marker.read_text()
    assert "" in sys.path  # the driver's own sys.path is restored


# -- 2: repo ids are safe path components ----------------------------------------------


@pytest.mark.parametrize(
    "repo_id",
    ["{victim}", "/abs", "../../..", "..", ".", "a/b", "a b", "a,b", "", ".hidden", "x" * 101],
)
def test_unsafe_repo_ids_are_refused(tmp_path: Path, repo_id: str) -> None:
    repo = tmp_path / "repo"
    write_files(repo, {"a.py": "x = 1\n"})
    victim = tmp_path / "victim"
    victim.write_text("keep me")
    repo_id = repo_id.format(victim=victim)
    before = sorted(p.name for p in tmp_path.iterdir())
    proc = cli(
        "build", str(repo), "--warehouse", str(tmp_path / "wh"), "--repo-id", repo_id, cwd=tmp_path
    )
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "invalid repo id" in proc.stderr, proc.stderr
    assert victim.read_text() == "keep me"
    assert sorted(p.name for p in tmp_path.iterdir()) == before
    assert not Path("/abs.lock").exists()


def test_default_repo_id_is_made_safe(tmp_path: Path) -> None:
    repo = tmp_path / "my repo,v2"
    write_files(repo, {"a.py": "x = 1\n"})
    res = run_build(BuildRequest(str(repo), str(tmp_path / "wh")))
    assert res.repo_id == "my_repo_v2"
    assert ids.repo_id_problem(res.repo_id) is None


# -- 3: git arguments and changed URLs ---------------------------------------------


def test_url_starting_with_dash_is_never_an_option(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After ``--`` the URL is a URL (here: a local repository with that odd name),
    never ``git clone``'s ``--upload-pack`` option."""
    monkeypatch.chdir(tmp_path)
    url = "--upload-pack=touch pwned"
    commit = make_git_repo(tmp_path / url, {"a.py": "x = 1\n"})
    dest = tmp_path / "clones" / "r"
    sync_clone(url, str(dest))
    assert git(dest, "rev-parse", "main") == commit
    assert not (tmp_path / "pwned").exists()


def test_ref_starting_with_dash_is_never_an_option(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    make_git_repo(repo, {"a.py": "x = 1\n"})
    proc = cli(
        "build", str(repo), "--warehouse", str(tmp_path / "wh"), "--ref=--output=x", cwd=tmp_path
    )
    assert proc.returncode == 2 and "unknown ref" in proc.stderr, proc.stderr
    assert not (repo / "x").exists() and not (tmp_path / "x").exists()


def test_changed_url_reclones(tmp_path: Path) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    c1 = make_git_repo(one, {"a.py": "x = 1\n"})
    c2 = make_git_repo(two, {"b.py": "y = 2\n"})
    dest = str(tmp_path / "clones" / "r")
    sync_clone(str(one), dest)
    assert git(Path(dest), "rev-parse", "main") == c1
    sync_clone(str(two), dest)  # repos.yaml now names another repository
    assert git(Path(dest), "rev-parse", "main") == c2
    sync_clone(str(two), dest)  # same URL: fetched, not cloned again
    assert git(Path(dest), "config", "--get", "remote.origin.url") == str(two)


# -- 4-8: legal input that used to crash the build ----------------------------------


NON_TEXT_CODECS = ["rot13", "hex", "base64", "zlib", "bz2", "uu", "quopri"]


@pytest.mark.parametrize("codec", [*NON_TEXT_CODECS, "undefined", "punycode"])
def test_coding_cookie_of_a_non_text_codec(codec: str) -> None:
    data = f"# -*- coding: {codec} -*-\nx = 1\n".encode()
    err = decode_source(data)
    kind = "decode_error" if codec in ("undefined", "punycode") else "unknown_encoding"
    assert getattr(err, "error_kind", None) == kind, err
    out = extract_file("c.py", data)
    assert [e.error_kind for e in out.errors] == [kind]


def test_lone_surrogates_are_stored_escaped() -> None:
    src = (
        '__all__ = ["\\ud800", "x"]\n"""doc \\udfff"""\ns = "\\udc80"\n'
        'class C:\n    """\\ud801"""\n    def f(self):\n        return {"\\udcff": 1}["\\udcff"]\n'
    )
    compile(src.split('"""')[0], "s.py", "exec")  # CPython compiles these
    ast.parse(src)  # and parses the docstrings (only compile cleans them)
    out = extract_file("s.py", src.encode())
    assert out.errors == []
    values = set(out.props.column("value").to_pylist())
    assert {"\\ud800", "doc \\udfff", "\\udc80", "\\ud801"} <= values
    exports = [b for name, b in out.facts.items() if "\\ud800" in str(b.to_pylist())]
    assert exports, "the __all__ entry reaches the facts, escaped"


def test_integer_literal_beyond_the_digit_limit() -> None:
    src = "x = 0x" + "f" * 4000 + "\nd = {}\nd[0x" + "f" * 4000 + "] = 1\n"
    compile(src, "big.py", "exec")
    out = extract_file("big.py", src.encode())
    assert out.errors == []
    values = [v for v in out.props.column("value").to_pylist() if v.startswith("0x")]
    assert values and values[0] == "0x" + "f" * 4000


def test_non_utf8_file_names_build(tmp_path: Path) -> None:
    name = b"caf\xe9.py"
    for kind in ("git", "plain"):
        repo = tmp_path / kind
        repo.mkdir()
        with open(os.path.join(os.fsencode(repo), name), "wb") as fh:
            fh.write(b"def f():\n    return 1\n")
        (repo / "ok.py").write_text("import os\n")
        if kind == "git":
            git(repo, "init", "-q")
            git(repo, "add", "-A")
            git(repo, "commit", "-q", "-m", "init")
        wh = tmp_path / f"wh-{kind}"
        run_build(BuildRequest(str(repo), str(wh), repo_id="r"))
        assert {r["path"] for r in rows(wh, "file_index")} == {"caf\\xe9.py", "ok.py"}
        nodes = [r for r in rows(wh, "cpg_nodes") if r["path"] == "caf\\xe9.py"]
        assert {r["kind"] for r in nodes} >= {"MODULE", "FUNCTION"}
        assert errors(wh) == {}


def test_special_files_are_never_opened(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    write_files(repo, {"ok.py": "x = 1\n"})
    os.mkfifo(repo / "fifo.py")
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(repo / "sock.py"))
    done: list = []
    # in a thread: a scan that opens the FIFO blocks until a writer comes (forever)
    scanner = threading.Thread(target=lambda: done.append(scan_repo(str(repo))), daemon=True)
    try:
        scanner.start()
        scanner.join(60)
    finally:
        sock.close()
    assert done, "the scan hangs on the FIFO"
    snap = done[0]
    assert [f.path for f in snap.files] == ["ok.py"]
    skipped = {p: e.error_kind for p, e in snap.skipped}
    assert skipped == {"fifo.py": "not_regular_file", "sock.py": "not_regular_file"}


# -- 9: node id collisions are resolved at scan time -------------------------------


def colliding_pair() -> tuple[str, str]:
    """Two module paths with one 40-bit path hash (a birthday search, ~2^20 tries)."""
    seen: dict[int, str] = {}
    i = 0
    while True:
        path = f"p{i:x}.py"
        base = ids.file_base(path)
        if base in seen:
            return tuple(sorted((seen[base], path)))  # type: ignore[return-value]
        seen[base] = path
        i += 1


# what ``colliding_pair()`` finds (~10 s); the tests check that they still collide
PAIR = ("p15e8a7.py", "p337384.py")


@pytest.fixture(scope="module")
def pair() -> tuple[str, str]:
    if ids.file_base(PAIR[0]) != ids.file_base(PAIR[1]):  # the path hash changed
        return colliding_pair()
    return PAIR


def test_colliding_paths_never_share_node_ids(tmp_path: Path, pair: tuple[str, str]) -> None:
    first, second = pair
    assert ids.file_base(first) == ids.file_base(second)
    repo = tmp_path / "repo"
    make_git_repo(repo, {first: "def f():\n    return 1\n", second: "class C:\n    pass\n"})
    wh = tmp_path / "wh"
    run_build(BuildRequest(str(repo), str(wh), repo_id="r"))
    node_ids = [r["node_id"] for r in rows(wh, "cpg_nodes")]
    assert len(node_ids) == len(set(node_ids))
    assert errors(wh)[second][0] == "id_collision"
    assert first in errors(wh)[second][1]
    assert {r["path"] for r in rows(wh, "file_index")} == {first}


def canonical(warehouse: Path) -> dict[str, list]:
    out = {}
    for t in ("cpg_nodes", "cpg_edges", "extract_errors", "file_index"):
        keep = [{k: v for k, v in r.items() if k not in ("blob_sha",)} for r in rows(warehouse, t)]
        out[t] = sorted(keep, key=repr)
    return out


def test_collisions_incremental_equals_full(tmp_path: Path, pair: tuple[str, str]) -> None:
    """Adding the smaller path of a colliding pair moves the kept file; removing it
    again moves it back: each incremental build equals a full build of its commit."""
    first, second = pair
    repo = tmp_path / "repo"
    make_git_repo(repo, {second: "class C:\n    pass\n", "main.py": "import os\n"})
    inc = tmp_path / "inc"
    run_build(BuildRequest(str(repo), str(inc), repo_id="r"))
    steps = [
        lambda: (repo / first).write_text("def f():\n    return 1\n"),
        lambda: (repo / first).unlink(),
    ]
    for n, step in enumerate(steps):
        step()
        git(repo, "add", "-A")
        git(repo, "commit", "-q", "-m", f"step {n}")
        res = run_build(BuildRequest(str(repo), str(inc), repo_id="r", incremental=True))
        assert res.mode == "incremental"
        full = tmp_path / f"full{n}"
        run_build(BuildRequest(str(repo), str(full), repo_id="r"))
        assert canonical(inc) == canonical(full)


# -- 10: memory grows linearly with a file's size ------------------------------------


def body_events(src: str) -> tuple:
    from codeanatomy_hamilton.extract import def_events
    from codeanatomy_hamilton.extract.cfg import build_cfg

    tree = ast.parse(src)
    cfg = build_cfg(tree)
    coll = def_events.EventCollector(tree, False, [])
    events = [def_events.parameters(tree), []] + [coll.node(x) for x in cfg.nodes[2:]]
    return cfg, events


def test_reaching_defs_memory_is_linear_in_straight_line_code() -> None:
    """20,000 ``x = 1`` statements: the bit sets took nodes x defs bits (174 MB at
    the peak, 6.35 GB at 120,000 lines); sparse sets take a few MB. Allocation peaks
    are counted by tracemalloc (not timed, not noisy)."""
    import tracemalloc

    from codeanatomy_hamilton.extract import dataflow_defs as dd

    cfg, events = body_events("x = 1\n" * 20_000 + "print(x)\n")
    tracemalloc.start()
    try:
        rds = dd.reaching_defs(cfg, events, lambda name: True)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert [(d.lineno, u.lineno, v) for d, u, v in rds] == [(20_000, 20_001, "x")]
    assert peak < 40 * 2**20, peak


def test_sparse_and_dense_reaching_defs_agree(monkeypatch: pytest.MonkeyPatch) -> None:
    """Over the engine's own bodies, with every kind of binding and edge."""
    from codeanatomy_hamilton.extract import dataflow_defs as dd
    from codeanatomy_hamilton.extract import def_events
    from codeanatomy_hamilton.extract.cfg import build_cfg

    bodies = 0
    for path in sorted((ROOT / "codeanatomy_hamilton").rglob("*.py")):
        queue: list = [ast.parse(path.read_text())]
        while queue:
            owner = queue.pop()
            cfg = build_cfg(owner)
            coll = def_events.EventCollector(owner, False, queue)
            events = [def_events.parameters(owner), []] + [coll.node(x) for x in cfg.nodes[2:]]
            # reaching_defs consumes a comprehension's own events: each run gets a copy
            monkeypatch.setattr(dd, "DENSE_LIMIT", 1 << 62)
            dense = dd.reaching_defs(cfg, [list(e) for e in events], lambda name: True)
            monkeypatch.setattr(dd, "DENSE_LIMIT", 0)
            sparse = dd.reaching_defs(cfg, [list(e) for e in events], lambda name: True)
            assert [(id(a), id(b), v) for a, b, v in dense] == [
                (id(a), id(b), v) for a, b, v in sparse
            ], path
            bodies += 1
    assert bodies > 500


def test_quadratic_reaching_relation_degrades_to_one_error_row(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from codeanatomy_hamilton.extract import dataflow_defs as dd

    monkeypatch.setattr(dd, "SPARSE_BUDGET", 50_000)
    monkeypatch.setattr(dd, "DENSE_LIMIT", 0)
    out = extract_file("gen.py", ("if c:\n    x = 1\n" * 1_000 + "y = 2\nprint(y)\n").encode())
    assert [e.error_kind for e in out.errors] == ["too_large"]
    assert "REACHING_DEF" in out.errors[0].message
    kinds = set(out.edges.column("kind").to_pylist())
    assert {"CFG", "DOMINATE", "AST"} <= kinds and "REACHING_DEF" not in kinds


def test_file_over_the_token_budget_is_refused_before_parsing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import codeanatomy_hamilton.extract.file as file_mod

    def no_parse(*a: object, **k: object) -> None:
        raise AssertionError("parsed")

    monkeypatch.setattr(file_mod.ast, "parse", no_parse)
    from codeanatomy_hamilton.extract.source import MAX_FILE_TOKENS

    data = b"x=1\n" * (MAX_FILE_TOKENS // 3 + 10)
    out = extract_file("big.py", data)
    assert [e.error_kind for e in out.errors] == ["too_large"]


# -- all of 4-10 in one repository, built with 2 workers from inside it --------------


def hostile_files(pair: tuple[str, str]) -> dict[str, bytes | str]:
    first, second = pair
    files: dict[str, bytes | str] = {
        f"cookie_{c}.py": f"# -*- coding: {c} -*-\nx = 1\n" for c in NON_TEXT_CODECS
    }
    files.update(
        {
            "cookie_undefined.py": "# coding: undefined\nx = 1\n",
            "surrogates.py": '__all__ = ["\\ud800", "x"]\n"""\\udfff"""\nx = "\\udc80"\n',
            "bigint.py": "N = 0x" + "f" * 4000 + "\n",
            "generated.py": "x = 1\n" * 30_000 + "print(x)\n",
            "branches.py": "if c:\n    x = 1\n" * 5_000 + "print(x)\n",
            first: "def f():\n    return 1\n",
            second: "class C:\n    pass\n",
            "ok.py": "import os\nprint(os.sep)\n",
        }
    )
    return files


EXPECTED = {
    **{f"cookie_{c}.py": "unknown_encoding" for c in NON_TEXT_CODECS},
    "cookie_undefined.py": "decode_error",
    "branches.py": "too_large",
}


@pytest.mark.parametrize("kind", ["plain", "git"])
def test_hostile_repository_builds(tmp_path: Path, pair: tuple[str, str], kind: str) -> None:
    marker = tmp_path / "imported.txt"
    repo = tmp_path / "repo"
    files = {**hostile_files(pair), **shadowing_files(marker)}
    files["app.py"] = "import numpy\n"
    if kind == "git":
        make_git_repo(repo, files)
    else:
        write_files(repo, files)
        os.mkfifo(repo / "fifo.py")
    raw = os.path.join(os.fsencode(repo), b"caf\xe9.py")
    with open(raw, "wb") as fh:
        fh.write(b"def g():\n    return 2\n")
    if kind == "git":
        git(repo, "add", "-A")
        git(repo, "commit", "-q", "-m", "non-UTF-8 name")
    wh = tmp_path / "wh"
    # branches.py: a quadratic reaching relation (5,000 defs reach 5,000 nodes each)
    proc = cli("build", ".", "--warehouse", str(wh), "--workers", "2", cwd=repo)
    assert proc.returncode == 0, proc.stderr
    assert not marker.exists()
    expected = {**EXPECTED, pair[1]: "id_collision"}
    if kind == "plain":
        expected["fifo.py"] = "not_regular_file"
    assert {p: k for p, (k, _) in errors(wh).items()} == expected
    indexed = {r["path"] for r in rows(wh, "file_index")}
    assert {"caf\\xe9.py", "surrogates.py", "bigint.py", "generated.py", pair[0]} <= indexed
    nodes = rows(wh, "cpg_nodes")
    assert len({r["node_id"] for r in nodes}) == len(nodes)
    edges = rows(wh, "cpg_edges")
    reach = [e for e in edges if e["kind"] == "REACHING_DEF" and e["variable"] == "x"]
    gen_ids = {r["node_id"] for r in nodes if r["path"] == "generated.py"}
    assert sum(1 for e in reach if e["dst_id"] in gen_ids) == 1
