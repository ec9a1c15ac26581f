"""Oracle tests of value flow: per construct, a small program whose flow is known.

Every case module defines ``source()`` (an internal function whose call is the
source) and ``sink(v)``; a case holds when a value-flow path exists from a
``source()`` call to the argument of the ``sink`` call in the function named by the
case (positive) or does not (negative: overwritten values, another index/key/object,
code under a constant-false condition, a model that passes nothing on). One build of
all cases; each test asks ``codeanatomy_hamilton.flows`` over the built warehouse.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import numpy as np
import pytest

from codeanatomy_hamilton.build import BuildRequest, run_build
from codeanatomy_hamilton.cli import main as cli_main
from codeanatomy_hamilton.flows import FlowError, find_flows, shortest_paths
from codeanatomy_hamilton.store.sql import query

PRELUDE = """
import os


def source():
    return input()


def sink(v):
    return None


class C:
    kind = "plain"

    def __init__(self, v=None):
        self.v = v

    def get(self):
        return self.v


class D(C):
    pass


def ident(a):
    return a


def second(a, b):
    return b


def star(*xs):
    return xs[0]


def kwargs(**kw):
    return kw["k"]


def gen(v):
    yield v


def raiser(v):
    raise ValueError(v)


class AppError(Exception):
    pass


class SubError(AppError):
    pass


class OtherError(Exception):
    pass


def raise_sub(v):
    raise SubError(v)


def via1(v):
    raise_sub(v)


def via2(v):
    via1(v)


def guard(v):
    try:
        raise_sub(v)
    except AppError:
        return None
