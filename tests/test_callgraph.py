"""Call-graph cases per category: each written to a temporary repo, extracted and
resolved, and compared with the expected (caller, callee) pairs."""

from __future__ import annotations

import pytest

from tests.callgraph_cases.cases import CASES
from tests.resolve_helpers import case_pairs, expected_pairs

PARAMS = [
    pytest.param(files, expected, id=f"{cat}/{name}")
    for cat, cases in sorted(CASES.items())
    for name, (files, expected) in sorted(cases.items())
]


@pytest.mark.parametrize(("files", "expected"), PARAMS)
def test_case(files: dict[str, str], expected: dict[str, list[str]]) -> None:
    got = case_pairs(files)
    want = expected_pairs(expected)
    assert got == want, f"missing {sorted(want - got)} extra {sorted(got - want)}"


def test_every_category_has_cases() -> None:
    cats = {
        "arguments",
        "assignments",
        "builtins",
        "classes",
        "decorators",
        "dicts",
        "direct_calls",
        "dynamic",
        "exceptions",
        "external",
        "functions",
        "generators",
        "imports",
        "kwargs",
        "lambdas",
        "lists",
        "mro",
        "returns",
    }
    assert cats <= set(CASES)
