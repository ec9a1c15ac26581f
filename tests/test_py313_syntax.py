"""A repository holding the Python 3.12 and 3.13 syntax features (PEP 701 f-strings,
PEP 695 generics and ``type`` statements, PEP 696 defaults, ParamSpec, TypeVarTuple):
no extract errors, symtable agreement, and the exact REF, REACHING_DEF, CFG and CALL
edges (a snippet in, the expected pairs out)."""

from __future__ import annotations

import ast
from collections import Counter
from pathlib import Path

import pytest
from deltalake import DeltaTable

from benchmarks.callgraph_score import case_pairs
from benchmarks.check_symtable_agreement import check_file
from codeanatomy_hamilton import cli
from codeanatomy_hamilton.extract.file import extract_file

from .conftest import make_git_repo

REPO = Path(__file__).parent / "fixtures" / "py313_repo"
FILES = {
    str(p.relative_to(REPO)).replace("\\", "/"): p.read_text(encoding="utf-8")
    for p in sorted(REPO.rglob("*.py"))
}
CORE = FILES["gen/core.py"]


class Snippet:
    """The rows of one extracted file, with nodes described as ``Type:name@line:col``."""

    def __init__(self, path: str, src: str) -> None:
        fx = extract_file(path, src.encode())
        assert fx.errors == []
        self.nodes = {n["node_id"]: n for n in fx.nodes.to_pylist()}
        self.edges = fx.edges.to_pylist()
        self.xedges = fx.xedges.to_pylist()
        self.props: dict[int, dict[str, str]] = {}
        for p in fx.props.to_pylist():
            self.props.setdefault(p["node_id"], {})[p["key"]] = p["value"]

    def d(self, i: int) -> str:
        n = self.nodes[i]
        return f"{n['ast_type'] or n['kind']}:{n['name']}@{n['start_line']}:{n['start_col']}"

    def pairs(self, kind: str) -> list[tuple[str, str]]:
        return sorted(
            (self.d(e["src_id"]), self.d(e["dst_id"])) for e in self.edges if e["kind"] == kind
        )

    def find(self, desc: str) -> int:
        (hit,) = [i for i in self.nodes if self.d(i) == desc]
        return hit


@pytest.fixture(scope="module")
def core() -> Snippet:
    return Snippet("gen/core.py", CORE)


def test_ref_edges_exact(core: Snippet) -> None:
    assert core.pairs("REF") == sorted(
        [
            ("Name:self@8:8", "arg:self@7:17"),
            ("Name:v@8:17", "arg:v@7:23"),
            # type Pair[K, V = int] = tuple[K, V]: the type parameters bind K and V
            ("Name:K@11:30", "TypeVar:K@11:10"),
            ("Name:V@11:33", "TypeVar:V@11:13"),
            # a recursive alias refers to its own binding
            ("Name:Tree@12:17", "Name:Tree@12:5"),
            # bound of T (a type variable scope) -> the module's class
            ("Name:Base@15:13", "ClassDef:Base@6:0"),
            ("Name:Callable@15:41", "alias:Callable@1:28"),
            # annotations of a generic def see its type parameters, not module T
            ("Name:P@15:50", "ParamSpec:P@15:24"),
            ("Name:T@15:53", "TypeVar:T@15:10"),
            ("Name:Ts@15:65", "TypeVarTuple:Ts@15:19"),
            ("Name:T@15:72", "TypeVar:T@15:10"),
            # ... and so does the body (T is free there)
            ("Name:T@16:9", "TypeVar:T@15:10"),
            ("Name:fn@16:13", "arg:fn@15:37"),
            ("Name:out@17:11", "Name:out@16:4"),
            ("Name:Base@20:31", "ClassDef:Base@6:0"),
            # a class-level alias sees the class's type parameter
            ("Name:S@21:22", "TypeVar:S@20:10"),
            ("Name:Items@22:18", "Name:Items@21:9"),
            ("Name:Callable@24:24", "alias:Callable@1:28"),
            ("Name:S@24:34", "TypeVar:S@20:10"),
            ("Name:U@24:38", "TypeVar:U@24:12"),
            ("Name:Box@25:15", "ClassDef:Box@20:0"),
            ("Name:U@25:19", "TypeVar:U@24:12"),
            ("Name:f@25:22", "arg:f@24:21"),
            ("Name:self@25:24", "arg:self@24:15"),
            ("Name:self@28:18", "arg:self@27:13"),
            # PEP 701 replacement fields: nested same quotes, nested format specs,
            # a backslash, a comment, nested f-strings; 3.12+ positions
            ("Name:d@31:15", "Name:d@28:8"),
            ("Name:width@31:23", "arg:width@27:19"),
            ("Name:prec@31:31", "arg:prec@27:31"),
            ("Name:xs@32:25", "Name:xs@29:8"),
            ("Name:self@34:16", "arg:self@27:13"),
            ("Name:width@36:21", "arg:width@27:19"),
            ("Name:Box@40:15", "ClassDef:Box@20:0"),
            ("Name:Box@41:8", "ClassDef:Box@20:0"),
            ("Name:Box@42:8", "ClassDef:Box@20:0"),
            ("Name:b@43:4", "Name:b@41:4"),
            ("Name:c@44:11", "Name:c@42:4"),
            ("Name:Pair@47:13", "Name:Pair@11:5"),
        ]
    )
    builtins = sorted(
        (core.d(e["src_id"]), e["dst_qualname"]) for e in core.xedges if e["kind"] == "REF"
    )
    assert ("Name:int@11:17", "builtins.int") in builtins  # a default: type variable scope
    assert ("Name:str@20:19", "builtins.str") in builtins  # constraints


