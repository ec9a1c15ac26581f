"""The resolver's interner kept between builds (``resolve.kept_strings``,
``kept_interner``) and the order independence it relies on.

A kept interner numbers strings in the order of an earlier run, so every resolution
below is compared row for row with a fresh resolution of the same input: under
shuffled interning orders, from a kept interner of another input (files added,
changed, removed), with hashes forced to collide, with ``HARD_KEY_CAP`` overflowing,
and through real incremental builds of a git repo (where a damaged kept file must
only cost speed).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from codeanatomy_hamilton.build import BuildResult, default_extract_cache_dir
from codeanatomy_hamilton.core.fingerprint import engine_fingerprint
from codeanatomy_hamilton.emit.rows import resolve_input_from_summaries
from codeanatomy_hamilton.extract.file import extract_file
from codeanatomy_hamilton.fragments import summary_pack
from codeanatomy_hamilton.fragments.store import FileSummary, FragmentStore, summarize
from codeanatomy_hamilton.resolve import (
    ResolveInput,
    ResolveOutput,
    kept_interner,
    kept_strings,
    pipeline,
    resolve_repo,
)
from codeanatomy_hamilton.resolve.kept_interner import (
    file_keys,
    kept_file,
    load_kept,
    prepare,
    save_kept,
)
from codeanatomy_hamilton.resolve.kept_strings import KeptStrings, make_kept
from codeanatomy_hamilton.resolve.points_to import core, interner
from codeanatomy_hamilton.resolve.points_to.core import ENCODED_COLUMNS
from codeanatomy_hamilton.resolve.string_hash import hash_strings
from tests.damage_helpers import damaged, garbled_body
from tests.incremental_helpers import assert_same_cpg, build, commit, init_repo

ROOT = Path(__file__).resolve().parents[1]

# -- sources -------------------------------------------------------------------------

ROUND = """from .base import Shape, register


@register
class Circle(Shape):
    def __init__(self, r):
        super().__init__("circle")
        self.r = r

    def area(self):
        return 3.14 * self.r ** 2


class Ellipse(Circle):
    def __init__(self, a, b):
        super().__init__(a)
        self.b = b

    def area(self):
        return super().area() * self.b
"""

# several modules: imports (relative, re-exported, aliased), classes with single and
# multiple inheritance, super(), decorators, containers, *args/**kwargs, annotations
# and a non-ASCII name
SHAPES: dict[str, str] = {
    "shapes/__init__.py": (
        "from .base import Shape, registry\nfrom .round import Circle\n\n"
        "__all__ = ['Shape', 'Circle', 'registry']\n"
    ),
    "shapes/base.py": """import math

registry = {}


def register(cls):
    registry[cls.__name__] = cls
    return cls


class Mixin:
    def describe(self):
        return "mixin"

    def label(self):
        return self.describe().upper()


class Shape:
    sides = 0

    def __init__(self, name):
        self.name = name
        self.tags = []

    def area(self) -> float:
        return 0.0

    def describe(self):
        self.tags.append(self.name)
        return f"{self.name}: {self.area()} {math.pi}"


class Named(Shape, Mixin):
    pass


Impl = Shape if math.pi > 3 else Mixin


class Either(Impl):
    def area(self):
        return 1.0
""",
    "shapes/round.py": ROUND,
    "app/main.py": """from shapes import Circle, registry
from shapes.base import Named, Shape
from shapes.round import Ellipse
from shapes import base as b

holder: Shape = None


def café(items):
    out = [s.describe() for s in items]
    pair = (Circle(1), Ellipse(2, 3))
    first, second = pair
    table = {"c": first, "e": second}
    table["e"].area()
    return out, pair[0].area(), table


def build(kind=Circle, *args, **kw):
    shape = kind(*args, **kw)
    registry[kind.__name__] = kind
    return shape.describe()


def use(s: Shape):
    return s.area()


build(Ellipse, 1, b=2)
café([Circle(2), b.Shape("x"), Named("n")])
Named("m").label()
""",
}

# a module that the kept interner never saw: new names, calls and a subclass, and
# more values for keys of the kept files (``build``'s ``kind``, ``registry``)
POLY = """from app.main import build, café
from .base import Shape, registry
from .round import Circle


