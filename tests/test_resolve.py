"""Module map, IMPORTS, INHERITS, MRO, REF across modules and unresolved callees."""

from __future__ import annotations

from codeanatomy_hamilton.core import ids
from codeanatomy_hamilton.core.schema import EDGE_SCHEMA, PROP_SCHEMA, XEDGE_SCHEMA
from codeanatomy_hamilton.resolve import ResolveConfig
from tests.resolve_helpers import resolve_sources, source_call_graph


def _named(inp, out, kind: str) -> set[tuple[str, str]]:
    """(src name/qualname, dst qualname) of resolved edges of one kind."""
    q = dict(
        zip(
            inp.nodes.column("node_id").to_pylist(),
            inp.nodes.column("qualname").to_pylist(),
            strict=False,
        )
    )
    n = dict(
        zip(
            inp.nodes.column("node_id").to_pylist(),
            inp.nodes.column("name").to_pylist(),
            strict=False,
        )
    )
    res = set()
    for s, d, k in zip(
        out.edges.column("src_id").to_pylist(),
        out.edges.column("dst_id").to_pylist(),
        out.edges.column("kind").to_pylist(),
        strict=False,
    ):
        if k == kind:
            res.add((q.get(s) or n.get(s), q.get(d)))
    for s, d, k in zip(
        out.xedges.column("src_id").to_pylist(),
        out.xedges.column("dst_qualname").to_pylist(),
        out.xedges.column("kind").to_pylist(),
        strict=False,
    ):
        if k == kind:
            res.add((q.get(s) or n.get(s), d))
    return res


def test_src_layout_and_imports_edges() -> None:
    srcs = {
        "src/app/__init__.py": "from .core import run\n",
        "src/app/core.py": "import os.path\nfrom numpy import array\ndef run(): os.path.join('a')\n",
        "main.py": "import app\nfrom app import run\nrun()\napp.run()\n",
    }
    inp, out = resolve_sources(srcs)
    imports = _named(inp, out, "IMPORTS")
    assert ("main", "src.app") in imports
    assert ("src.app", "src.app.core") in imports
    assert ("src.app.core", "os.path") in imports
    assert ("src.app.core", "numpy") in imports
    # IMPORT node -> imported symbol: main's ``from app import run`` reaches the function
    # through the re-export in __init__, and __init__'s own ``from .core import run`` too
    assert ("app", "src.app.core.run") in imports
    assert (".core", "src.app.core.run") in imports
    assert ("numpy", "numpy.array") in imports
    pairs = source_call_graph(srcs)
    assert ("main", "src.app.core.run") in pairs
    assert ("src.app.core.run", "os.path.join") in pairs


def test_configured_source_root() -> None:
    srcs = {"lib/pkg/__init__.py": "def f(): pass\n", "main.py": "from pkg import f\nf()\n"}
    assert ("main", "lib.pkg.f") in source_call_graph(srcs, ResolveConfig(source_roots=["lib"]))
    assert ("main", "pkg.f") in source_call_graph(srcs)  # unresolved -> external name


def test_namespace_package_and_relative_levels() -> None:
    srcs = {
        "ns/sub/a.py": "from ..other import g\ndef f(): g()\n",
        "ns/other.py": "def g(): pass\n",
        "main.py": "import ns.sub.a\nns.sub.a.f()\n",
    }
    pairs = source_call_graph(srcs)
    assert ("main", "ns.sub.a.f") in pairs
    assert ("ns.sub.a.f", "ns.other.g") in pairs


def test_inherits_and_mro_props() -> None:
    srcs = {
        "base.py": "class A: pass\nclass B(A): pass\n",
        "main.py": "from base import B, A\nimport abc\nclass C(B, abc.ABC): pass\nclass X(A, B): pass\n",
    }
    inp, out = resolve_sources(srcs)
    inh = _named(inp, out, "INHERITS")
    assert ("main.C", "base.B") in inh
    assert ("main.C", "abc.ABC") in inh
    assert ("base.B", "base.A") in inh
    props = {(r["node_id"], r["key"]): r["value"] for r in out.props.to_pylist()}
    q = dict(
        zip(
            inp.nodes.column("qualname").to_pylist(),
            inp.nodes.column("node_id").to_pylist(),
            strict=False,
        )
    )
    assert props[(q["main.C"], "mro")] == "main.C,base.B,base.A,abc.ABC,builtins.object"
    assert (q["main.X"], "mro_error") in props  # C3 fails: A before its subclass B


def test_ref_across_modules_and_unresolved_callee() -> None:
    srcs = {"lib.py": "def f(): pass\n", "main.py": "from lib import f\nf()\nunknown_thing.go()\n"}
    inp, out = resolve_sources(srcs)
    refs = _named(inp, out, "REF")
    assert ("f", "lib.f") in refs
    callee = [r["value"] for r in out.props.to_pylist() if r["key"] == "callee"]
    assert "unknown_thing.go" in callee
    # every edge endpoint is a node of the input (or an EXTERNAL by qualname)
    ids_ = set(inp.nodes.column("node_id").to_pylist())
    assert set(out.edges.column("src_id").to_pylist()) <= ids_
    assert set(out.edges.column("dst_id").to_pylist()) <= ids_
    assert ids.file_base("main.py") in ids_
    assert out.edges.schema.equals(EDGE_SCHEMA)
    assert out.xedges.schema.equals(XEDGE_SCHEMA)
    assert out.props.schema.equals(PROP_SCHEMA)
