"""Scopes, binding props and REF edges (extract/scopes.py) against the language
reference and CPython's symtable as the oracle."""

from __future__ import annotations

import ast
import os
import sysconfig
import textwrap
from pathlib import Path

import pytest

from benchmarks.check_symtable_agreement import comprehension_oracle, names_in_order
from codeanatomy_hamilton.extract.ast_nodes import run_ast_pass
from codeanatomy_hamilton.extract.builder import FileBuilder
from codeanatomy_hamilton.extract.context import FileContext
from codeanatomy_hamilton.extract.file import extract_file
from codeanatomy_hamilton.extract.scopes import get_scope_model


class Extract:
    """The batches of one extracted snippet, indexed for assertions."""

    def __init__(self, src: str) -> None:
        fx = extract_file("pkg/mod.py", textwrap.dedent(src).encode())
        assert not fx.errors, fx.errors
        self.nodes = {n["node_id"]: n for n in fx.nodes.to_pylist()}
        self.props: dict[int, dict[str, str]] = {}
        for p in fx.props.to_pylist():
            self.props.setdefault(p["node_id"], {})[p["key"]] = p["value"]
        self.refs: dict[int, list[int]] = {}
        self.edges = fx.edges.to_pylist()
        for e in self.edges:
            if e["kind"] == "REF":
                self.refs.setdefault(e["src_id"], []).append(e["dst_id"])
        self.xrefs: dict[int, list[str]] = {}
        for e in fx.xedges.to_pylist():
            if e["kind"] == "REF":
                self.xrefs.setdefault(e["src_id"], []).append(e["dst_qualname"])

    def names(self, ident: str, line: int | None = None) -> list[int]:
        return [
            i
            for i, n in self.nodes.items()
            if n["ast_type"] == "Name"
            and n["name"] == ident
            and (line is None or n["start_line"] == line)
        ]

    def name(self, ident: str, line: int, nth: int = 0) -> int:
        found = sorted(self.names(ident, line), key=lambda i: self.nodes[i]["start_col"])
        return found[nth]

    def binding(self, node_id: int) -> str:
        return self.props[node_id]["binding"]

    def targets(self, node_id: int) -> list[tuple[str, str | None, int]]:
        """(ast_type, name, line) of the REF destinations, sorted."""
        out = []
        for d in self.refs.get(node_id, []):
            n = self.nodes[d]
            out.append((n["ast_type"], n["name"], n["start_line"]))
        return sorted(out)


def test_class_scope_does_not_enclose_methods() -> None:
    x = Extract(
        """\
        v = 1
        class C:
            v = 2
            w = v
            def m(self):
                return v
        """
    )
    in_class = x.name("v", 4)
    assert x.binding(in_class) == "local"
    assert x.props[in_class]["scope"] == "class"
    assert x.targets(in_class) == [("Name", "v", 3)]
    in_method = x.name("v", 6)
    assert x.binding(in_method) == "global_implicit"
    assert x.props[in_method]["scope"] == "function"
    assert x.targets(in_method) == [("Name", "v", 1)]


def test_free_variable_skips_class_scope() -> None:
    x = Extract(
        """\
        def f():
            a = 1
            class C:
                a = 2
                def m(self):
                    return a
                b = a
            return C
        """
    )
    use = x.name("a", 6)
    assert x.binding(use) == "free"
    assert x.targets(use) == [("Name", "a", 2)]
    assert x.binding(x.name("a", 2)) == "cell"
    # the class body binds its own a: LOAD_NAME sees the class namespace
    assert x.targets(x.name("a", 7)) == [("Name", "a", 4)]


def test_class_body_free_variable_from_function() -> None:
    x = Extract(
        """\
        def f(p):
            class C:
                q = p
            return C
        """
    )
    use = x.name("p", 3)
    assert x.binding(use) == "free"
    assert x.props[use]["scope"] == "class"
    assert x.targets(use) == [("arg", "p", 1)]