class Polygon(Shape):
    def __init__(self, n):
        super().__init__("polygon")
        self.n = n

    def area(self):
        return float(self.n)

    def corners(self):
        return [Circle(i) for i in range(self.n)]


class Square(Polygon):
    def area(self):
        return super().area() ** 2


def make_all():
    shapes = [Square(4), Polygon(5)]
    registry["square"] = Square
    build(Square, 4)
    return café(shapes), shapes[0].corners()
"""

ROUND_CHANGED = ROUND + "\n\ndef unit():\n    return Ellipse(1, 1).area() + Circle(2).area()\n"
# other strings, the same rows per fact table: only the digest tells the files apart
ROUND_RENAMED = ROUND.replace("Ellipse", "Oval").replace("self.b", "self.k")

# inputs B resolved from the kept interner of ``SHAPES`` (input A)
B_VARIANTS: dict[str, dict[str, str]] = {
    "same files": SHAPES,
    "module added": {**SHAPES, "shapes/poly.py": POLY},
    "module added, one changed": {
        **SHAPES,
        "shapes/poly.py": POLY,
        "shapes/round.py": ROUND_CHANGED,
    },
    "module removed": {p: s for p, s in SHAPES.items() if p != "shapes/round.py"},
    "one renamed, same rows": {**SHAPES, "shapes/round.py": ROUND_RENAMED},
}


def _summaries(sources: dict[str, str]) -> list[FileSummary]:
    """Per-file summaries, in path order (as the dataflow feeds the resolver)."""
    return [summarize(extract_file(p, sources[p].encode()))[0] for p in sorted(sources)]


def _canon(out: ResolveOutput) -> dict[str, list[str]]:
    """The output tables as sorted rows (row order is not part of the output)."""
    return {
        name: sorted(repr(tuple(r.values())) for r in getattr(out, name).to_pylist())
        for name in ("edges", "xedges", "props")
    }


def _fresh(summaries: list[FileSummary]) -> tuple[ResolveOutput, Any]:
    """A resolution with no kept interner, and its fixed point (``on_interner``)."""
    inp = resolve_input_from_summaries(summaries)
    got: list[Any] = []
    inp.on_interner = got.append
    out = resolve_repo(inp)
    assert len(got) == 1
    return out, got[0]


def _kept_of(summaries: list[FileSummary]) -> KeptStrings:
    _, pt = _fresh(summaries)
    keys = file_keys(summaries)
    assert keys is not None
    return make_kept(*pt.kept_state(), keys)


def _with_kept(
    summaries: list[FileSummary], kept: KeptStrings, monkeypatch: pytest.MonkeyPatch
) -> tuple[ResolveOutput, Any, ResolveInput]:
    """A resolution starting from ``kept``, and its fixed point (captured where the
    pipeline hands it to ``build_outputs``)."""
    keys = file_keys(summaries)
    assert keys is not None
    inp = resolve_input_from_summaries(summaries)
    inp.kept = kept
    inp.hints = kept.hints(keys, ENCODED_COLUMNS)
    called: list[Any] = []
    inp.on_interner = called.append
    seen: list[Any] = []
    real = pipeline.build_outputs

    def spy(inp_: ResolveInput, pt: Any, *args: Any) -> ResolveOutput:
        seen.append(pt)
        return real(inp_, pt, *args)

    with monkeypatch.context() as m:
        m.setattr(pipeline, "build_outputs", spy)
        out = resolve_repo(inp)
    # the interner of a run that started from a kept one is not handed out to keep
    assert called == []
    assert len(seen) == 1 and seen[0].S.kept is kept
    return out, seen[0], inp


def _assert_one_id_per_string(S: Any, kept: KeptStrings | None) -> None:
    strings = S._arrow()
    assert len(strings) == S.n
    assert pc.count_distinct(strings).as_py() == S.n, "a string has two ids"
    if kept is not None:
        # kept strings keep their ids; the run's own dict holds none of them
        assert strings.slice(0, len(kept.strings)).equals(kept.strings)
        own = pa.array(list(S.ids), pa.string())
        assert (kept.find(own) == -1).all()


# -- hash_strings ----------------------------------------------------------------------

_M64 = (1 << 64) - 1


def _reference_hash(s: str | None) -> int:
    """The formula of ``string_hash``'s docstring, in Python integers."""
    data = (s or "").encode()
    h, p = 0, 1
    for byte in data:
        h = (h + byte * p) & _M64
        p = (p * 0x100000001B3) & _M64
    h ^= (len(data) * 0x9E3779B97F4A7C15) & _M64
    h ^= h >> 30
    h = (h * 0xBF58476D1CE4E5B9) & _M64
    h ^= h >> 27
    h = (h * 0x94D049BB133111EB) & _M64
    return h ^ (h >> 31)