"""

# case name -> (body of ``def <name>():``, flows?)
CASES: dict[str, tuple[str, bool]] = {
    # assignments and overwrites
    "assign": ("x = source()\ny = x\nsink(y)", True),
    "overwritten": ("x = source()\nx = 'safe'\nsink(x)", False),
    "overwritten_in_branch_both": (
        "x = source()\nif os.sep:\n    x = 'a'\nelse:\n    x = 'b'\nsink(x)",
        False,
    ),
    "tuple_unpack_literal": ("a, b = source(), 'safe'\nsink(a)", True),
    "tuple_unpack_literal_other": ("a, b = source(), 'safe'\nsink(b)", False),
    # expressions
    "binop": ("sink('cmd ' + source())", True),
    "fstring": ("x = source()\nsink(f'<{x}>')", True),
    "percent": ("sink('%s!' % source())", True),
    "ifexp": ("sink(source() if os.sep else 'x')", True),
    "ifexp_dead": ("sink(source() if 2 > 5 else 'x')", False),
    "compare_is_bool": ("sink(source() == 'x')", False),
    # calls into the repository
    "arg_param_return": ("sink(ident(source()))", True),
    "other_param": ("sink(second(source(), 'safe'))", False),
    "keyword": ("sink(second('safe', b=source()))", True),
    "keyword_other": ("sink(second(b='safe', a=source()))", False),
    "star_args": ("sink(star(source()))", True),
    "double_star": ("sink(kwargs(k=source()))", True),
    "unpack_star": ("args = [source()]\nsink(second('x', *args))", True),
    "constructor_method": ("c = C(source())\nsink(c.get())", True),
    "constructor_keyword_attr": ("c = C(v=source())\nsink(c.v)", True),
    "generator_for": ("for y in gen(source()):\n    sink(y)", True),
    # attributes
    "attr_same_object": ("a = C()\na.v = source()\nsink(a.v)", True),
    "attr_other_object": ("a = C()\nb = C()\na.v = source()\nsink(b.v)", False),
    "attr_other_name": ("a = C()\na.w = source()\nsink(a.v)", False),
    "class_attr_inherited": ("C.kind = source()\nsink(D().kind)", True),
    "class_attr_own_instance": ("C.kind = source()\nsink(C().kind)", True),
    "class_attr_other": ("C.kind = source()\nsink(C().v)", False),
    "module_attr": ("sink(os.environ)", False),
    # containers
    "list_index": ("l = [source(), 'safe']\nsink(l[0])", True),
    "list_other_index": ("l = [source(), 'safe']\nsink(l[1])", False),
    "list_append": ("l = []\nl.append(source())\nsink(l[0])", True),
    "list_iter": ("l = ['a', source()]\nfor e in l:\n    sink(e)", True),
    "dict_key": ("d = {'a': source(), 'b': 'safe'}\nsink(d['a'])", True),
    "dict_other_key": ("d = {'a': source(), 'b': 'safe'}\nsink(d['b'])", False),
    "dict_store_get": ("d = {}\nd['k'] = source()\nsink(d.get('k'))", True),
    "dict_store_other": ("d = {}\nd['k'] = source()\nsink(d['j'])", False),
    "dict_get_key": ("d = {'a': source(), 'b': 'safe'}\nsink(d.get('a'))", True),
    "dict_get_other_key": ("d = {'a': source(), 'b': 'safe'}\nsink(d.get('b'))", False),
    "dict_pop_other_key": ("d = {'b': 'safe'}\nd['a'] = source()\nsink(d.pop('b'))", False),
    "dict_get_unknown_key": ("d = {'a': source()}\nk = input()\nsink(d.get(k))", True),
    "dict_get_untracked": ("x = source()\nsink(x.get('b'))", True),
    "whole_list_to_external": ("sink(', '.join([source()]))", True),
    # constant conditions
    "dead_if": ("x = source()\nif False:\n    sink(x)", False),
    "dead_arith": ("x = source()\nif 40 * 3 < 100:\n    sink(x)", False),
    "dead_else": ("x = source()\nif 1:\n    pass\nelse:\n    sink(x)", False),
    "live_if": ("x = source()\nif 3 < 100:\n    sink(x)", True),
    # externals and models
    "external_default": ("sink(os.path.join('a', source()))", True),
    "model_no_flow": ("sink(len(source()))", False),
    "method_model": ("sink(source().strip())", True),
    "slice": ("sink(source()[1:])", True),
    # exceptions
    "raise_except": (
        "try:\n    raise ValueError(source())\nexcept ValueError as e:\n    sink(e)",
        True,
    ),
    "raise_in_callee": ("try:\n    raiser(source())\nexcept ValueError as e:\n    sink(e)", True),
    # exceptions by class: a handler of the raised class or a base of it catches
    "exc_subclass": (
        "try:\n    raise SubError(source())\nexcept AppError as e:\n    sink(e)",
        True,
    ),
    "exc_unrelated": (
        "try:\n    raise SubError(source())\nexcept OtherError as e:\n    sink(e)",
        False,
    ),
    "exc_tuple": (
        "try:\n    raise SubError(source())\nexcept (OtherError, AppError) as e:\n    sink(e)",
        True,
    ),
    "exc_raise_instance": (
        "err = SubError(source())\ntry:\n    raise err\nexcept OtherError as e:\n    sink(e)",
        False,
    ),
    "exc_shadowed": (
        "try:\n    raise SubError(source())\nexcept AppError:\n    pass\n"
        "except SubError as e:\n    sink(e)",
        False,
    ),
    "exc_first_handler": (
        "try:\n    raise SubError(source())\nexcept AppError as e:\n    sink(e)\n"
        "except SubError as e2:\n    pass",
        True,
    ),
    "exc_inner_try_catches": (
        "try:\n    try:\n        raise SubError(source())\n    except SubError:\n        pass\n"
        "except AppError as e:\n    sink(e)",
        False,
    ),
    "exc_outside_try": (
        "try:\n    x = 1\nexcept ValueError as e:\n    sink(e)\nraise ValueError(source())",
        False,
    ),
    "exc_in_handler_body": (
        "try:\n    x = 1\nexcept ValueError as e:\n    sink(e)\n    raise ValueError(source())",
        False,
    ),
    "exc_three_levels": ("try:\n    via2(source())\nexcept AppError as e:\n    sink(e)", True),
    "exc_three_levels_other": (
        "try:\n    via2(source())\nexcept OtherError as e:\n    sink(e)",
        False,
    ),
    "exc_caught_in_callee": (
        "try:\n    guard(source())\nexcept SubError as e:\n    sink(e)",
        False,
    ),
    "exc_reraise_subclass_handler": (
        "try:\n    try:\n        raise SubError(source())\n    except AppError as inner:\n"
        "        raise\nexcept SubError as e:\n    sink(e)",
        True,
    ),
    "exc_reraise_unrelated": (
        "try:\n    try:\n        raise SubError(source())\n    except AppError as inner:\n"
        "        raise\nexcept OtherError as e:\n    sink(e)",
        False,
    ),
    "exc_reraise_in_callee": (
        "def rethrow(v):\n    try:\n        raise_sub(v)\n    except AppError as err:\n"
        "        raise\n\ntry:\n    rethrow(source())\nexcept Exception as e:\n    sink(e)",
        True,
    ),
    "exc_builtin_base": ("try:\n    raiser(source())\nexcept Exception as e:\n    sink(e)", True),
    "exc_builtin_other": (
        "try:\n    raiser(source())\nexcept LookupError as e:\n    sink(e)",
        False,
    ),
    "exc_base_exception": (
        "try:\n    raise SubError(source())\nexcept BaseException as e:\n    sink(e)",
        True,
    ),
    "exc_unknown_raised": ("try:\n    raise source()\nexcept OtherError as e:\n    sink(e)", True),
    "exc_unknown_handler": (
        "try:\n    raise SubError(source())\nexcept os.what_error() as e:\n    sink(e)",
        True,
    ),
    # module globals and closures
    "closure": ("v = source()\n\ndef inner():\n    sink(v)\n\ninner()", True),
    # functions called back by builtins and functools.partial
    "hof_map": ("def use(v):\n    sink(v)\n\nlist(map(use, [source()]))", True),
    "hof_map_result": ("for y in map(ident, [source()]):\n    sink(y)", True),
    "hof_map_other_iterable": (
        "def use(v, w):\n    sink(w)\n\nlist(map(use, [source()], ['safe']))",
        False,
    ),
    "hof_sorted_key": ("def k(v):\n    sink(v)\n    return 0\n\nsorted([source()], key=k)", True),
    "hof_filter": ("def keep(v):\n    sink(v)\n    return True\n\nfilter(keep, [source()])", True),
    "hof_key_result": (
        "def k(v):\n    return source()\n\nsink(sorted(['a'], key=k))",
        False,
    ),
    "partial": (
        "import functools\n\ndef use(a, b):\n    sink(b)\n\n"
        "functools.partial(use, 'x', source())()",
        True,
    ),
    "partial_keyword": (
        "import functools\n\ndef use(a, b=None):\n    sink(b)\n\n"
        "functools.partial(use, b=source())('x')",
        True,
    ),
    "partial_other_param": (
        "import functools\n\ndef use(a, b):\n    sink(a)\n\n"
        "functools.partial(use, 'x', source())()",
        False,
    ),
}

GLOBAL_CASE = """
G = source()