def test_comprehension_scope_and_first_iterable_in_enclosing_scope() -> None:
    x = Extract(
        """\
        def f(xs):
            i = 0
            return [i * 2 for i in xs if i], i
        """
    )
    first_use, second_use = sorted(x.names("i", 3), key=lambda i: x.nodes[i]["start_col"])[0:4:3]
    assert x.props[first_use]["scope"] == "comprehension"
    assert x.binding(first_use) == "local"
    target = x.name("i", 3, 1)  # the comprehension target
    assert x.nodes[target]["start_col"] == 22
    assert x.targets(first_use) == [("Name", "i", 3)]
    assert x.refs[first_use] == [target]
    # `i` after the comprehension is the function's own i
    assert x.props[second_use]["scope"] == "function"
    assert x.targets(second_use) == [("Name", "i", 2)]
    xs = x.name("xs", 3)
    assert x.props[xs]["scope"] == "function"
    assert x.targets(xs) == [("arg", "xs", 1)]


def test_nested_comprehension_iterable_is_in_comprehension_scope() -> None:
    x = Extract("rows = [[c for c in row] for row in grid]\n")
    row = x.name("row", 1, 0)  # `row` in the inner comprehension's first iterable
    assert x.nodes[row]["start_col"] == 20
    # evaluated in the OUTER comprehension, where row is the loop target
    assert x.props[row]["scope"] == "comprehension"
    assert x.binding(row) == "local"
    assert x.targets(row) == [("Name", "row", 1)]
    assert x.binding(x.name("grid", 1)) == "unresolved"


def test_walrus_in_comprehension_binds_in_enclosing_function() -> None:
    x = Extract(
        """\
        def f(r):
            ys = [(w := i) for i in r]
            return w
        """
    )
    store = x.name("w", 2)
    assert x.props[store]["scope"] == "comprehension"
    assert x.binding(store) == "nonlocal"  # symtable marks it DEF_NONLOCAL there
    use = x.name("w", 3)
    assert x.binding(use) == "cell"
    assert x.refs[use] == [store]


def test_walrus_in_module_comprehension_is_global() -> None:
    x = Extract("[(w := i) for i in range(3)]\nprint(w)\n")
    store = x.name("w", 1)
    assert x.binding(store) == "global_explicit"
    use = x.name("w", 2)
    assert x.refs[use] == [store]
    assert x.xrefs[x.name("range", 1)] == ["builtins.range"]


def test_global_declaration_binds_module_name() -> None:
    x = Extract(
        """\
        g = 0
        def f():
            global g
            g = 1
        def h():
            return g
        """
    )
    assert x.binding(x.name("g", 4)) == "global_explicit"
    use = x.name("g", 6)
    assert x.binding(use) == "global_implicit"  # h itself declares nothing
    assert x.targets(use) == [("Name", "g", 1), ("Name", "g", 4)]


def test_global_declared_name_only_bound_in_function() -> None:
    x = Extract(
        """\
        def setup():
            global CACHE
            CACHE = {}
        def get():
            return CACHE
        """
    )
    use = x.name("CACHE", 5)
    assert x.targets(use) == [("Name", "CACHE", 3)]
    assert "unresolved" not in x.props[use]


def test_nonlocal_rebinds_enclosing_variable() -> None:
    x = Extract(
        """\
        def outer():
            v = 1
            def inner():
                nonlocal v
                v += 1
                return v
            return v
        """
    )
    aug = x.name("v", 5)
    assert x.binding(aug) == "nonlocal"
    assert x.targets(aug) == [("Name", "v", 2)]  # aug target reads v, not itself
    inner_use = x.name("v", 6)
    assert x.targets(inner_use) == [("Name", "v", 2), ("Name", "v", 5)]
    assert x.binding(x.name("v", 7)) == "cell"
    assert x.targets(x.name("v", 7)) == [("Name", "v", 2), ("Name", "v", 5)]


def test_del_refs_binding_and_makes_local() -> None:
    x = Extract(
        """\
        x = 1
        del x
        def f():
            del y
        """
    )
    d = x.name("x", 2)
    assert x.binding(d) == "local"
    assert x.targets(d) == [("Name", "x", 1)]
    y = x.name("y", 4)
    assert x.binding(y) == "local"  # del makes y local to f, with no binding site
    assert y not in x.refs and "unresolved" not in x.props[y]


def test_except_as_binds_handler() -> None:
    x = Extract(
        """\
        try:
            pass
        except ValueError as err:
            print(err)
        """
    )
    use = x.name("err", 4)
    assert x.targets(use) == [("ExceptHandler", "err", 3)]
    assert x.xrefs[x.name("ValueError", 3)] == ["builtins.ValueError"]
    assert x.binding(x.name("ValueError", 3)) == "builtin"