NAMED = ["", "a", "ab", "ba", "\x00", "é", "caf\u00e9 日本語 ✓", "\U0001f600", "f:pkg.mod.C.m"]
# one string over 64 KiB, then more strings than one chunk (65536) holds
LONG = "x" * 70_000 + "é"
BULK = [f"f:pkg.m{i}.name_{i % 7}" for i in range(70_000)]
HASH_STRINGS = NAMED + [LONG] + BULK

_CHILD = """
import json, sys
import numpy as np
import pyarrow as pa
from codeanatomy_hamilton.resolve.string_hash import hash_strings
with open(sys.argv[1], encoding="utf-8") as fh:
    strs = json.load(fh)
np.save(sys.argv[2], np.stack([hash_strings(strs), hash_strings(pa.array(strs, pa.string()))]))
print(hash("a salted probe"))
"""


def test_hash_is_the_same_in_other_processes(tmp_path: Path) -> None:
    src = tmp_path / "strings.json"
    src.write_text(json.dumps(HASH_STRINGS), encoding="utf-8")
    here = hash_strings(HASH_STRINGS)
    probes = set()
    for seed in ("1", "4242"):
        out = tmp_path / f"hashes-{seed}.npy"
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run(
            [sys.executable, "-c", _CHILD, str(src), str(out)],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        probes.add(done.stdout.strip())
        there = np.load(out)
        assert there.dtype == np.uint64
        np.testing.assert_array_equal(there[0], here)
        np.testing.assert_array_equal(there[1], here)
    # Python's own str hash did differ between the processes
    assert len(probes) == 2
    # and the values are the documented formula, on both sides of the chunk boundary
    n = len(NAMED) + 1
    picks = list(range(n)) + [n + i for i in (0, 65_534, 65_535, 65_536, 65_537, 69_999)]
    assert [int(here[i]) for i in picks] == [_reference_hash(HASH_STRINGS[i]) for i in picks]
    # a hash that ignored the content would pass the above for a few strings only
    assert len(np.unique(here)) == len(HASH_STRINGS)


def test_hash_inputs_agree_whatever_their_layout() -> None:
    full = hash_strings(HASH_STRINGS)
    assert full.dtype == np.uint64 and len(full) == len(HASH_STRINGS)
    arr = pa.array(HASH_STRINGS, pa.string())
    np.testing.assert_array_equal(hash_strings(arr), full)
    np.testing.assert_array_equal(hash_strings(arr.cast(pa.large_string())), full)
    chunked = pa.chunked_array([arr.slice(0, 3), arr.slice(3, 0), arr.slice(3)])
    np.testing.assert_array_equal(hash_strings(chunked), full)
    # slices (non-zero offset), across the chunk boundary and within one chunk
    for lo, n in ((5, 66_000), (65_530, 100), (len(NAMED), 1), (1, 0)):
        np.testing.assert_array_equal(hash_strings(arr.slice(lo, n)), full[lo : lo + n])
        large = arr.cast(pa.large_string()).slice(lo, n)
        np.testing.assert_array_equal(hash_strings(large), full[lo : lo + n])
    # nulls hash as ""; a null slot that still spans bytes too
    empty = int(hash_strings([""])[0])
    with_nulls = pa.array(["é", None, "", None, "ab"], pa.string())
    assert hash_strings(with_nulls).tolist() == [full[5], empty, empty, empty, full[2]]
    assert hash_strings(with_nulls.slice(1, 3)).tolist() == [empty, empty, empty]
    validity = pa.py_buffer(np.packbits([1, 0, 1], bitorder="little").tobytes())
    offsets = pa.py_buffer(np.array([0, 1, 3, 4], np.int32).tobytes())
    dirty = pa.Array.from_buffers(pa.string(), 3, [validity, offsets, pa.py_buffer(b"abcd")])
    assert hash_strings(dirty).tolist() == hash_strings(["a", "", "d"]).tolist()
    assert hash_strings(pa.nulls(2, pa.string())).tolist() == [empty, empty]
    for nothing in ([], pa.array([], pa.string()), pa.chunked_array([], pa.string())):
        got = hash_strings(nothing)
        assert got.dtype == np.uint64 and len(got) == 0


# -- KeptStrings.find -------------------------------------------------------------------


@pytest.fixture(scope="module")
def shapes() -> list[FileSummary]:
    return _summaries(SHAPES)


@pytest.fixture(scope="module")
def variants() -> dict[str, list[FileSummary]]:
    return {name: _summaries(files) for name, files in B_VARIANTS.items()}


@pytest.fixture(scope="module")
def resolver_source() -> list[FileSummary]:
    """Real source: the resolver package itself."""
    paths = sorted((ROOT / "codeanatomy_hamilton" / "resolve").glob("*.py"))
    files = {f"codeanatomy_hamilton/resolve/{p.name}": p.read_text() for p in paths}
    return _summaries(files)


UNKNOWN = ["no such string", "f:nowhere.f", "é?", "x" * 70_000]


def _check_find(kept: KeptStrings) -> None:
    strings = kept.strings
    n = len(strings)
    np.testing.assert_array_equal(kept.find(strings), np.arange(n))
    perm = np.random.default_rng(3).permutation(n)
    np.testing.assert_array_equal(kept.find(strings.take(pa.array(perm))), perm)
    # unknown strings and nulls: -1, in any mix with known ones
    mixed = pa.array([strings[7].as_py(), None, *UNKNOWN, strings[0].as_py(), None])
    assert kept.find(mixed).tolist() == [7, -1, -1, -1, -1, -1, 0, -1]
    assert kept.find(pa.array(UNKNOWN)).tolist() == [-1] * len(UNKNOWN)
    # a sliced query, a large_string query, duplicates, nothing
    np.testing.assert_array_equal(kept.find(strings.slice(3, 20)), np.arange(3, 23))
    np.testing.assert_array_equal(
        kept.find(strings.cast(pa.large_string()).slice(n - 5)), np.arange(n - 5, n)
    )
    assert kept.find(strings.take(pa.array([4, 4, 9, 4]))).tolist() == [4, 4, 9, 4]
    assert len(kept.find(pa.array([], pa.string()))) == 0


def test_find_gives_each_kept_string_its_id(shapes: list[FileSummary]) -> None:
    kept = _kept_of(shapes)
    assert len(kept.strings) > 300
    assert pc.count_distinct(kept.strings).as_py() == len(kept.strings)
    assert (kept.hash_sorted[1:] >= kept.hash_sorted[:-1]).all()
    _check_find(kept)


def test_find_with_colliding_hashes(
    shapes: list[FileSummary],
    variants: dict[str, list[FileSummary]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # one hash for every string: the first candidate is right for one string only
    monkeypatch.setattr(kept_strings, "hash_strings", lambda a: np.zeros(len(a), np.uint64))
    tiny = make_kept(
        {"strings": pa.array(["a", "b", "é", ""]), "meta": {}, "memo1": {}, "memo2": {}},
        {},
        [],
    )
    assert tiny.hash_sorted.tolist() == [0, 0, 0, 0]
    query = pa.array(["é", "b", "zz", None, "a", "", "é"])
    assert tiny.find(query).tolist() == [2, 1, -1, -1, 0, 3, 2]

    # four hash values for a whole interner: long runs of equal hashes, and a
    # resolution that finds every string through them
    def few(arr: Any) -> np.ndarray:
        return hash_strings(arr) % np.uint64(4)

    monkeypatch.setattr(kept_strings, "hash_strings", few)
    kept = _kept_of(shapes)
    assert len(np.unique(kept.hash_sorted)) <= 4 < len(kept.strings)
    _check_find(kept)
    b = variants["module added, one changed"]
    out, pt, _ = _with_kept(b, kept, monkeypatch)
    assert _canon(out) == _canon(_fresh(b)[0])
    _assert_one_id_per_string(pt.interner, kept)


# -- order independence -------------------------------------------------------------------


def _preseed(monkeypatch: pytest.MonkeyPatch, order: int | str) -> list[list[str]]:
    """Makes every fresh interner first number the distinct input strings in a shuffled
    (seed ``order``) or reversed ("reversed") order; returns the orders used."""
    used: list[list[str]] = []
    real = interner.Interner.encode_many

    def encode_many(self: Any, cols: list[Any], known: Any = None) -> list[np.ndarray]:
        if self.n == 0 and self.kept is None:
            arrs = []
            for c in cols:
                if isinstance(c, pa.ChunkedArray):
                    c = c.combine_chunks() if c.num_chunks else pa.array([], pa.string())
                arrs.append(c.cast(pa.string()))
            distinct = pc.unique(pa.concat_arrays(arrs)).drop_null()
            if order == "reversed":
                perm = np.argsort(np.array(distinct.to_pylist(), object))[::-1].copy()
            else:
                perm = np.random.default_rng(int(order)).permutation(len(distinct))
            distinct = distinct.take(pa.array(perm))
            strs = distinct.to_pylist()
            self._add_new(distinct, strs)
            used.append(strs)
        return real(self, cols, known)

    monkeypatch.setattr(interner.Interner, "encode_many", encode_many)
    return used


@pytest.mark.parametrize("source", ["shapes", "resolver_source"])
def test_output_does_not_depend_on_interning_order(
    source: str, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    summaries = request.getfixturevalue(source)
    out, pt = _fresh(summaries)
    expected = _canon(out)
    assert len(expected["edges"]) > 20 and expected["props"]
    natural = [pt.interner.strs[i] for i in range(50)]
    for order in (0, 1, "reversed"):
        with monkeypatch.context() as m:
            used = _preseed(m, order)
            out, pt = _fresh(summaries)
        # the interner did start from the shuffled order
        assert len(used) == 1 and len(used[0]) > 50
        assert [pt.interner.strs[i] for i in range(len(used[0]))] == used[0]
        assert used[0][:50] != natural
        _assert_one_id_per_string(pt.interner, None)
        assert _canon(out) == expected, order


# -- a kept interner gives the fresh output ------------------------------------------------


def test_kept_interner_gives_the_fresh_output(
    shapes: list[FileSummary],
    variants: dict[str, list[FileSummary]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    kept = _kept_of(shapes)
    n0 = len(kept.strings)
    kept_paths = {s.path: s.resolve_digest for s in shapes}
    # one kept interner serves several runs: none of them may change it
    for name, b in variants.items():
        out, pt, inp = _with_kept(b, kept, monkeypatch)
        assert _canon(out) == _canon(_fresh(b)[0]), name
        _assert_one_id_per_string(pt.interner, kept)
        assert len(kept.strings) == n0
        # hints: the kept ids of the rows of unchanged files, -1 for the others
        keys = file_keys(b)
        assert keys is not None and inp.hints is not None
        for t, c in ENCODED_COLUMNS:
            hint = inp.hints[(t, c)]
            assert len(hint) == sum(rows.get(t, 0) for _, _, rows in keys)
            start = 0
            for path, digest, rows in keys:
                n = rows.get(t, 0)
                if not n:
                    continue
                here = hint[start : start + n]
                cells = inp.facts[t][c].slice(start, n).to_pylist()
                start += n
                if kept_paths.get(path) != digest:
                    assert (here == -1).all(), (name, path, t, c)
                    continue
                valid = np.array([x is not None for x in cells], bool)
                assert (here[valid] >= 0).all() and (here[~valid] == -1).all()
                got = kept.strings.take(pa.array(here[valid])).to_pylist()
                assert got == [x for x in cells if x is not None], (name, path, t, c)
    added = variants["module added"]
    _, pt, _ = _with_kept(added, kept, monkeypatch)
    # the added module's names were numbered after the kept strings
    assert pt.interner.n > n0
    assert kept.find(pa.array(["c:shapes.poly.Square"])).tolist() == [-1]
    assert "c:shapes.poly.Square" in pt.interner.ids


def test_kept_file_round_trip_damage_and_prepare(
    shapes: list[FileSummary],
    variants: dict[str, list[FileSummary]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    store = FragmentStore(str(tmp_path / "cache"), "r", "eng")
    path = Path(kept_file(store))
    assert load_kept(store) is None  # none yet
    # a run with no kept interner is set up to keep its own
    inp = resolve_input_from_summaries(shapes)
    assert prepare(store, shapes, inp) == "keep"
    assert inp.kept is None and inp.on_interner is not None
    fresh_a = resolve_repo(inp)
    assert path.is_file()
    loaded = load_kept(store)
    assert loaded is not None
    kept = _kept_of(shapes)
    assert loaded.strings.equals(kept.strings)
    assert loaded.files == kept.files
    np.testing.assert_array_equal(loaded.hash_sorted, kept.hash_sorted)
    assert set(loaded.columns) == set(kept.columns)
    for k, v in kept.columns.items():
        np.testing.assert_array_equal(loaded.columns[k], v)
    _check_find(loaded)
    # the next run over all but one of the files starts from it, with the same output
    b = variants["module added, one changed"]
    inp = resolve_input_from_summaries(b)
    assert prepare(store, b, inp) == "kept"
    assert inp.kept is not None and inp.hints is not None and inp.on_interner is None
    assert _canon(resolve_repo(inp)) == _canon(_fresh(b)[0])
    inp = resolve_input_from_summaries(shapes)
    assert prepare(store, shapes, inp) == "kept"
    assert _canon(resolve_repo(inp)) == _canon(fresh_a)
    # too many files it lacks: kept again from this run instead
    monkeypatch.setattr(summary_pack, "STALE_FILES", 0)
    monkeypatch.setattr(summary_pack, "STALE_SHARE", 0.0)
    inp = resolve_input_from_summaries(b)
    assert prepare(store, b, inp) == "keep"
    monkeypatch.undo()
    # summaries without a resolve digest: nothing kept, nothing used
    undigested = [replace(s, resolve_digest="") for s in shapes]
    inp = resolve_input_from_summaries(undigested)
    assert prepare(store, undigested, inp) == "none"
    assert inp.kept is None and inp.on_interner is None
    # another resolver's file, and damaged files, are ignored
    save_kept(store, kept)
    assert load_kept(store) is not None
    monkeypatch.setattr(kept_interner, "_fingerprint", lambda: "other resolver")
    assert load_kept(store) is None
    monkeypatch.undo()
    whole = path.read_bytes()
    for bad in (
        whole[: len(whole) // 2],
        whole[:-1],
        whole[:10],
        b"",
        damaged(whole, "garbage", kept_interner.MAGIC),
        garbled_body(whole),
        b"CAK2" + os.urandom(64),
        # one flipped bit in the strings: the size is right, the checksum is not
        whole[:-200] + bytes([whole[-200] ^ 0x10]) + whole[-199:],
    ):
        path.write_bytes(bad)
        assert load_kept(store) is None
        assert not path.exists()  # a damaged file is deleted
        inp = resolve_input_from_summaries(shapes)
        assert prepare(store, shapes, inp) == "keep"
    assert load_kept(store) is None


# -- HARD_KEY_CAP: every value kept, the first ones (by string) passed on ----------------

WIDE_N = 12
# h0..h11 defined and passed in a scrambled order (neither source nor string order)
_ORDER = [5, 11, 0, 7, 2, 9, 10, 1, 4, 8, 3, 6]
# the 3 values of least string among h0..h11: what ``fn`` passes on under a cap of 3
FIRST_3 = {"f:main.h0", "f:main.h1", "f:main.h10"}
EVERY = {f"f:main.h{i}" for i in range(WIDE_N)}


def _wide(order: list[int]) -> dict[str, str]:
    defs = "".join(f"def h{i}():\n    return {i}\n\n" for i in order)
    calls = "".join(f"apply(h{i})\n" for i in order)
    # ``alias`` is fed by ``fn`` alone: it holds what ``fn`` passes on
    apply = "def apply(fn):\n    alias = fn\n    alias()\n    return fn()\n\n"
    return {"main.py": f"{apply}{defs}{calls}"}


def _called_through(out: ResolveOutput, summaries: list[FileSummary], name: str) -> set[str]:
    """Values of the definitions the call ``name()`` inside ``apply`` was resolved to."""
    inp = resolve_input_from_summaries(summaries)
    defs = inp.facts["rs_def"]
    val = dict(zip(defs["node_id"].to_pylist(), defs["val"].to_pylist(), strict=True))
    nodes = inp.nodes.filter(pc.equal(inp.nodes["kind"], "CALL"))
    (call,) = [
        n
        for n, t in zip(nodes["node_id"].to_pylist(), nodes["name"].to_pylist(), strict=True)
        if t == name
    ]
    calls = out.edges.filter(pc.equal(out.edges["kind"], "CALL"))
    calls = calls.filter(pc.equal(calls["src_id"], call))
    return {val[d] for d in calls["dst_id"].to_pylist()}


def _prop_of(out: ResolveOutput, key: str) -> list[tuple[str, str]]:
    p = out.props.filter(pc.equal(out.props["key"], key))
    return list(zip(p["value"].to_pylist(), p["value_type"].to_pylist(), strict=True))


def _values(pt: Any, key: str) -> set[str]:
    S = pt.interner
    _, v = pt.values_of(S.lookup(pa.array([key])))
    return set(S.decode(v).to_pylist())


def test_hard_key_cap_keeps_every_value_and_passes_on_the_same_ones_whatever_the_ids(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(core, "HARD_KEY_CAP", 3)
    summaries = _summaries(_wide(_ORDER))
    out, pt = _fresh(summaries)
    expected = _canon(out)
    # the parameter received 12 functions in one round: it holds all of them (no
    # fact dropped), and its call gets an edge to each ...
    assert _values(pt, "main.apply.fn") == EVERY
    assert _called_through(out, summaries, "fn") == EVERY
    # before the fixed point is sealed (the class hierarchy between the stages reads
    # it then) the query API sees what the rules see: the values passed on
    pt.sealed = False
    assert _values(pt, "main.apply.fn") == FIRST_3
    pt.sealed = True
    # ... but it passes on only the 3 of least string: ``alias`` and its call see those
    assert _values(pt, "main.apply.alias") == FIRST_3
    assert _called_through(out, summaries, "alias") == FIRST_3
    # the 9 it did not pass on are counted, and marked on the call through it
    assert out.stats["points_to_keys_bounded"] == 1
    assert out.stats["points_to_facts_not_propagated"] == WIDE_N - 3
    assert _prop_of(out, "callee_bounded") == [(str(WIDE_N - 3), "int")]
    # nothing was dropped, so the run is not truncated and carries no warning
    assert out.stats["resolution_truncated"] == 0
    assert not out.warnings
    for order in (0, 7, "reversed"):
        with monkeypatch.context() as m:
            used = _preseed(m, order)
            again, _ = _fresh(summaries)
        assert used
        assert _canon(again) == expected, order
        assert again.stats["points_to_facts_not_propagated"] == WIDE_N - 3
    # from a kept interner that numbered the functions in the reverse order
    kept = _kept_of(_summaries(_wide(_ORDER[::-1])))
    ids = kept.find(pa.array([f"f:main.h{i}" for i in range(WIDE_N)]))
    assert (ids >= 0).all() and not (np.diff(ids) > 0).all()
    again, pt, _ = _with_kept(summaries, kept, monkeypatch)
    assert _canon(again) == expected
    assert _values(pt, "main.apply.alias") == FIRST_3
    assert again.stats["points_to_facts_not_propagated"] == WIDE_N - 3
    _assert_one_id_per_string(pt.interner, kept)


def test_keys_under_the_hard_key_cap_are_untouched(monkeypatch: pytest.MonkeyPatch) -> None:
    # with the cap above what any key takes, nothing is held and no call is marked;
    # the same program under a cap of 3 differs only around the bounded key
    monkeypatch.setattr(core, "HARD_KEY_CAP", WIDE_N)
    summaries = _summaries(_wide(_ORDER))
    whole, pt = _fresh(summaries)
    assert _values(pt, "main.apply.alias") == EVERY
    assert whole.stats["points_to_keys_bounded"] == 0
    assert _prop_of(whole, "callee_bounded") == []
    monkeypatch.setattr(core, "HARD_KEY_CAP", 3)
    bounded, _ = _fresh(summaries)
    a, b = _canon(whole), _canon(bounded)
    only_whole = set(a["edges"]) - set(b["edges"])
    only_bounded = set(b["edges"]) - set(a["edges"])
    # ``alias()`` lost the 9 targets ``fn`` did not pass on (CALL edges and their
    # FLOW_RETURN); ``fn()`` kept its 12
    assert only_bounded == set()
    assert {eval(r)[2] for r in only_whole} == {"CALL", "FLOW_RETURN"}
    assert sum(eval(r)[2] == "CALL" for r in only_whole) == WIDE_N - 3


# -- builds of a git repo --------------------------------------------------------------


def _resolve_stat(result: BuildResult, key: str) -> int | None:
    for rec in result.diagnostics["nodes"]:
        if rec["node"] == "resolved":
            return rec["stats"].get(key)
    return None


def test_incremental_builds_start_from_the_kept_interner(tmp_path: Path) -> None:
    repo, wh = tmp_path / "repo", tmp_path / "wh"
    init_repo(repo, SHAPES)
    step = 0

    def check(result: BuildResult, used: int) -> None:
        nonlocal step
        step += 1
        assert result.mode == "incremental"
        assert _resolve_stat(result, "resolve_reused") == 0
        assert _resolve_stat(result, "resolve_kept_interner") == used, step
        fresh = tmp_path / f"fresh-{step}"
        build(repo, fresh)
        assert_same_cpg(wh, fresh)

    first = build(repo, wh)
    assert _resolve_stat(first, "resolve_kept_interner") == 0
    store = FragmentStore(default_extract_cache_dir(str(wh)), "r", engine_fingerprint())
    path = Path(kept_file(store))
    assert path.is_file()
    written = path.read_bytes()

    edits: list[Callable[[], object]] = [
        # one file whose facts change
        lambda: commit(repo, {"shapes/round.py": ROUND_CHANGED}, "change one file"),
        # a file added and one removed (the kept interner is still the first build's)
        lambda: commit(
            repo, {"shapes/poly.py": POLY.replace("café", "build")}, "add", delete=("app/main.py",)
        ),
    ]
    for edit in edits:
        edit()
        check(build(repo, wh, incremental=True), used=1)
        # a run that started from the kept interner does not rewrite it
        assert path.read_bytes() == written

    # cut short: ignored; the build interns everything and keeps a whole one again
    path.write_bytes(written[: len(written) // 2])
    commit(repo, {"app/main.py": SHAPES["app/main.py"] + "\nbuild(Circle, 5)\n"}, "restore")
    check(build(repo, wh, incremental=True), used=0)
    assert load_kept(store) is not None
    commit(repo, {"shapes/round.py": ROUND}, "revert")
    check(build(repo, wh, incremental=True), used=1)
    # garbage: ignored as well
    path.write_bytes(b"CAK1" + os.urandom(200))
    commit(repo, {"shapes/round.py": ROUND_CHANGED}, "again")
    check(build(repo, wh, incremental=True), used=0)
