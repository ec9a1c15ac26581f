"""PARAMETER and IMPORT props, ARGUMENT and RECEIVER edges (extract/calls_local.py)."""

from __future__ import annotations

import textwrap

from codeanatomy_hamilton.extract.file import extract_file


def _extract(src: str):
    fx = extract_file("pkg/mod.py", textwrap.dedent(src).encode())
    assert not fx.errors, fx.errors
    nodes = {n["node_id"]: n for n in fx.nodes.to_pylist()}
    props: dict[int, dict[str, str]] = {}
    for p in fx.props.to_pylist():
        props.setdefault(p["node_id"], {})[p["key"]] = p["value"]
    return nodes, props, fx.edges.to_pylist()


def _params(src: str) -> dict[str, dict[str, str]]:
    nodes, props, _ = _extract(src)
    keys = ("param_kind", "position", "has_default", "default")
    return {
        n["name"]: {k: v for k, v in props[i].items() if k in keys}
        for i, n in nodes.items()
        if n["kind"] == "PARAMETER"
    }


def test_parameter_kinds_positions_and_defaults() -> None:
    params = _params("def f(a, b=1, /, c=x + 1, *args, d, e=[1, 2], **kw): pass\n")
    assert params == {
        "a": {"param_kind": "positional_only", "position": "0", "has_default": "false"},
        "b": {
            "param_kind": "positional_only",
            "position": "1",
            "has_default": "true",
            "default": "1",
        },
        "c": {
            "param_kind": "positional_or_keyword",
            "position": "2",
            "has_default": "true",
            "default": "x + 1",
        },
        "args": {"param_kind": "vararg", "position": "3", "has_default": "false"},
        "d": {"param_kind": "keyword_only", "position": "4", "has_default": "false"},
        "e": {
            "param_kind": "keyword_only",
            "position": "5",
            "has_default": "true",
            "default": "[1, 2]",
        },
        "kw": {"param_kind": "kwarg", "position": "6", "has_default": "false"},
    }


def test_lambda_and_method_parameters() -> None:
    params = _params(
        """\
        class C:
            async def m(self, *, flag=True): pass
        g = lambda x, y=2: x
        """
    )
    assert params["self"]["param_kind"] == "positional_or_keyword"
    assert params["flag"] == {
        "param_kind": "keyword_only",
        "position": "1",
        "has_default": "true",
        "default": "True",
    }
    assert params["y"]["default"] == "2" and params["y"]["position"] == "1"
    assert params["x"]["has_default"] == "false"


def test_parameter_props_have_types() -> None:
    fx = extract_file("m.py", b"def f(a=1): pass\n")
    types = {
        p["key"]: p["value_type"]
        for p in fx.props.to_pylist()
        if p["key"] in ("position", "has_default", "param_kind")
    }
    assert types == {"position": "int", "has_default": "bool", "param_kind": "str"}


def test_import_binds_and_modules() -> None:
    nodes, props, _ = _extract(
        """\
        import a.b.c, d.e as f
        from ..pkg.mod import x as y, z
        from . import sibling
        from m import *
        def inner():
            import json
        """
    )
    got = {
        n["start_line"]: (props[i]["binds"], props[i]["modules"])
        for i, n in nodes.items()
        if n["kind"] == "IMPORT"
    }
    assert got == {
        1: ("a,f", "a.b.c,d.e"),
        2: ("y,z", "..pkg.mod"),
        3: ("sibling", "."),
        4: ("*", "m"),
        6: ("json", "json"),
    }


def _call_edges(src: str) -> list[tuple[str, str, str, str | None, int | None, str | None]]:
    nodes, _, edges = _extract(src)
    out = []
    for e in edges:
        if e["kind"] in ("ARGUMENT", "RECEIVER"):
            s, d = nodes[e["src_id"]], nodes[e["dst_id"]]
            text = d["name"] if d["name"] is not None else d["ast_type"]
            out.append((e["kind"], s["name"], text, d["ast_type"], e["index"], e["label"]))
    return sorted(out, key=lambda r: (r[1], r[0], r[4] if r[4] is not None else 99, r[5] or ""))


def test_arguments_keywords_starred_and_receiver() -> None:
    edges = _call_edges("obj.meth(a, *xs, key=2, **kws)\n")
    assert edges == [
        ("ARGUMENT", "obj.meth", "a", "Name", 0, None),
        ("ARGUMENT", "obj.meth", "Starred", "Starred", 1, "star"),
        ("ARGUMENT", "obj.meth", "kws", "Name", None, "**"),
        ("ARGUMENT", "obj.meth", "Constant", "Constant", None, "key"),
        ("RECEIVER", "obj.meth", "obj", "Name", None, None),
    ]


def test_nested_calls_and_no_receiver_for_plain_calls() -> None:
    edges = _call_edges("f(g(1), h)\nget()(2)\n")
    assert ("ARGUMENT", "f", "g", "Call", 0, None) in edges
    assert ("ARGUMENT", "f", "h", "Name", 1, None) in edges
    assert ("ARGUMENT", "g", "Constant", "Constant", 0, None) in edges
    assert ("ARGUMENT", "get()", "Constant", "Constant", 0, None) in edges
    assert not [e for e in edges if e[0] == "RECEIVER"]


def test_receiver_is_attribute_value_expression() -> None:
    edges = _call_edges("a.b.c(1)\n'x'.join(parts)\n")
    assert ("RECEIVER", "a.b.c", "b", "Attribute", None, None) in edges
    assert ("RECEIVER", "'x'.join", "Constant", "Constant", None, None) in edges
    assert ("ARGUMENT", "'x'.join", "parts", "Name", 0, None) in edges
