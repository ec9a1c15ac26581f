"""The shape of a call-graph case, shared by every case module: the files of a tiny
repository (path -> source, dedented) and the expected calls (caller qualname -> callee
qualnames, PyCG conventions, see ``cases.py``)."""

from __future__ import annotations

from textwrap import dedent

Case = tuple[dict[str, str], dict[str, list[str]]]


def files_case(files: dict[str, str], expected: dict[str, list[str]]) -> Case:
    """A case of several files."""
    return {p: dedent(s) for p, s in files.items()}, expected


def main_case(src: str, expected: dict[str, list[str]]) -> Case:
    """A one-file case (``main.py``)."""
    return {"main.py": dedent(src)}, expected