def global_read():
    sink(G)
"""


DECO_CASE = """
def deco(fn):
    return fn


def wrap(fn):
    def wrapper(*a):
        return fn(*a)

    return wrapper


@wrap
@deco
def decorated():
    return 1


def plain():
    return 2
"""


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("vf")
    repo = root / "repo"
    (repo / "cases").mkdir(parents=True)
    (repo / "cases" / "__init__.py").write_text("")
    for name, (body, _expected) in CASES.items():
        code = PRELUDE + f"\n\ndef {name}():\n" + textwrap.indent(body, "    ") + "\n"
        (repo / "cases" / f"{name}.py").write_text(code)
    (repo / "cases" / "global_read.py").write_text(PRELUDE + GLOBAL_CASE)
    (repo / "cases" / "conf.py").write_text(PRELUDE + "\nVALUE = source()\nOTHER = 'x'\n")
    (repo / "cases" / "modattr.py").write_text(
        PRELUDE + "\nfrom cases import conf\n\n\ndef modattr():\n"
        "    sink(conf.VALUE)\n\n\ndef modattr_other():\n    sink(conf.OTHER)\n"
    )
    (repo / "cases" / "fromimp.py").write_text(
        PRELUDE + "\nfrom cases.conf import VALUE, OTHER\nfrom .conf import VALUE as V2\n"
        "from os.path import sep\n\n\n"
        "def fromimp():\n    sink(VALUE)\n\n\ndef fromimp_rel():\n    sink(V2)\n\n\n"
        "def fromimp_other():\n    sink(OTHER)\n\n\ndef fromimp_ext():\n    sink(sep)\n\n\n"
        "sink(VALUE)\n"
    )
    (repo / "cases" / "deco.py").write_text(DECO_CASE)
    wh = root / "wh"
    result = run_build(BuildRequest(repo_path=str(repo), warehouse=str(wh), repo_id="vf"))
    assert result.error_count == 0
    return wh


def _flows(wh: Path, name: str) -> list:
    # the sink call inside the case function: its argument is the target
    sink_args = (
        f"node_id IN (SELECT a.dst_id FROM cpg_edges a JOIN cpg_nodes c "
        f"ON c.node_id = a.src_id WHERE a.kind = 'ARGUMENT' AND c.kind = 'CALL' "
        f"AND c.name = 'sink' AND c.path = 'cases/{name}.py')"
    )
    return find_flows(str(wh), f"call:cases.{name}.source", sink_args, max_paths=3).paths


@pytest.mark.parametrize("name", sorted(CASES))
def test_oracle(warehouse: Path, name: str) -> None:
    expected = CASES[name][1]
    paths = _flows(warehouse, name)
    assert bool(paths) is expected, (name, [[(s.location(), s.edge) for s in p] for p in paths])


def test_module_global(warehouse: Path) -> None:
    paths = _flows(warehouse, "global_read")
    assert paths
    assert any(s.edge == "FLOW_GLOBAL" for s in paths[0])


def test_module_attribute_across_files(warehouse: Path) -> None:
    def sink_arg(fn: str) -> str:
        return (
            "node_id IN (SELECT a.dst_id FROM cpg_edges a JOIN cpg_nodes c ON c.node_id = "
            "a.src_id JOIN cpg_edges k ON k.dst_id = c.node_id AND k.kind = 'CONTAINS' "
            "JOIN cpg_nodes f ON f.node_id = k.src_id WHERE a.kind = 'ARGUMENT' AND "
            f"c.name = 'sink' AND f.qualname = 'cases.modattr.{fn}')"
        )

    paths = find_flows(str(warehouse), "call:cases.conf.source", sink_arg("modattr")).paths
    assert paths and any(s.edge == "FLOW_ATTR" for s in paths[0])
    assert not find_flows(str(warehouse), "call:cases.conf.source", sink_arg("modattr_other")).paths


def _sink_in(qualname: str) -> str:
    """The argument of the ``sink`` call in the body of ``qualname`` (a function or,
    for a module, its top level)."""
    return (
        "node_id IN (SELECT a.dst_id FROM cpg_edges a JOIN cpg_nodes c ON c.node_id = "
        "a.src_id JOIN cpg_edges k ON k.dst_id = c.node_id AND k.kind = 'CONTAINS' "
        "JOIN cpg_nodes f ON f.node_id = k.src_id WHERE a.kind = 'ARGUMENT' AND "
        f"c.name = 'sink' AND f.qualname = '{qualname}')"
    )


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ("cases.fromimp.fromimp", True),  # a global read in a function
        ("cases.fromimp.fromimp_rel", True),  # ``from .conf import VALUE as V2``
        ("cases.fromimp", True),  # read at module level (REACHING_DEF from the alias)
        ("cases.fromimp.fromimp_other", False),  # another variable of the same module
        ("cases.fromimp.fromimp_ext", False),  # a module outside the repository
    ],
)
def test_from_import_of_a_module_variable(warehouse: Path, where: str, expected: bool) -> None:
    # ``from m import X``: the stores of X in m reach the alias (FLOW_ATTR), and from
    # there its reads (REACHING_DEF in the same body, FLOW_GLOBAL in functions)
    paths = find_flows(str(warehouse), "call:cases.conf.source", _sink_in(where)).paths
    assert bool(paths) is expected, [[(s.location(), s.edge) for s in p] for p in paths]
    if expected:
        assert any(s.edge == "FLOW_ATTR" for s in paths[0])


@pytest.mark.parametrize(
    ("source", "target", "expected"),
    [
        # the def -> the innermost decorator's parameter
        ("cases.deco.decorated", "param:cases.deco.deco.fn", True),
        # what that decorator returns -> the outer decorator's parameter
        ("cases.deco.decorated", "param:cases.deco.wrap.fn", True),
        # an undecorated def reaches no decorator
        ("cases.deco.plain", "param:cases.deco.deco.fn", False),
    ],
)
def test_decorator_application(warehouse: Path, source: str, target: str, expected: bool) -> None:
    src = f"kind = 'FUNCTION' AND qualname = '{source}'"
    paths = find_flows(str(warehouse), src, target).paths
    assert bool(paths) is expected, [[(s.location(), s.edge) for s in p] for p in paths]


def test_every_kind_is_built(warehouse: Path) -> None:
    t = query(str(warehouse), "SELECT DISTINCT kind FROM cpg_edges WHERE kind LIKE 'FLOW%'")
    kinds = set(t.column(0).to_pylist())
    assert kinds == {
        "FLOW",
        "FLOW_GLOBAL",
        "FLOW_ARG",
        "FLOW_RETURN",
        "FLOW_CALL",
        "FLOW_ATTR",
        "FLOW_ELEM",
        "FLOW_EXC",
    }


def test_flow_edges_name_real_nodes(warehouse: Path) -> None:
    t = query(
        str(warehouse),
        "SELECT count(*) AS n FROM cpg_edges e WHERE e.kind LIKE 'FLOW%' AND ("
        "e.src_id NOT IN (SELECT node_id FROM cpg_nodes) OR "
        "e.dst_id NOT IN (SELECT node_id FROM cpg_nodes))",
    )
    assert t.column("n").to_pylist() == [0]


def test_models_label_and_sanitizer_tags(warehouse: Path) -> None:
    t = query(
        str(warehouse),
        "SELECT DISTINCT label, variable FROM cpg_edges WHERE kind = 'FLOW_CALL' "
        "AND label IN ('os.path.join', '.strip', '*')",
    )
    labels = set(t.column("label").to_pylist())
    assert {"os.path.join", ".strip"} <= labels


def test_param_spec_and_cli(warehouse: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rc = cli_main(
        [
            "flows",
            "--warehouse",
            str(warehouse),
            "--from",
            "param:cases.arg_param_return.ident.a",
            "--to",
            "call:cases.arg_param_return.sink#arg0",
            "--format",
            "json",
        ]
    )
    assert rc == 0
    out = json.loads(capsys.readouterr().out)
    assert out["paths"], out
    steps = out["paths"][0]
    assert steps[0]["path"] == "cases/arg_param_return.py"
    assert any(s["edge"] == "FLOW_RETURN" for s in steps)
    # table form: file:line steps
    rc = cli_main(
        [
            "flows",
            "--warehouse",
            str(warehouse),
            "--from",
            "call:cases.binop.source",
            "--to",
            "call:cases.binop.sink#arg0",
        ]
    )
    assert rc == 0
    text = capsys.readouterr().out
    assert "cases/binop.py:" in text


def test_bad_specs_fail_with_one_line(warehouse: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rc = cli_main(
        ["flows", "--warehouse", str(warehouse), "--from", "nosuchcol = 1", "--to", "x.y"]
    )
    assert rc == 2
    err = capsys.readouterr().err
    assert err.startswith("codeanatomy: error: cannot select nodes") and err.count("\n") == 1
    with pytest.raises(FlowError, match="argN"):
        find_flows(str(warehouse), "call:os.system#first", "x.y")
    with pytest.raises(FlowError, match="does not exist"):
        find_flows(str(warehouse / "nope"), "a.b", "c.d")


def test_shortest_paths_depth_and_count() -> None:
    # 1 -> 2 -> 3 -> 4 and 1 -> 5; targets 4 and 5
    src = np.array([1, 2, 3, 1], np.int64)
    dst = np.array([2, 3, 4, 5], np.int64)
    paths = shortest_paths(src, dst, np.array([1]), np.array([4, 5]), max_paths=5, max_depth=5)
    assert paths == [[1, 5], [1, 2, 3, 4]]
    assert shortest_paths(src, dst, np.array([1]), np.array([4, 5]), 5, 2) == [[1, 5]]
    assert shortest_paths(src, dst, np.array([1]), np.array([4, 5]), 1, 5) == [[1, 5]]
    assert shortest_paths(src, dst, np.array([4]), np.array([1]), 5, 5) == []


def test_readme_recursive_sql(warehouse: Path) -> None:
    """The README's WITH RECURSIVE example runs and finds the flow."""
    readme = (Path(__file__).parents[1] / "README.md").read_text()
    start = readme.index("```sql\nWITH RECURSIVE") + len("```sql\n")
    sql = readme[start : readme.index("```", start)].strip()
    t = query(str(warehouse), sql).to_pylist()
    # input() -> return of source() -> x -> y -> the parameter of sink (line 9)
    hits = [r for r in t if r["path"] == "cases/assign.py" and r["kind"] == "PARAMETER"]
    assert [(r["name"], r["start_line"]) for r in hits] == [("v", 9)], t[:5]