def test_scope_and_binding_props(core: Snippet) -> None:
    p = core.props
    assert p[core.find("Name:K@11:30")]["scope"] == "type_alias"
    assert p[core.find("Name:K@11:30")]["binding"] == "free"
    assert p[core.find("Name:Base@15:13")]["scope"] == "type_variable"
    assert p[core.find("Name:T@15:53")]["scope"] == "type_parameters"
    assert p[core.find("Name:T@15:53")]["binding"] == "cell"  # the body captures T
    assert p[core.find("Name:T@16:9")]["binding"] == "free"
    assert p[core.find("TypeAlias:Pair@11:0")]["scope"] == "type_alias"
    assert p[core.find("TypeVar:T@15:10")] == {"bound": "Base", "scope": "type_variable"}
    assert p[core.find("ParamSpec:P@15:24")] == {"default": "[int]", "scope": "type_variable"}
    assert p[core.find("TypeVar:S@20:10")] == {
        "constraints": "(int, str)",
        "default": "int",
        "scope": "type_variable",
    }
    assert "scope" not in p.get(core.find("TypeVarTuple:Ts@15:19"), {})


def test_type_parameter_nodes_and_qualnames(core: Snippet) -> None:
    kinds = Counter(
        n["kind"]
        for n in core.nodes.values()
        if n["ast_type"] in ("TypeVar", "ParamSpec", "TypeVarTuple")
    )
    assert kinds == {"TYPE_PARAMETER": 7}
    quals = {n["qualname"] for n in core.nodes.values() if n["kind"] in ("FUNCTION", "CLASS")}
    # CPython's __qualname__: a generic def/class is named as a plain one
    assert {"gen.core.first", "gen.core.Box", "gen.core.Box.map", "gen.core.build"} <= quals
    assert core.nodes[core.find("TypeAlias:Pair@11:0")]["kind"] == "STATEMENT"


def test_fstring_replacement_fields_are_positioned_expressions(core: Snippet) -> None:
    fv = sorted(
        (n["start_line"], n["start_col"], n["end_line"], n["end_col"])
        for n in core.nodes.values()
        if n["ast_type"] == "FormattedValue"
    )
    # one per {...}, nested specs and nested f-strings included, each at its braces
    assert fv == [
        (31, 14, 31, 37),  # {d["k"]:{width}.{prec}}
        (31, 22, 31, 29),  # {width} in the format spec
        (31, 30, 31, 36),  # {prec}
        (32, 14, 32, 29),  # {'\n'.join(xs)}
        (33, 14, 35, 13),  # a field over three lines, with a comment
        (36, 14, 36, 31),  # {f"{f"{width}"}"}
        (36, 17, 36, 29),
        (36, 20, 36, 27),
    ]
    call = core.find("Call:'\\n'.join@32:15")
    assert core.nodes[call]["end_col"] == 28


def test_reaching_defs_through_type_statements(core: Snippet) -> None:
    rd = core.pairs("REACHING_DEF")
    assert ("Name:Pair@11:5", "Name:Pair@47:13") in rd
    assert ("Name:Items@21:9", "Name:Items@22:18") in rd
    # lazily evaluated: no use at the statement, so module T never reaches the
    # annotation of first (its own type parameter) and Base does not reach the bound
    srcs = {s for s, _ in rd}
    assert not any(s.startswith("Name:T@3:") for s in srcs)
    assert ("ClassDef:Base@6:0", "Name:Base@15:13") not in rd
    assert ("ClassDef:Base@6:0", "Name:Base@20:31") in rd  # bases run at the statement
    assert ("alias:Callable@1:28", "Name:Callable@15:41") in rd  # annotations do too
    assert not any(u.startswith("Name:Tree@") or u.startswith("Name:K@") for _, u in rd)


