"""Call-graph cases per category (written for this project from the language reference
and the category list of PyCG's micro-benchmark; no code copied from it).

``CASES[category][case] = (files, expected)``: ``files`` maps repo paths to sources,
``expected`` maps caller qualnames (module ``main``, function ``main.f``, method
``main.A.m``) to callee qualnames; builtins are written ``<builtin>.name`` and
constructors as the resolved ``__init__`` (the PyCG ground-truth conventions).
"""

from __future__ import annotations

import importlib
from pathlib import Path

from tests.callgraph_cases.case_shapes import Case
from tests.callgraph_cases.case_shapes import files_case as _c

CASES: dict[str, dict[str, Case]] = {
    "arguments": {
        "param_call": _c(
            {
                "main.py": """
                def f(): pass
                def g(fn): fn()
                g(f)
            """
            },
            {"main": ["main.g"], "main.g": ["main.f"]},
        ),
        "default_and_keyword": _c(
            {
                "main.py": """
                def a(): pass
                def b(): pass
                def run(x=a, *, y): x(); y()
                run(y=b)
            """
            },
            {"main": ["main.run"], "main.run": ["main.a", "main.b"]},
        ),
    },
    "assignments": {
        "chain": _c(
            {
                "main.py": """
                def f(): pass
                x = y = f
                z = x
                z(); y()
            """
            },
            {"main": ["main.f"]},
        ),
        "tuple_unpack": _c(
            {
                "main.py": """
                def f(): pass
                def g(): pass
                a, b = f, g
                (c, d) = [b, a]
                b()
                c()
            """
            },
            {"main": ["main.g"]},
        ),
    },
    "builtins": {
        "plain": _c(
            {
                "main.py": """
                def f(): return 1
                print(len([1]))
                x = str(f())
            """
            },
            {"main": ["<builtin>.print", "<builtin>.len", "<builtin>.str", "main.f"]},
        ),
        "map_sorted": _c(
            {
                "main.py": """
                def inc(x): return x
                def key(x): return x
                list(map(inc, [1, 2]))
                sorted([3, 1], key=key)
            """
            },
            {
                "main": [
                    "<builtin>.list",
                    "<builtin>.map",
                    "main.inc",
                    "<builtin>.sorted",
                    "main.key",
                ]
            },
        ),
    },
    "classes": {
        "constructor_method": _c(
            {
                "main.py": """
                class A:
                    def __init__(self): self.setup()
                    def setup(self): pass
                    def run(self): pass
                a = A()
                a.run()
            """
            },
            {"main": ["main.A.__init__", "main.A.run"], "main.A.__init__": ["main.A.setup"]},
        ),
        "attr_in_init": _c(
            {
                "main.py": """
                class Engine:
                    def start(self): pass
                class Car:
                    def __init__(self):
                        self.engine = Engine()
                    def go(self):
                        self.engine.start()
                Car().go()
            """
            },
            {"main": ["main.Car.__init__", "main.Car.go"], "main.Car.go": ["main.Engine.start"]},
        ),
        "annotation": _c(
            {
                "main.py": """
                class A:
                    def m(self): pass
                def use(a: A): a.m()
            """
            },
            {"main.use": ["main.A.m"]},
        ),
        "class_body_and_static": _c(
            {
                "main.py": """
                def helper(): return 1
                class A:
                    x = helper()
                    @staticmethod
                    def s(): helper()
                    @classmethod
                    def c(cls): cls.s()
                A.c()
            """
            },
            {
                "main": [
                    "main.helper",
                    "<builtin>.staticmethod",
                    "<builtin>.classmethod",
                    "main.A.c",
                ],
                "main.A.s": ["main.helper"],
                "main.A.c": ["main.A.s"],
            },
        ),
    },
    "decorators": {
        "wrapper": _c(
            {
                "main.py": """
                def dec(fn):
                    def inner(*args, **kwargs):
                        return fn(*args, **kwargs)
                    return inner
                @dec
                def f(): pass
                f()
            """
            },
            {"main": ["main.dec", "main.dec.inner"], "main.dec.inner": ["main.f"]},
        ),
        "identity_and_param": _c(
            {
                "main.py": """
                registry = []
                def register(fn):
                    registry.append(fn)
                    return fn
                def tagged(name):
                    def deco(fn):
                        return fn
                    return deco
                @register
                @tagged("x")
                def f(): pass
                f()
            """
            },
            {"main": ["main.register", "main.tagged", "main.tagged.deco", "main.f"]},
        ),
    },
    "dicts": {
        "literal_subscript": _c(
            {
                "main.py": """
                def a(): pass
                def b(): pass
                d = {"a": a, "b": b}
                d["a"]()
            """
            },
            {"main": ["main.a"]},
        ),
        "store_and_get": _c(
            {
                "main.py": """
                def a(): pass
                d = {}
                d["k"] = a
                d.get("k")()
            """
            },
            {"main": ["main.a"]},
        ),
    },
    "direct_calls": {
        "simple": _c(
            {
                "main.py": """
                def f(): g()
                def g(): pass
                f()
            """
            },
            {"main": ["main.f"], "main.f": ["main.g"]},
        ),
        "nested": _c(
            {
                "main.py": """
                def outer():
                    def inner(): pass
                    inner()
                outer()
            """
            },
            {"main": ["main.outer"], "main.outer": ["main.outer.inner"]},
        ),
    },
    "dynamic": {
        "eval_unresolved": _c(
            {
                "main.py": """
                def f(): pass
                eval("f()")
                f()
            """
            },
            {"main": ["<builtin>.eval", "main.f"]},
        ),
    },
    "exceptions": {
        "raise_class": _c(
            {
                "main.py": """
                class MyError(Exception):
                    def __init__(self): pass
                def f():
                    raise MyError
                def g():
                    try:
                        raise MyError()
                    except MyError as e:
                        e.handle()
            """
            },
            {"main.f": ["main.MyError.__init__"], "main.g": ["main.MyError.__init__"]},
        ),
    },
    "external": {
        "imported_module": _c(
            {
                "main.py": """
                import os.path
                import external as ext
                from lib import thing
                os.path.join("a", "b")
                ext.func()
                thing()
            """
            },
            {"main": ["os.path.join", "external.func", "lib.thing"]},
        ),
        "external_class_instance": _c(
            {
                "main.py": """
                from ext import Client
                c = Client()
                c.send()
            """
            },
            {"main": ["ext.Client", "ext.Client.send"]},
        ),
    },
    "functions": {
        "redefinition_and_call_chain": _c(
            {
                "main.py": """
                def f(): return g
                def g(): pass
                f()()
            """
            },
            {"main": ["main.f", "main.g"]},
        ),
    },
    "generators": {
        "yield_functions": _c(
            {
                "main.py": """
                def a(): pass
                def b(): pass
                def gen():
                    yield a
                    yield b
                for fn in gen():
                    fn()
            """
            },
            {"main": ["main.gen", "main.a", "main.b"]},
        ),
        "iter_protocol": _c(
            {
                "main.py": """
                class Counter:
                    def __iter__(self): return self
                    def __next__(self): raise StopIteration
                for x in Counter():
                    pass
            """
            },
            {
                "main": ["main.Counter.__iter__", "main.Counter.__next__"],
                "main.Counter.__next__": ["<builtin>.StopIteration"],
            },
        ),
    },
    "imports": {
        "from_import_alias": _c(
            {
                "main.py": """
                    from pkg.mod import f as g
                    import pkg.mod
                    g()
                    pkg.mod.h()
                """,
                "pkg/__init__.py": "",
                "pkg/mod.py": """
                    def f(): pass
                    def h(): pass
                """,
            },
            {"main": ["pkg.mod.f", "pkg.mod.h"]},
        ),
        "relative_and_reexport": _c(
            {
                "main.py": """
                    from pkg import api
                    api()
                """,
                "pkg/__init__.py": "from .impl import api\n",
                "pkg/impl.py": """
                    from . import util
                    def api():
                        util.work()
                """,
                "pkg/util.py": "def work(): pass\n",
            },
            {"main": ["pkg.impl.api"], "pkg.impl.api": ["pkg.util.work"]},
        ),
        "star_all": _c(
            {
                "main.py": """
                    from lib import *
                    pub()
                """,
                "lib.py": """
                    __all__ = ["pub"]
                    def pub(): _priv()
                    def _priv(): pass
                """,
            },
            {"main": ["lib.pub"], "lib.pub": ["lib._priv"]},
        ),
    },
    "kwargs": {
        "keyword_flow": _c(
            {
                "main.py": """
                def a(): pass
                def call(fn=None): fn()
                call(fn=a)
            """
            },
            {"main": ["main.call"], "main.call": ["main.a"]},
        ),
        "double_star": _c(
            {
                "main.py": """
                def a(): pass
                def call(**kw): kw["fn"]()
                call(fn=a)
            """
            },
            {"main": ["main.call"], "main.call": ["main.a"]},
        ),
    },
    "lambdas": {
        "assigned_and_passed": _c(
            {
                "main.py": """
                def f(): pass
                g = lambda: f()
                g()
                def run(fn): return fn()
                run(lambda: 1)
            """
            },
            {
                "main": ["main.<lambda>", "main.run"],
                "main.<lambda>": ["main.f"],
                "main.run": ["main.<lambda>"],
            },
        ),
    },
    "lists": {
        "literal_and_append": _c(
            {
                "main.py": """
                def a(): pass
                def b(): pass
                fs = [a]
                fs.append(b)
                fs[1]()
            """
            },
            {"main": ["main.b"]},
        ),
        "tuple_loop": _c(
            {
                "main.py": """
                def a(): pass
                for fn in (a,):
                    fn()
            """
            },
            {"main": ["main.a"]},
        ),
    },
    "mro": {
        "super_chain": _c(
            {
                "main.py": """
                class A:
                    def m(self): pass
                class B(A):
                    def m(self): super().m()
                class C(B):
                    def m(self): super().m()
                C().m()
            """
            },
            {
                "main": ["main.C.m"],
                "main.C.m": ["<builtin>.super", "main.B.m"],
                "main.B.m": ["<builtin>.super", "main.A.m"],
            },
        ),
        "diamond": _c(
            {
                "main.py": """
                class A:
                    def f(self): pass
                class B(A):
                    pass
                class C(A):
                    def f(self): pass
                class D(B, C):
                    pass
                D().f()
            """
            },
            {"main": ["main.C.f"]},
        ),
        "self_dispatch": _c(
            {
                "main.py": """
                class A:
                    def run(self): self.step()
                    def step(self): pass
                class B(A):
                    def step(self): pass
                B().run()
            """
            },
            # ``self`` of A.run is any instance of A or of a subclass (methods are
            # entered from outside the repo too: tests, frameworks, ``repr()``)
            {"main": ["main.A.run"], "main.A.run": ["main.A.step", "main.B.step"]},
        ),
    },
    "returns": {
        "return_function": _c(
            {
                "main.py": """
                def a(): pass
                def pick(): return a
                fn = pick()
                fn()
            """
            },
            {"main": ["main.pick", "main.a"]},
        ),
        "return_instance": _c(
            {
                "main.py": """
                class A:
                    def m(self): pass
                def make(): return A()
                make().m()
            """
            },
            {"main": ["main.make", "main.A.m"], "main.make": []},
        ),
    },
}


def _merge_extra() -> None:
    # The second batch lives in its own module to keep this one readable; names are
    # disjoint per category, so a clash would be a mistake worth failing on.
    from tests.callgraph_cases.cases_extra import EXTRA
    from tests.callgraph_cases.cases_flow import FLOW
    from tests.callgraph_cases.cases_runtime import RUNTIME
    from tests.callgraph_cases.cases_values import VALUES

    # later batches: every ``d_*.py`` module of this package with a ``D_CASES`` dict
    more: list[tuple[str, dict[str, Case]]] = []
    here = Path(__file__).parent
    for f in sorted(here.glob("d_*.py")):
        mod = importlib.import_module(f"tests.callgraph_cases.{f.stem}")
        more.extend(mod.D_CASES.items())
    for cat, cases in [*EXTRA.items(), *RUNTIME.items(), *VALUES.items(), *FLOW.items(), *more]:
        dup = set(cases) & set(CASES.setdefault(cat, {}))
        assert not dup, f"duplicate case names in {cat}: {sorted(dup)}"
        CASES[cat].update(cases)


_merge_extra()
