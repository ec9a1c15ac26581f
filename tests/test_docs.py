"""docs/tables.md names every node kind, edge kind, prop key and error kind the engine
produces, the vocabulary (``core.vocabulary``) holds exactly the kinds the doc's tables
list, and a build of the snippets below emits no kind outside it, so the reference stays
true as the engine grows."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import codeanatomy_hamilton
from codeanatomy_hamilton.core.vocabulary import (
    EDGE_KINDS,
    ERROR_KINDS,
    NODE_KINDS,
    VALUE_FLOW_KINDS,
    NodeKind,
)
from codeanatomy_hamilton.extract.file import extract_file
from tests.resolve_helpers import resolve_sources

DOC = Path(__file__).resolve().parents[1] / "docs" / "tables.md"

SOURCES = {
    "pkg/__init__.py": '"""Package."""\nfrom .base import Base\n',
    "pkg/base.py": (
        "import os\n\n\nclass Base:\n"
        '    """Base."""\n\n'
        "    def run(self, x: int = 1, *a, k=2, **kw) -> int:\n"
        "        total = 0\n"
        "        for i in range(x):\n"
        "            if i % 2 and not k:\n"
        "                total += i\n"
        "        with open(os.devnull) as fh:\n"
        "            fh.write(f'{total!r}')\n"
        "        try:\n"
        "            return [y for y in a if y][0]\n"
        "        except IndexError as e:\n"
        "            raise ValueError(e) from None\n"
        "        finally:\n"
        "            del total\n"
    ),
    "main.py": (
        "from __future__ import annotations\n"
        "from pkg import Base\nfrom pkg.base import *\n\n\n"
        "class Child(Base):\n"
        "    @staticmethod\n"
        "    def make(v: Base) -> Base:\n"
        "        match v:\n"
        "            case Base():\n"
        "                return Child()\n"
        "        return (lambda q: q)(v)\n\n\n"
        "def outer():\n    n = 1\n\n    def inner():\n        nonlocal n\n        global G\n"
        "        n += 1\n        return undefined_name\n    return inner\n\n\n"
        "Child.make(Base()).run(3, b'x', None, 1.5, ..., k=True)\nprint(len([]))\n"
    ),
    # PEP 695/696 generics and a type alias (3.12+/3.13 syntax)
    "gen.py": (
        "class Box[T: int = int, *Ts, **P]:\n    def get[U: (str, bytes)](self, u: U) -> T: ...\n\n\n"
        "type Pair[K] = tuple[K, K]\nBox[int]()\n"
    ),
    # a module variable stored in one function and read in another; a raise caught
    # by a handler of the same function
    "state.py": (
        "G = 0\n\n\ndef set_g():\n    global G\n    G = 1\n\n\ndef get_g():\n    return G\n\n\n"
        "def catch():\n    try:\n        raise KeyError('k')\n    except KeyError as err:\n"
        "        return err\n"
    ),
}
# kinds no snippet can reach: TYPE_IGNORE needs a parse with type comments, AST_NODE is
# the fallback for ``ast`` classes a module's tree never holds
UNREACHED_NODE_KINDS = {NodeKind.TYPE_IGNORE, NodeKind.AST_NODE}


def _documented() -> set[str]:
    """Every `code span` of the doc's tables."""
    return set(re.findall(r"`([^`]+)`", DOC.read_text())) | set(
        re.findall(r"^\| ([A-Za-z0-9_]+(?:, [A-Za-z0-9_]+)*) \|", DOC.read_text(), re.M)
    )


def _words(cells: set[str]) -> set[str]:
    return {w.strip() for c in cells for w in c.split(",")}


def _first_column(heading: str) -> set[str]:
    """The names in the first column of the table under ``### heading`` (cells like
    ``CFG_ENTRY, CFG_EXIT`` give both; backticks dropped; the header row skipped)."""
    text = DOC.read_text()
    section = text[text.index(f"\n### {heading}\n") :]
    section = section[: section.find("\n#", 1) if "\n#" in section[1:] else len(section)]
    rows = [line for line in section.splitlines() if line.startswith("| ")]
    assert rows, heading
    return {
        w.strip().strip("`")
        for row in rows[1:]  # rows[0] is the header; "|---|" rows do not start "| "
        for w in row.split("|")[1].split(",")
    }


def test_every_kind_and_prop_key_is_documented() -> None:
    inp, out = resolve_sources(SOURCES)
    node_kinds = set(inp.nodes.column("kind").to_pylist()) | {"EXTERNAL"}
    edge_kinds = (
        set(inp.edges.column("kind").to_pylist())
        | set(inp.xedges.column("kind").to_pylist())
        | set(out.edges.column("kind").to_pylist())
        | set(out.xedges.column("kind").to_pylist())
    )
    keys = set(out.props.column("key").to_pylist())
    for path, src in SOURCES.items():
        keys |= set(extract_file(path, src.encode()).props.column("key").to_pylist())
    # the build emits only kinds of the vocabulary, and the snippets reach every kind of
    # it (but the two no module's tree holds)
    assert sorted(node_kinds - set(NODE_KINDS)) == []
    assert sorted(edge_kinds - set(EDGE_KINDS)) == []
    assert sorted(set(NODE_KINDS) - node_kinds) == sorted(UNREACHED_NODE_KINDS)
    assert sorted(set(EDGE_KINDS) - edge_kinds) == []
    documented = _words(_documented())
    assert sorted(node_kinds - documented) == []
    assert sorted(edge_kinds - documented) == []
    assert sorted(keys - documented) == []


def test_vocabulary_is_what_the_doc_tables_list() -> None:
    """Each kind table of docs/tables.md lists exactly the vocabulary's kinds."""
    assert sorted(_first_column("Node kinds")) == sorted(NODE_KINDS)
    edges = _first_column("Edge kinds") | _first_column("Value-flow edges")
    assert sorted(edges) == sorted(EDGE_KINDS)
    assert set(VALUE_FLOW_KINDS) <= set(EDGE_KINDS)
    assert sorted(_first_column("Error kinds")) == sorted(ERROR_KINDS)


def test_every_error_kind_is_documented() -> None:
    root = Path(codeanatomy_hamilton.__file__).parent
    kinds = set()
    direct: set[str] = set()  # the kinds passed to SourceError as literals
    # the modules that make SourceErrors (a test below fails if one is added elsewhere)
    makers = [root / "scan" / "snapshot.py", *sorted((root / "extract").rglob("*.py"))]
    for path in root.rglob("*.py"):
        if "SourceError(" in path.read_text():
            assert path in makers, path
    for path in makers:
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", None) == "SourceError"
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                kinds.add(node.args[0].value)
                direct.add(node.args[0].value)
            # kinds chosen by a conditional expression: ``"a" if ... else "b"``
            if isinstance(node, ast.Assign) and any(
                getattr(t, "id", None) == "kind" for t in node.targets
            ):
                for c in ast.walk(node.value):
                    if isinstance(c, ast.Constant) and re.fullmatch(r"[a-z0-9_]+", str(c.value)):
                        kinds.add(c.value)
    assert {"parse_error", "too_deep", "decode_error", "unknown_encoding"} <= kinds
    assert {"null_bytes", "pass_error", "id_collision"} <= direct
    assert sorted(direct - set(ERROR_KINDS)) == []
    assert sorted(kinds - _words(_documented())) == []