def test_models_user_file_overrides_and_bad_files(tmp_path: Path, monkeypatch) -> None:
    from codeanatomy_hamilton.models import ModelError, load_models, models_digest

    shipped = load_models()
    assert shipped["os.path.join"].flows == (("args", "result"),)
    assert shipped["html.escape"].sanitizes == ("cwe-79",)
    user = tmp_path / "m.yaml"
    user.write_text(
        "models:\n  - {callee: os.path.join, flows: ['arg0 -> result'], sanitizes: [x]}\n"
    )
    monkeypatch.setenv("CODEANATOMY_MODELS", str(user))
    mine = load_models()
    assert mine["os.path.join"].flows == (("arg0", "result"),)
    assert mine["os.path.join"].sanitizes == ("x",)
    assert mine["html.escape"] == shipped["html.escape"]
    digest = models_digest()
    monkeypatch.delenv("CODEANATOMY_MODELS")
    assert models_digest() != digest
    monkeypatch.setenv("CODEANATOMY_MODELS", str(user))
    user.write_text("models:\n  - {callee: f, flows: ['arg0 => result']}\n")
    with pytest.raises(ModelError, match=r"models\[0\]: bad flow"):
        load_models()
    user.write_text("models: [\n")
    with pytest.raises(ModelError, match="not valid YAML"):
        load_models()


