"""Error kinds for files the running interpreter cannot parse: sources that need a
newer Python (``newer_syntax``, naming the feature) versus Python 2 sources
(``python2_syntax``) versus plain syntax errors; and the one error-kind vocabulary."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from codeanatomy_hamilton.core.errors import SourceError
from codeanatomy_hamilton.core.vocabulary import ERROR_KINDS
from codeanatomy_hamilton.extract.file import extract_file

pytestmark = pytest.mark.skipif(
    sys.version_info >= (3, 14), reason="3.14 parses t-strings and PEP 758 except lists"
)


def _error(src: str) -> SourceError:
    fx = extract_file("pkg/m.py", src.encode())
    assert len(fx.errors) == 1, fx.errors
    return fx.errors[0]


@pytest.mark.parametrize(
    ("src", "line"),
    [
        ('x = t"hello {name}"\n', 1),
        ("a = 1\nb = rt'raw {a}' + T'{a!r}'\n", 2),
        ('def f():\n    return Tr"""{x}"""\n', 2),
    ],
)
def test_template_strings_need_314(src: str, line: int) -> None:
    err = _error(src)
    assert err.error_kind == "newer_syntax"
    assert err.line == line
    assert "t-string" in err.message and "PEP 750" in err.message
    assert f"Python {sys.version_info.major}.{sys.version_info.minor}" in err.message


@pytest.mark.parametrize(
    "clause",
    ["except ValueError, TypeError:", "except* OSError, KeyError:", "except a.B, c, d:"],
)
def test_unparenthesized_except_list_needs_314(clause: str) -> None:
    err = _error(f"try:\n    pass\n{clause}\n    pass\n")
    assert err.error_kind == "newer_syntax"
    assert err.line == 3
    assert "PEP 758" in err.message


@pytest.mark.parametrize(
    "src",
    [
        "try:\n    pass\nexcept ValueError, e:\n    pass\n",
        'print "hello"\n',
        "exec 'x = 1'\n",
    ],
)
def test_python2_keeps_its_kind(src: str) -> None:
    assert _error(src).error_kind == "python2_syntax"


@pytest.mark.parametrize(
    "src",
    [
        "x = (\n",
        "t = 1\nx = t + 'a' 'b'(\n",
        # a name t next to a string, but not touching it: no t-string
        "x = t 'a'\n",
    ],
)
def test_plain_syntax_errors_stay_syntax_errors(src: str) -> None:
    assert _error(src).error_kind == "syntax_error"


def test_error_kind_vocabulary_is_closed_and_documented() -> None:
    with pytest.raises(ValueError, match="unknown error_kind"):
        SourceError("newer-syntax", "typo")
    readme = (Path(__file__).parents[1] / "README.md").read_text()
    para = readme[readme.index("`extract_errors.error_kind` is one of") :]
    para = para[: para.index("\n\n")]
    assert set(re.findall(r"`([a-z_0-9]+)`", para)) - {"error_kind"} == set(ERROR_KINDS)
