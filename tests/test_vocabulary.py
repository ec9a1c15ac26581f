"""The vocabulary has one home: no engine module spells a node kind, edge kind, fact
table or points-to value prefix as a string literal; it names them through
``core.vocabulary`` (so a grep for the constant finds every producer and consumer)."""

from __future__ import annotations

import ast
from pathlib import Path

import codeanatomy_hamilton
from codeanatomy_hamilton.core import vocabulary
from codeanatomy_hamilton.core.vocabulary import EDGE_KINDS, FACT_TABLES, NODE_KINDS, Val
from codeanatomy_hamilton.extract.fact_schemas import VF_FACT_SCHEMAS

ROOT = Path(codeanatomy_hamilton.__file__).parent
WORDS = (
    set(NODE_KINDS)
    | set(EDGE_KINDS)
    | set(FACT_TABLES)
    | {v for k, v in vars(Val).items() if k.isupper()}
)
EXEMPT = {ROOT / "core" / "vocabulary.py"}


def _literals(path: Path) -> list[tuple[int, str]]:
    """(line, value) of every plain string constant of the module that is a vocabulary
    word (docstrings are prose, so they are skipped; f-string parts never equal one)."""
    tree = ast.parse(path.read_text())
    docs = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                docs.add(id(body[0].value))
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and node.value in WORDS
        and id(node) not in docs
    ]


def test_no_engine_module_spells_the_vocabulary() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{line}: {value!r}"
        for path in sorted(ROOT.rglob("*.py"))
        if path not in EXEMPT
        for line, value in _literals(path)
    ]
    assert found == []


def test_the_check_sees_a_literal(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text('"""Doc: CALL."""\nKINDS = ("CALL", "rs_def")\nv = "c:" + q\n')
    assert _literals(bad) == [(2, "CALL"), (2, "rs_def"), (3, "c:")]


def test_fact_tables_have_their_columns() -> None:
    """Every ``RS_*`` name has its columns in ``FACT_COLUMNS`` and every ``VF_*`` name its
    schema in ``extract.valueflow``; no table name is spelled twice."""
    rs = {v for k, v in vars(vocabulary).items() if k.startswith("RS_")}
    assert sorted(rs) == sorted(vocabulary.FACT_COLUMNS)
    vf = {v for k, v in vars(vocabulary).items() if k.startswith("VF_") and isinstance(v, str)}
    assert sorted(vf) == sorted(VF_FACT_SCHEMAS) == sorted(vocabulary.VF_TABLES)
    assert len(set(FACT_TABLES)) == len(FACT_TABLES)