def test_match_captures() -> None:
    x = Extract(
        """\
        match cmd:
            case {"k": key, **rest}:
                print(key, rest)
            case [first, *others] as whole:
                print(first, others, whole)
            case Point(x=px):
                print(px)
        """
    )
    assert x.targets(x.name("key", 3)) == [("MatchAs", "key", 2)]
    assert x.targets(x.name("rest", 3)) == [("MatchMapping", "rest", 2)]
    assert x.targets(x.name("first", 5)) == [("MatchAs", "first", 4)]
    assert x.targets(x.name("others", 5)) == [("MatchStar", "others", 4)]
    assert x.targets(x.name("whole", 5)) == [("MatchAs", "whole", 4)]
    assert x.targets(x.name("px", 7)) == [("MatchAs", "px", 6)]


def test_star_import_makes_unbound_globals_possible() -> None:
    x = Extract(
        """\
        from os.path import *
        join("a", "b")
        len("x")
        """
    )
    use = x.name("join", 2)
    assert x.targets(use) == [("ImportFrom", "os.path", 1)]
    assert x.props[use]["star_import"] == "true"
    assert x.binding(use) == "global_implicit"
    assert "unresolved" not in x.props[use]
    ln = x.name("len", 3)
    assert x.binding(ln) == "builtin"
    assert x.xrefs[ln] == ["builtins.len"]


def test_builtins_unresolved_and_shadowing() -> None:
    x = Extract(
        """\
        len([1])
        undefined_thing
        __name__
        def f():
            return len, print
        print = None
        """
    )
    ln = x.name("len", 1)
    assert x.binding(ln) == "builtin"
    assert x.xrefs[ln] == ["builtins.len"]
    assert ln not in x.refs
    assert x.xrefs[x.name("len", 5)] == ["builtins.len"]
    u = x.name("undefined_thing", 2)
    assert x.binding(u) == "unresolved"
    assert x.props[u]["unresolved"] == "true"
    assert u not in x.refs and u not in x.xrefs
    dunder = x.name("__name__", 3)
    assert x.binding(dunder) == "global_implicit"
    assert dunder not in x.xrefs and "unresolved" not in x.props[dunder]
    # the module binds print: it shadows the builtin
    p = x.name("print", 5)
    assert x.binding(p) == "global_implicit"
    assert x.targets(p) == [("Name", "print", 6)]
    assert p not in x.xrefs


def test_defs_classes_params_and_imports_are_binding_sites() -> None:
    x = Extract(
        """\
        import os.path
        import collections.abc as cabc
        from json import loads as parse
        class K: pass
        def f(a, *args, k, **kw):
            return a, args, k, kw, K, f, os, cabc, parse
        """
    )
    assert x.targets(x.name("a", 6)) == [("arg", "a", 5)]
    assert x.targets(x.name("args", 6)) == [("arg", "args", 5)]
    assert x.targets(x.name("kw", 6)) == [("arg", "kw", 5)]
    assert x.targets(x.name("K", 6)) == [("ClassDef", "K", 4)]
    assert x.targets(x.name("f", 6)) == [("FunctionDef", "f", 5)]
    assert x.targets(x.name("os", 6)) == [("alias", "os.path", 1)]
    assert x.targets(x.name("cabc", 6)) == [("alias", "collections.abc", 2)]
    assert x.targets(x.name("parse", 6)) == [("alias", "loads", 3)]


def test_defaults_and_decorators_run_in_enclosing_scope() -> None:
    x = Extract(
        """\
        class C:
            d = 1
            def m(self, p=d, q=lambda: d):
                return d
        """
    )
    default = x.name("d", 3, 0)
    assert x.props[default]["scope"] == "class"
    assert x.targets(default) == [("Name", "d", 2)]
    in_lambda = x.name("d", 3, 1)
    assert x.props[in_lambda]["scope"] == "lambda"
    assert x.binding(in_lambda) == "unresolved"  # class scope does not enclose the lambda
    assert x.binding(x.name("d", 4)) == "unresolved"