def test_cfg_through_type_statements(core: Snippet) -> None:
    mod = next(i for i, n in core.nodes.items() if n["kind"] == "MODULE")
    body = {e["dst_id"] for e in core.edges if e["kind"] == "CONTAINS" and e["src_id"] == mod}
    cfg = sorted(
        (core.d(e["src_id"]), core.d(e["dst_id"]), e["label"] or "")
        for e in core.edges
        if e["kind"] == "CFG" and e["src_id"] in body
    )
    entry, exit_ = "CFG_ENTRY:gen.core@None:None", "CFG_EXIT:gen.core@None:None"
    pair, tree = "TypeAlias:Pair@11:0", "TypeAlias:Tree@12:0"
    first, box, build = "FunctionDef:first@15:0", "ClassDef:Box@20:0", "FunctionDef:build@40:0"
    imp, base = "ImportFrom:collections.abc@1:0", "ClassDef:Base@6:0"
    t, user = "Assign:None@3:0", "Assign:None@47:0"
    # a ``type`` statement never raises (its value, bounds and defaults are lazy): no
    # exception edge, unlike the generic def and class whose annotations/bases run
    assert cfg == sorted(
        [
            (entry, imp, ""),
            (imp, exit_, "exception"),
            (imp, t, ""),
            (t, base, ""),
            (base, exit_, "exception"),
            (base, pair, ""),
            (pair, tree, ""),
            (tree, first, ""),
            (first, exit_, "exception"),
            (first, box, ""),
            (box, exit_, "exception"),
            (box, build, ""),
            (build, exit_, "exception"),
            (build, user, ""),
            (user, exit_, "exception"),
            (user, exit_, ""),
        ]
    )
    dom = core.pairs("DOMINATE")
    assert (pair, tree) in dom and (base, pair) in dom and (tree, first) in dom


def test_symtable_agreement() -> None:
    stats: Counter = Counter()
    bad: list = []
    for path, src in FILES.items():
        check_file(path, src, stats, bad)
    assert bad == []
    assert stats["names"] == stats["agree"] > 60
    assert stats["unmapped_tables"] == stats["tables_left_over"] == 0
    assert stats["symbols_unattributed"] == 0
    # every annotation scope kind is exercised
    tree = ast.parse(CORE)
    assert sum(isinstance(n, ast.TypeAlias) for n in ast.walk(tree)) == 3


def test_call_graph_through_generics() -> None:
    assert case_pairs(FILES) == {
        ("gen.core.Box.map", "gen.core.Base.__init__"),  # Box[U](...)
        ("gen.core.build", "gen.core.Base.__init__"),  # Box[int](1) and Box(2)
        ("gen.core.build", "gen.core.Box.map"),
        ("gen.core.build", "gen.core.Box.show"),  # on the instance Box[int] made
        ("gen.core.Box.show", "<builtin>.str.join"),  # a method of a str literal
        ("gen.use.run", "gen.core.Base.__init__"),
        ("gen.use.run", "gen.core.Box.show"),
        ("gen.use.run", "gen.core.first"),
        ("gen.core.first", "gen.use.run"),  # fn() with fn = run
    }


def test_repository_build(tmp_path: Path) -> None:
    repo = tmp_path / "py313"
    make_git_repo(repo, dict(FILES))
    wh = tmp_path / "wh"
    assert cli.main(["build", str(repo), "--warehouse", str(wh)]) == 0
    assert DeltaTable(str(wh / "extract_errors")).to_pyarrow_table().num_rows == 0
    nodes = DeltaTable(str(wh / "cpg_nodes")).to_pyarrow_table().to_pylist()
    edges = DeltaTable(str(wh / "cpg_edges")).to_pyarrow_table().to_pylist()
    by_id = {n["node_id"]: n for n in nodes}
    box = next(n["node_id"] for n in nodes if n["qualname"] == "gen.core.Box")
    # the CALL node of ``Box[int](1)`` reaches the class, as ``Box(2)`` does
    calls = {
        (by_id[e["src_id"]]["start_line"], by_id[e["src_id"]]["path"])
        for e in edges
        if e["kind"] == "CALL" and e["dst_id"] == box
    }
    assert calls == {
        (25, "gen/core.py"),
        (41, "gen/core.py"),
        (42, "gen/core.py"),
        (5, "gen/use.py"),
    }