def test_build_with_a_broken_model_file_is_one_line(tmp_path: Path, monkeypatch, capsys) -> None:
    (tmp_path / "repo").mkdir()
    (tmp_path / "repo" / "m.py").write_text("x = 1\n")
    bad = tmp_path / "bad.yaml"
    bad.write_text("models: 3\n")
    monkeypatch.setenv("CODEANATOMY_MODELS", str(bad))
    rc = cli_main(["build", str(tmp_path / "repo"), "--warehouse", str(tmp_path / "wh")])
    assert rc == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "bad.yaml" in err


def test_constant_data_tables_get_no_element_edges() -> None:
    from codeanatomy_hamilton.extract.file import extract_file
    from codeanatomy_hamilton.extract.valueflow import BIG_TABLE

    def flow_edges(n: int) -> int:
        code = "T = [" + ", ".join(str(i) for i in range(n)) + "]\n"
        ex = extract_file("t.py", code.encode())
        return sum(1 for k in ex.edges.column("kind").to_pylist() if k == "FLOW")

    # every element -> the list, and the list -> T
    assert flow_edges(3) == 4
    assert flow_edges(BIG_TABLE) == BIG_TABLE + 1
    # a data table: only the display -> T
    assert flow_edges(BIG_TABLE + 1) == 1