def test_same_line_lambdas_map_to_their_tables() -> None:
    src = textwrap.dedent(
        """\
        @(lambda fn: fn)
        def g(k=lambda a: a, *, j=lambda b: b) -> (lambda c: c):
            return {(lambda d: d): (lambda e: e) for z in (lambda f: f)(1)}
        h = (lambda x: (lambda y: x + y)), [lambda w: w for _ in ()]
        """
    )
    tree = ast.parse(src)
    b = FileBuilder("m.py", "m", src.encode())
    run_ast_pass(b, tree)
    ctx = FileContext("m.py", "m", src, tree, b)
    model = get_scope_model(ctx)
    assert model.unmapped_tables == 0
    for lam in (n for n in ast.walk(tree) if isinstance(n, ast.Lambda)):
        params = [a.arg for a in lam.args.args]
        table = model.table_for(lam)
        assert table.get_type() == "function" and table.get_name() == "lambda"
        assert list(table.get_parameters()) == params
    for sc in model.scopes:
        assert sc.next_child == len(sc.children)  # every symtable block was paired
    # scope_of: x + y runs in the inner lambda, x is free there
    inner = next(
        n for n in ast.walk(tree) if isinstance(n, ast.Lambda) and n.args.args[0].arg == "y"
    )
    plus = inner.body
    assert model.scope_of(plus) is inner
    assert model.resolve(inner, "x")[1] == "free"
    assert model.is_local(inner, "y") and not model.is_local(inner, "x")


def test_api_scope_of_is_local_and_binding_sites() -> None:
    src = textwrap.dedent(
        """\
        import os
        def f(a, d=os.sep):
            b = [c for c in a]
            return b
        """
    )
    tree = ast.parse(src)
    b = FileBuilder("m.py", "m", src.encode())
    run_ast_pass(b, tree)
    ctx = FileContext("m.py", "m", src, tree, b)
    model = get_scope_model(ctx)
    assert get_scope_model(ctx) is model  # cached in ctx.shared
    func = tree.body[1]
    comp = func.body[0].value
    assert model.scope_of(func) is tree
    assert model.scope_of(func.args.defaults[0]) is tree
    assert model.scope_of(func.args.args[0]) is func
    assert model.scope_of(comp) is func
    assert model.scope_of(comp.elt) is comp
    assert model.scope_of(comp.generators[0].iter) is func
    assert model.scope_of(comp.generators[0].target) is comp
    assert model.table_for(func).get_name() == "f"
    # 3.12+ inlines the list comprehension (PEP 709): no block of its own, a virtual
    # scope whose target is still local to it
    assert model.scope(comp).inlined
    with pytest.raises(KeyError):
        model.table_for(comp)
    assert model.is_local(comp, "c") and not model.is_local(comp, "a")
    # symtable merged c into f's table; it is not f's variable
    assert "c" in model.table_for(func).get_identifiers()
    assert not model.is_local(func, "c")
    assert model.is_local(func, "b") and model.is_local(func, "a")
    assert not model.is_local(func, "os")
    assert model.resolve(func, "os") == (tree, "global_implicit")
    assert model.resolve(func, "len") == (None, "builtin")
    assert model.binding_sites(tree, "os") == [tree.body[0].names[0]]
    assert model.binding_sites(func, "b") == [func.body[0].targets[0]]


def test_private_name_mangling_and_dunder_class() -> None:
    x = Extract(
        """\
        class C:
            __secret = 1
            peek = __secret
            def m(self):
                return __class__, __secret
        """
    )
    assert x.targets(x.name("__secret", 3)) == [("Name", "__secret", 2)]
    # mangled to _C__secret in the method: a global nobody binds
    assert x.binding(x.name("__secret", 5)) == "unresolved"
    cls = x.name("__class__", 5)
    assert x.binding(cls) == "free"
    assert x.targets(cls) == [("ClassDef", "C", 1)]


def test_annotations_evaluated_and_deferred() -> None:
    x = Extract(
        """\
        T = int
        def f(a: T) -> T:
            v: T = a
            return v
        """
    )
    ann = x.name("T", 2, 0)
    assert x.props[ann]["scope"] == "module"
    assert x.targets(ann) == [("Name", "T", 1)]
    assert x.targets(x.name("T", 3)) == [("Name", "T", 1)]
    y = Extract(
        """\
        from __future__ import annotations
        T = int
        def f(a: T) -> list[T]:
            v: Missing = a
        """
    )
    ann = y.name("T", 3, 0)
    assert y.props[ann]["deferred_annotation"] == "true"
    assert y.targets(ann) == [("Name", "T", 2)]
    assert y.xrefs[y.name("list", 3)] == ["builtins.list"]
    assert y.binding(y.name("Missing", 4)) == "unresolved"


def test_scope_nodes_carry_scope_prop() -> None:
    x = Extract("def f():\n    return [lambda: 0 for _ in ()]\nclass C: pass\n")
    kinds = {
        x.nodes[i]["ast_type"]: p["scope"]
        for i, p in x.props.items()
        if "scope" in p and x.nodes[i]["ast_type"] != "Name"
    }
    assert kinds == {
        "Module": "module",
        "FunctionDef": "function",
        "ListComp": "comprehension",
        "Lambda": "lambda",
        "ClassDef": "class",
    }


# -- oracle: CPython's symtable on a deterministic sample of the stdlib ------------


def _stdlib_sample(n: int = 30) -> list[Path]:
    root = Path(sysconfig.get_paths()["stdlib"])
    files = []
    for dirpath, dirnames, filenames in os.walk(root):
        skip = ("site-packages", "__pycache__", "test", "tests", "idle_test")
        dirnames[:] = sorted(d for d in dirnames if d not in skip)
        files += [Path(dirpath) / f for f in sorted(filenames) if f.endswith(".py")]
    step = max(1, len(files) // n)
    return files[::step][:n]


def _expected(sym) -> set[str]:
    if sym.is_declared_global():
        return {"global_explicit"}
    if sym.is_nonlocal():
        return {"nonlocal"}
    if sym.is_free():
        return {"free"}
    if sym.is_global() and sym.is_local():
        return {"local"}
    if sym.is_global():
        return {"global_implicit", "builtin", "unresolved"}
    if sym.is_local():
        return {"local", "cell"}
    return set()


@pytest.mark.parametrize("path", _stdlib_sample(), ids=lambda p: p.name)
def test_binding_props_agree_with_symtable(path: Path) -> None:
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
        tree = ast.parse(text)
        compile(tree, str(path), "exec", dont_inherit=True)
    except (UnicodeDecodeError, SyntaxError):
        pytest.skip("not valid Python source for this interpreter")
    fx = extract_file("lib/" + path.name, data)
    props = fx.props.to_pylist()
    binding = {p["node_id"]: p["value"] for p in props if p["key"] == "binding"}
    deferred = {p["node_id"] for p in props if p["key"] == "deferred_annotation"}
    names = [n for n in fx.nodes.to_pylist() if n["ast_type"] == "Name"]
    # our own model for the scope of each Name; symtable's public API for the verdict
    b = FileBuilder(str(path), "m", data)
    run_ast_pass(b, tree)
    ctx = FileContext(str(path), "m", text, tree, b)
    model = get_scope_model(ctx)
    assert model.unmapped_tables == 0
    ast_names = [n for n in ast.walk(tree) if type(n) is ast.Name]
    by_cid = {n._cid: n for n in ast_names}
    base = min(n["node_id"] for n in fx.nodes.to_pylist())
    # names in inlined comprehensions: symtable's verdict once they keep their block
    order = names_in_order(tree)
    verdicts = comprehension_oracle(text)
    assert len(order) == len(verdicts)
    oracle = {id(n): v for n, v in zip(order, verdicts, strict=True)}
    checked = inlined = 0
    for row in names:
        node = by_cid[row["node_id"] - base]
        sc = model.scope_record_of(node)
        mangled = sc.mangle(node.id)
        if row["node_id"] in deferred:
            continue  # PEP 563 annotation: symtable never visits it
        if sc.inlined:
            allowed = oracle[id(node)]
            inlined += 1
        else:
            allowed = _expected(model.table_of(sc).lookup(mangled))
        assert binding[row["node_id"]] in allowed, (node.id, node.lineno)
        checked += 1
    assert checked == len([r for r in names if r["node_id"] not in deferred])
    # only Names inside annotations of a ``from __future__ import annotations`` file skip
    # the check: the oracle is the tree, not the extractor's own set
    future = any(type(s) is ast.ImportFrom and s.module == "__future__" for s in tree.body)
    in_annotations = {
        id(n)
        for node in ast.walk(tree)
        for ann in (getattr(node, "annotation", None), getattr(node, "returns", None))
        if future and isinstance(ann, ast.expr)
        for n in ast.walk(ann)
    }
    skipped = [by_cid[r["node_id"] - base] for r in names if r["node_id"] in deferred]
    assert all(id(n) in in_annotations for n in skipped), [(n.id, n.lineno) for n in skipped]


def test_return_function_and_closure_props() -> None:
    x = Extract(
        """\
        def outer():
            v = 1
            def inner():
                return v
            return inner
        """
    )
    by_line = {
        n["start_line"]: x.props[i]
        for i, n in x.nodes.items()
        if n["ast_type"] in ("Return", "FunctionDef")
    }
    assert by_line[4]["function"] == "pkg.mod.outer.inner"
    assert by_line[5]["function"] == "pkg.mod.outer"
    assert by_line[1]["cell_vars"] == "v" and "free_vars" not in by_line[1]
    assert by_line[3]["free_vars"] == "v"


def test_is_local_at_module_level_counts_global_declared_names() -> None:
    src = "g = 0\ndef f():\n    global g\n    g = 1\n"
    tree = ast.parse(src)
    b = FileBuilder("m.py", "m", src.encode())
    run_ast_pass(b, tree)
    model = get_scope_model(FileContext("m.py", "m", src, tree, b))
    assert model.is_local(tree, "g")
    assert not model.is_local(tree, "len")
    assert not model.is_local(tree.body[1], "g")
    assert model.binding_sites(tree, "g") == [
        tree.body[0].targets[0],
        tree.body[1].body[1].targets[0],
    ]


def test_inlined_comprehension_keeps_its_own_scope() -> None:
    # 3.12+ merges the comprehension into f's symtable block (PEP 709); at run time x
    # is still isolated, and the lambda captures the comprehension's x
    x = Extract(
        """\
        def f(r):
            x = 0
            fs = [lambda: x for x in r]
            return fs, x
        """
    )
    in_lambda = x.name("x", 3, 0)
    target = x.name("x", 3, 1)
    assert x.binding(in_lambda) == "free"
    assert x.refs[in_lambda] == [target]
    assert x.binding(target) == "cell"
    after = x.name("x", 4)
    assert x.binding(after) == "local"  # f's own x: no comprehension needs its cell
    assert x.targets(after) == [("Name", "x", 2)]
    by_type = {x.nodes[i]["ast_type"]: p for i, p in x.props.items() if "scope" in p}
    assert by_type["ListComp"]["cell_vars"] == "x"
    assert "cell_vars" not in by_type["FunctionDef"]


def test_annotation_scopes_in_a_class_read_the_class_namespace() -> None:
    x = Extract(
        """\
        X = str
        class C:
            X = int
            type A = list[X]
            def m[T: X](self, a: X) -> T: ...
            def n(self):
                return X
        """
    )
    for line in (4, 5):
        use = x.name("X", line)
        assert x.binding(use) == "global_implicit"  # symtable: __classdict__, then globals
        assert x.targets(use) == [("Name", "X", 3)]
    assert x.targets(x.name("X", 5, 1)) == [("Name", "X", 3)]  # annotation, tp scope
    assert x.targets(x.name("X", 7)) == [("Name", "X", 1)]  # a method body does not


def test_private_type_parameters_are_mangled_like_symtable() -> None:
    x = Extract(
        """\
        class C:
            def m[__T](self, a: __T) -> __T:
                return a
            class D[__V]:
                def n(self) -> __V:
                    return [__V for _ in self]
        """
    )
    assert x.targets(x.name("__T", 2, 1)) == [("TypeVar", "__T", 2)]
    # a generic class's own name mangles its type parameters (3.13): _D__V
    assert x.targets(x.name("__V", 5)) == [("TypeVar", "__V", 4)]
    assert x.targets(x.name("__V", 6)) == [("TypeVar", "__V", 4)]


def test_walrus_in_comprehension_of_function_declaring_it_global() -> None:
    x = Extract(
        """\
        def f(r):
            global G
            [G := i for i in r]
            return G
        """
    )
    store = x.name("G", 3)
    assert x.binding(store) == "global_explicit"
    assert x.refs[x.name("G", 4)] == [store]
