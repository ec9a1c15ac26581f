"""More call-graph cases per category, in the style of PyCG's micro-benchmark (written
for this project from the language reference; no code copied from it).

Same layout and conventions as ``cases.py``: ``EXTRA[category][case] = (files,
expected)``, merged into ``CASES`` there. Expectations are what the program really
calls (one resolver run must not invent more): constructors as the ``__init__`` found
on the MRO in the repo, builtins as ``<builtin>.name``.
"""

from __future__ import annotations

from tests.callgraph_cases.case_shapes import Case
from tests.callgraph_cases.case_shapes import files_case as _c
from tests.callgraph_cases.case_shapes import main_case as _m

EXTRA: dict[str, dict[str, Case]] = {
    "arguments": {
        "nested_param_calls": _m(
            """
            def f(): pass
            def h(fn2): fn2()
            def g(fn): h(fn)
            g(f)
            """,
            {"main": ["main.g"], "main.g": ["main.h"], "main.h": ["main.f"]},
        ),
        "imported_passed": _c(
            {
                "main.py": """
                from mod import work
                def call(fn): fn()
                call(work)
                """,
                "mod.py": "def work(): pass\n",
            },
            {"main": ["main.call"], "main.call": ["mod.work"]},
        ),
        "identity_return": _m(
            """
            def f(): pass
            def ident(x): return x
            ident(f)()
            """,
            {"main": ["main.ident", "main.f"]},
        ),
        "instance_param_method": _m(
            """
            class A:
                def m(self): pass
            def run(obj): obj.m()
            run(A())
            """,
            {"main": ["main.run"], "main.run": ["main.A.m"]},
        ),
    },
    "assignments": {
        "tuple_pairs_loop": _m(
            """
            def a(): pass
            def b(): pass
            for n, fn in (("a", a), ("b", b)):
                fn()
            """,
            {"main": ["main.a", "main.b"]},
        ),
        "starred": _m(
            """
            def a(): pass
            def b(): pass
            def c(): pass
            x, *rest = a, b, c
            x()
            for r in rest:
                r()
            """,
            {"main": ["main.a", "main.b", "main.c"]},
        ),
        "recursive_tuple": _m(
            """
            def a(): pass
            def b(): pass
            def c(): pass
            x, (y, z) = a, (b, c)
            z()
            """,
            {"main": ["main.c"]},
        ),
        "attribute_store": _m(
            """
            def a(): pass
            class C: pass
            c = C()
            c.fn = a
            c.fn()
            """,
            {"main": ["main.a"]},
        ),
        "global_in_function": _m(
            """
            def a(): pass
            fn = None
            def setup():
                global fn
                fn = a
            setup()
            fn()
            """,
            {"main": ["main.setup", "main.a"]},
        ),
        "local_alias": _m(
            """
            def a(): pass
            def b():
                fn = a
                other = fn
                other()
            b()
            """,
            {"main": ["main.b"], "main.b": ["main.a"]},
        ),
    },
    "builtins": {
        "filter_pred": _m(
            """
            def pred(x): return x
            list(filter(pred, [1, 0]))
            """,
            {"main": ["<builtin>.list", "<builtin>.filter", "main.pred"]},
        ),
        "conversions": _m(
            """
            x = int("3")
            y = float(x)
            z = str(y)
            w = bool(abs(x))
            """,
            {
                "main": [
                    "<builtin>.int",
                    "<builtin>.float",
                    "<builtin>.str",
                    "<builtin>.bool",
                    "<builtin>.abs",
                ]
            },
        ),
        "max_key_in_function": _m(
            """
            def k(x): return x
            def f(xs):
                return max(xs, key=k)
            f([1])
            """,
            {"main": ["main.f"], "main.f": ["<builtin>.max", "main.k"]},
        ),
        "loop_builtins": _m(
            """
            for i, x in enumerate(range(3)):
                print(i, x)
            """,
            {"main": ["<builtin>.enumerate", "<builtin>.range", "<builtin>.print"]},
        ),
    },
    "classes": {
        "context_manager": _m(
            """
            class Ctx:
                def __enter__(self): return self
                def __exit__(self, *a): pass
                def go(self): pass
            with Ctx() as c:
                c.go()
            """,
            {"main": ["main.Ctx.__enter__", "main.Ctx.__exit__", "main.Ctx.go"]},
        ),
        "classmethod_factory": _m(
            """
            class A:
                def __init__(self): pass
                @classmethod
                def make(cls): return cls()
                def m(self): pass
            A.make().m()
            """,
            {
                "main": ["<builtin>.classmethod", "main.A.make", "main.A.m"],
                "main.A.make": ["main.A.__init__"],
            },
        ),
        "assigned_self_call": _m(
            """
            class A:
                def __init__(self):
                    self.fn = self.helper
                def helper(self): pass
                def run(self): self.fn()
            a = A()
            a.run()
            """,
            {"main": ["main.A.__init__", "main.A.run"], "main.A.run": ["main.A.helper"]},
        ),
        "static_class_methods": _m(
            """
            class A:
                @staticmethod
                def s(): pass
                @classmethod
                def make(cls): return cls()
            a = A.make()
            a.s()
            """,
            {
                "main": [
                    "<builtin>.staticmethod",
                    "<builtin>.classmethod",
                    "main.A.make",
                    "main.A.s",
                ]
            },
        ),
        "nested_class": _m(
            """
            class Outer:
                class Inner:
                    def m(self): pass
                def get(self): return self.Inner()
            Outer().get().m()
            """,
            {"main": ["main.Outer.get", "main.Outer.Inner.m"]},
        ),
        "instance_from_function": _m(
            """
            class A:
                def __init__(self): pass
                def m(self): pass
            def make(): return A()
            x = make()
            x.m()
            """,
            {"main": ["main.make", "main.A.m"], "main.make": ["main.A.__init__"]},
        ),
        "class_attr_function": _m(
            """
            def f(): pass
            class A:
                handler = f
            A.handler()
            """,
            {"main": ["main.f"]},
        ),
        "imported_no_init": _c(
            {
                "main.py": """
                from shapes import Square
                s = Square()
                s.area()
                """,
                "shapes.py": """
                class Square:
                    def area(self): pass
                """,
            },
            {"main": ["shapes.Square.area"]},
        ),
        "tuple_instances": _m(
            """
            class A:
                def m(self): pass
            class B:
                def m(self): pass
            a, b = A(), B()
            b.m()
            """,
            {"main": ["main.B.m"]},
        ),
        "inherited_init": _m(
            """
            class A:
                def __init__(self): pass
            class B(A): pass
            B()
            """,
            {"main": ["main.A.__init__"]},
        ),
        "unbound_call": _m(
            """
            class A:
                def m(self): pass
            a = A()
            A.m(a)
            """,
            {"main": ["main.A.m"]},
        ),
        "dunder_call": _m(
            """
            class A:
                def __call__(self): pass
            a = A()
            a()
            """,
            {"main": ["main.A.__call__"]},
        ),
    },
    "decorators": {
        "assigned_decorator": _m(
            """
            def dec(f): return f
            d = dec
            @d
            def g(): pass
            g()
            """,
            {"main": ["main.dec", "main.g"]},
        ),
        "factory_wrapper": _m(
            """
            def repeat(n):
                def deco(fn):
                    def wrapper():
                        for _ in range(n):
                            fn()
                    return wrapper
                return deco
            @repeat(2)
            def hello(): pass
            hello()
            """,
            {
                "main": ["main.repeat", "main.repeat.deco", "main.repeat.deco.wrapper"],
                "main.repeat.deco.wrapper": ["<builtin>.range", "main.hello"],
            },
        ),
        "nested_wrappers": _m(
            """
            def d1(f):
                def w1(): return f()
                return w1
            def d2(f):
                def w2(): return f()
                return w2
            @d1
            @d2
            def g(): pass
            g()
            """,
            {
                "main": ["main.d1", "main.d2", "main.d1.w1"],
                "main.d1.w1": ["main.d2.w2"],
                "main.d2.w2": ["main.g"],
            },
        ),
        "returns_lambda": _m(
            """
            def dec(f):
                return lambda: f()
            @dec
            def g(): pass
            g()
            """,
            {"main": ["main.dec", "main.dec.<lambda>"], "main.dec.<lambda>": ["main.g"]},
        ),
        "class_decorator": _m(
            """
            def register(cls):
                cls.registered = True
                return cls
            @register
            class A:
                def m(self): pass
            A().m()
            """,
            {"main": ["main.register", "main.A.m"]},
        ),
        "method_decorator": _m(
            """
            def log(fn):
                def w(self): return fn(self)
                return w
            class A:
                @log
                def m(self): pass
            A().m()
            """,
            {"main": ["main.log", "main.log.w"], "main.log.w": ["main.A.m"]},
        ),
    },
    "dicts": {
        "const_key": _m(
            """
            def a(): pass
            def b(): pass
            d = {"x": a, 1: b}
            d["x"]()
            d[1]()
            d.get("x")()
            """,
            {"main": ["main.a", "main.b"]},
        ),
        "variable_key_fallback": _m(
            """
            import sys
            def a(): pass
            def b(): pass
            d = {"x": a, "y": b}
            k = sys.argv[0]
            d[k]()
            d.get(k)()
            """,
            {"main": ["main.a", "main.b"]},
        ),
        "stored_key": _m(
            """
            def a(): pass
            def b(): pass
            def c(): pass
            d = {"x": a}
            d["y"] = b
            d["x"]()
            def put(m, key): m[key] = c
            put(d, "z")
            d["y"]()
            """,
            {"main": ["main.a", "main.c", "main.put", "main.b"]},
        ),
        "key_from_single_literal": _m(
            """
            def a(): pass
            def b(): pass
            KEY = "y"
            d = {"x": a, "y": b}
            d[KEY]()
            """,
            {"main": ["main.b"]},
        ),
        "key_rebound_fallback": _m(
            """
            def a(): pass
            def b(): pass
            k = "x"
            k = "y"
            d = {"x": a, "y": b}
            d[k]()
            """,
            {"main": ["main.a", "main.b"]},
        ),
        "merge_fallback": _m(
            """
            def a(): pass
            def b(): pass
            base = {"x": a}
            d = {**base, "y": b}
            d["x"]()
            """,
            {"main": ["main.a"]},
        ),
        "items_loop": _m(
            """
            def a(): pass
            d = {"a": a}
            for k, v in d.items():
                v()
            """,
            {"main": ["main.a"]},
        ),
        "update": _m(
            """
            def b(): pass
            d = {}
            d.update({"k": b})
            d["k"]()
            """,
            {"main": ["main.b"]},
        ),
        "nested": _m(
            """
            def a(): pass
            d = {"inner": {"fn": a}}
            d["inner"]["fn"]()
            """,
            {"main": ["main.a"]},
        ),
        "param": _m(
            """
            def a(): pass
            def call(d): d["fn"]()
            call({"fn": a})
            """,
            {"main": ["main.call"], "main.call": ["main.a"]},
        ),
        "key_from_param": _m(
            """
            def a(): pass
            d = {"k": a}
            def get(key): return d[key]
            get("k")()
            """,
            {"main": ["main.get", "main.a"]},
        ),
        "returned": _m(
            """
            def a(): pass
            def make(): return {"fn": a}
            make()["fn"]()
            """,
            {"main": ["main.make", "main.a"]},
        ),
        "lambdas": _m(
            """
            def a(): pass
            ops = {"x": lambda: a()}
            ops["x"]()
            """,
            {"main": ["main.<lambda>"], "main.<lambda>": ["main.a"]},
        ),
        "values_loop": _m(
            """
            def a(): pass
            def b(): pass
            d = {"a": a, "b": b}
            for fn in d.values():
                fn()
            """,
            {"main": ["main.a", "main.b"]},
        ),
    },
    "direct_calls": {
        "recursion": _m(
            """
            def fact(n):
                return 1 if n <= 1 else n * fact(n - 1)
            fact(3)
            """,
            {"main": ["main.fact"], "main.fact": ["main.fact"]},
        ),
        "call_as_argument": _m(
            """
            def f(): return 1
            def g(x): return x
            g(f())
            """,
            {"main": ["main.g", "main.f"]},
        ),
        "inner_calls_module_function": _m(
            """
            def helper(): pass
            def outer():
                def inner(): helper()
                return inner()
            outer()
            """,
            {
                "main": ["main.outer"],
                "main.outer": ["main.outer.inner"],
                "main.outer.inner": ["main.helper"],
            },
        ),
        "method_shadows_function": _m(
            """
            def run(): pass
            class A:
                def run(self): run()
            A().run()
            """,
            {"main": ["main.A.run"], "main.A.run": ["main.run"]},
        ),
    },
    "dynamic": {
        "getattr_constant": _m(
            """
            class A:
                def m(self): pass
            getattr(A(), "m")()
            """,
            # a constant name reads that attribute (``getattr(x, "m")`` is ``x.m``)
            {"main": ["<builtin>.getattr", "main.A.m"]},
        ),
        "exec_unresolved": _m(
            """
            def f(): pass
            exec("f()")
            """,
            {"main": ["<builtin>.exec"]},
        ),
        "globals_lookup": _m(
            """
            def f(): pass
            globals()["f"]()
            """,
            {"main": ["<builtin>.globals"]},
        ),
        "import_module": _m(
            """
            import importlib
            m = importlib.import_module("os")
            m.getcwd()
            """,
            {"main": ["importlib.import_module"]},
        ),
    },
    "exceptions": {
        "raise_assigned_instance": _m(
            """
            class E(Exception):
                def __init__(self): pass
            e = E()
            def f():
                raise e
            f()
            """,
            {"main": ["main.E.__init__", "main.f"]},
        ),
        "raise_attribute": _m(
            """
            class E(Exception):
                def __init__(self): pass
            class Holder:
                err = E
            def f():
                raise Holder.err()
            f()
            """,
            {"main": ["main.f"], "main.f": ["main.E.__init__"]},
        ),
        "handler_method": _m(
            """
            class E(Exception):
                def __init__(self): pass
                def report(self): pass
            try:
                raise E()
            except E as e:
                e.report()
            """,
            {"main": ["main.E.__init__", "main.E.report"]},
        ),
        "raise_builtin": _m(
            """
            def f():
                raise ValueError("x")
            f()
            """,
            {"main": ["main.f"], "main.f": ["<builtin>.ValueError"]},
        ),
    },
    "external": {
        "attribute_chain": _m(
            """
            import os
            os.path.join("a", "b")
            """,
            {"main": ["os.path.join"]},
        ),
        "returned_object": _m(
            """
            import requests
            r = requests.get("u")
            r.json()
            """,
            {"main": ["requests.get"]},
        ),
        "from_import_in_function": _m(
            """
            from json import dumps
            def f(x):
                return dumps(x)
            f(1)
            """,
            {"main": ["main.f"], "main.f": ["json.dumps"]},
        ),
        "alias_submodule": _m(
            """
            import numpy as np
            np.zeros(3)
            np.linalg.norm([1])
            """,
            {"main": ["numpy.zeros", "numpy.linalg.norm"]},
        ),
        "callback_to_external": _m(
            """
            import threading
            def work(): pass
            threading.Thread(target=work)
            """,
            # a callback handed to code outside the repo is called by it (the thread's
            # ``run``): the call that hands it over performs that call
            {"main": ["threading.Thread", "main.work"]},
        ),
    },
    "functions": {
        "local_alias_call": _m(
            """
            def a(): pass
            def b():
                fn = a
                fn()
            b()
            """,
            {"main": ["main.b"], "main.b": ["main.a"]},
        ),
        "closure_call": _m(
            """
            def outer(fn):
                def inner(): fn()
                return inner
            def a(): pass
            outer(a)()
            """,
            {
                "main": ["main.outer", "main.outer.inner"],
                "main.outer.inner": ["main.a"],
            },
        ),
        "local_shadow": _m(
            """
            def f(): pass
            def g():
                def f(): pass
                f()
            g()
            """,
            {"main": ["main.g"], "main.g": ["main.g.f"]},
        ),
        "async_await": _m(
            """
            async def f(): pass
            async def run():
                await f()
            """,
            {"main.run": ["main.f"]},
        ),
    },
    "generators": {
        "yield_from": _m(
            """
            def a(): pass
            def b(): pass
            def inner():
                yield a
            def outer():
                yield from inner()
                yield b
            for fn in outer():
                fn()
            """,
            {"main": ["main.outer", "main.a", "main.b"], "main.outer": ["main.inner"]},
        ),
        "generator_method": _m(
            """
            class A:
                def items(self):
                    yield self.one
                def one(self): pass
            for f in A().items():
                f()
            """,
            {"main": ["main.A.items", "main.A.one"]},
        ),
        "next_builtin": _m(
            """
            def a(): pass
            def gen():
                yield a
            g = gen()
            next(g)()
            """,
            {"main": ["main.gen", "<builtin>.next", "main.a"]},
        ),
        "separate_iterator": _m(
            """
            class It:
                def __next__(self): raise StopIteration
            class Coll:
                def __iter__(self): return It()
            for x in Coll():
                pass
            """,
            {
                "main": ["main.Coll.__iter__", "main.It.__next__"],
                "main.It.__next__": ["<builtin>.StopIteration"],
            },
        ),
        "generator_expression": _m(
            """
            def a(): pass
            def b(): pass
            fs = [a, b]
            list(f() for f in fs)
            """,
            {"main": ["<builtin>.list", "main.a", "main.b"]},
        ),
    },
    "imports": {
        "chained": _c(
            {
                "main.py": "from a import f\nf()\n",
                "a.py": "from b import f\n",
                "b.py": "def f(): pass\n",
            },
            {"main": ["b.f"]},
        ),
        "import_as": _c(
            {
                "main.py": "import pkg.mod as m\nm.f()\n",
                "pkg/__init__.py": "",
                "pkg/mod.py": "def f(): pass\n",
            },
            {"main": ["pkg.mod.f"]},
        ),
        "parent_relative": _c(
            {
                "main.py": "from pkg.sub.mod import f\nf()\n",
                "pkg/__init__.py": "",
                "pkg/util.py": "def helper(): pass\n",
                "pkg/sub/__init__.py": "",
                "pkg/sub/mod.py": """
                from ..util import helper
                def f(): helper()
                """,
            },
            {"main": ["pkg.sub.mod.f"], "pkg.sub.mod.f": ["pkg.util.helper"]},
        ),
        "from_package_submodule": _c(
            {
                "main.py": "from pkg import mod\nmod.f()\n",
                "pkg/__init__.py": "",
                "pkg/mod.py": "def f(): pass\n",
            },
            {"main": ["pkg.mod.f"]},
        ),
        "star_no_all": _c(
            {
                "main.py": "from lib import *\npub()\n",
                "lib.py": "def pub(): pass\ndef _priv(): pass\n",
            },
            {"main": ["lib.pub"]},
        ),
        "module_level_code": _c(
            {
                "main.py": "import mod\nmod.g()\n",
                "mod.py": "def f(): pass\ndef g(): pass\nf()\n",
            },
            {"main": ["mod.g"], "mod": ["mod.f"]},
        ),
        "import_in_function": _c(
            {
                "main.py": """
                def run():
                    import mod
                    mod.f()
                run()
                """,
                "mod.py": "def f(): pass\n",
            },
            {"main": ["main.run"], "main.run": ["mod.f"]},
        ),
        "dotted_full_path": _c(
            {
                "main.py": "import pkg.sub.mod\npkg.sub.mod.f()\n",
                "pkg/__init__.py": "",
                "pkg/sub/__init__.py": "",
                "pkg/sub/mod.py": "def f(): pass\n",
            },
            {"main": ["pkg.sub.mod.f"]},
        ),
        "init_reexport_alias": _c(
            {
                "main.py": "import pkg\npkg.run()\n",
                "pkg/__init__.py": "from .impl import work as run\n",
                "pkg/impl.py": "def work(): pass\n",
            },
            {"main": ["pkg.impl.work"]},
        ),
        "init_star_reexport": _c(
            {
                "main.py": "from pkg import f\nf()\n",
                "pkg/__init__.py": "from .mod import *\n",
                "pkg/mod.py": "def f(): pass\n",
            },
            {"main": ["pkg.mod.f"]},
        ),
    },
    "kwargs": {
        "forwarded": _m(
            """
            def a(): pass
            def inner(fn): fn()
            def outer(**kw): inner(**kw)
            outer(fn=a)
            """,
            {"main": ["main.outer"], "main.outer": ["main.inner"], "main.inner": ["main.a"]},
        ),
        "dict_unpack_call": _m(
            """
            def a(): pass
            def call(fn): fn()
            opts = {"fn": a}
            call(**opts)
            """,
            {"main": ["main.call"], "main.call": ["main.a"]},
        ),
        "kwonly_default_and_override": _m(
            """
            def a(): pass
            def b(): pass
            def run(*, cb=a): cb()
            run()
            run(cb=b)
            """,
            {"main": ["main.run"], "main.run": ["main.a", "main.b"]},
        ),
        "method_keyword": _m(
            """
            def f(): pass
            class A:
                def m(self, cb): cb()
            A().m(cb=f)
            """,
            {"main": ["main.A.m"], "main.A.m": ["main.f"]},
        ),
    },
    "lambdas": {
        "called_directly": _m(
            """
            def f(): pass
            (lambda: f())()
            """,
            {"main": ["main.<lambda>"], "main.<lambda>": ["main.f"]},
        ),
        "returned": _m(
            """
            def f(): pass
            def make(): return lambda: f()
            make()()
            """,
            {
                "main": ["main.make", "main.make.<lambda>"],
                "main.make.<lambda>": ["main.f"],
            },
        ),
        "chained_identity": _m(
            """
            def f(): pass
            g = lambda x: x
            g(f)()
            """,
            {"main": ["main.<lambda>", "main.f"]},
        ),
        "in_list": _m(
            """
            def a(): pass
            fs = [lambda: a()]
            fs[0]()
            """,
            {"main": ["main.<lambda>"], "main.<lambda>": ["main.a"]},
        ),
        "param_lambda": _m(
            """
            def f(): pass
            ap = lambda fn: fn()
            ap(f)
            """,
            {"main": ["main.<lambda>"], "main.<lambda>": ["main.f"]},
        ),
    },
    "lists": {
        "const_index": _m(
            """
            def a(): pass
            def b(): pass
            fs = [a, b]
            fs[0]()
            """,
            {"main": ["main.a"]},
        ),
        "negative_index": _m(
            """
            def a(): pass
            def b(): pass
            fs = [a, b]
            fs[-1]()
            t = (a, b)
            t[-2]()
            """,
            {"main": ["main.b", "main.a"]},
        ),
        "mutated_fallback": _m(
            """
            def a(): pass
            def b(): pass
            def c(): pass
            fs = [a, b]
            fs.insert(0, c)
            fs[0]()
            fs[1]()
            fs[2]()
            """,
            {"main": ["main.c", "main.a", "main.b"]},
        ),
        "append_keeps_prefix": _m(
            """
            def a(): pass
            def b(): pass
            def c(): pass
            fs = [a, b]
            fs.append(c)
            fs[0]()
            fs[2]()
            """,
            {"main": ["main.a", "main.c"]},
        ),
        "append_negative_fallback": _m(
            """
            def a(): pass
            def b(): pass
            fs = [a]
            fs.append(b)
            fs[-1]()
            fs[-2]()
            """,
            {"main": ["main.b", "main.a"]},
        ),
        "variable_index_fallback": _m(
            """
            import sys
            def a(): pass
            def b(): pass
            fs = [a, b]
            fs[len(sys.argv)]()
            """,
            {"main": ["<builtin>.len", "main.a", "main.b"]},
        ),
        "mutated_through_param": _m(
            """
            def a(): pass
            def b(): pass
            def push(xs): xs.insert(0, b)
            fs = [a]
            push(fs)
            fs[0]()
            fs[1]()
            """,
            {"main": ["main.push", "main.b", "main.a"]},
        ),
        "augmented_fallback": _m(
            """
            def a(): pass
            def b(): pass
            fs = [a]
            fs += [b]
            fs[1]()
            fs[0]()
            """,
            {"main": ["main.b", "main.a"]},
        ),
        "slice_offset": _m(
            """
            def a(): pass
            def b(): pass
            fs = [a, b]
            fs[1:][0]()
            fs[:1][0]()
            """,
            {"main": ["main.b", "main.a"]},
        ),
        "enumerate_unpack": _m(
            """
            def a(): pass
            for i, fn in enumerate([a]):
                fn()
            """,
            {"main": ["<builtin>.enumerate", "main.a"]},
        ),
        "zip_unpack": _m(
            """
            def a(): pass
            def b(): pass
            for x, y in zip([a], [b]):
                y()
            """,
            {"main": ["<builtin>.zip", "main.b"]},
        ),
        "slice": _m(
            """
            def a(): pass
            fs = [a]
            fs[:][0]()
            """,
            {"main": ["main.a"]},
        ),
        "comprehension": _m(
            """
            def a(): pass
            def b(): pass
            fs = [a, b]
            [f() for f in fs]
            """,
            {"main": ["main.a", "main.b"]},
        ),
        "nested": _m(
            """
            def a(): pass
            def b(): pass
            fs = [[a], [b]]
            for row in fs:
                row[0]()
            """,
            {"main": ["main.a", "main.b"]},
        ),
        "param_index": _m(
            """
            def a(): pass
            def call(lst): lst[0]()
            call([a])
            """,
            {"main": ["main.call"], "main.call": ["main.a"]},
        ),
        "returned": _m(
            """
            def a(): pass
            def get(): return [a]
            get()[0]()
            """,
            {"main": ["main.get", "main.a"]},
        ),
        "extend_insert": _m(
            """
            def a(): pass
            def b(): pass
            fs = []
            fs.extend([a])
            fs.insert(0, b)
            for f in fs:
                f()
            """,
            {"main": ["main.a", "main.b"]},
        ),
    },
    "mro": {
        "super_explicit_args": _m(
            """
            class A:
                def f(self): pass
            class B(A):
                def f(self): super(B, self).f()
            B().f()
            """,
            {"main": ["main.B.f"], "main.B.f": ["<builtin>.super", "main.A.f"]},
        ),
        "two_parents": _m(
            """
            class A:
                def f(self): pass
            class B:
                def g(self): pass
            class C(A, B): pass
            c = C()
            c.f()
            c.g()
            """,
            {"main": ["main.A.f", "main.B.g"]},
        ),
        "multi_level": _m(
            """
            class A:
                def f(self): pass
            class B(A): pass
            class C(B): pass
            C().f()
            """,
            {"main": ["main.A.f"]},
        ),
        "super_init": _m(
            """
            class A:
                def __init__(self): pass
            class B(A):
                def __init__(self):
                    super().__init__()
            B()
            """,
            {
                "main": ["main.B.__init__"],
                "main.B.__init__": ["<builtin>.super", "main.A.__init__"],
            },
        ),
        "explicit_parent_call": _m(
            """
            class A:
                def f(self): pass
            class B(A):
                def f(self): A.f(self)
            B().f()
            """,
            {"main": ["main.B.f"], "main.B.f": ["main.A.f"]},
        ),
        "self_dispatch_levels": _m(
            """
            class A:
                def run(self): self.step()
                def step(self): pass
            class B(A): pass
            class C(B):
                def step(self): pass
            B().run()
            C().run()
            """,
            {"main": ["main.A.run"], "main.A.run": ["main.A.step", "main.C.step"]},
        ),
        "super_diamond": _m(
            """
            class A:
                def f(self): pass
            class B(A):
                def f(self): super().f()
            class C(A):
                def f(self): super().f()
            class D(B, C):
                def f(self): super().f()
            D().f()
            """,
            {
                "main": ["main.D.f"],
                "main.D.f": ["<builtin>.super", "main.B.f"],
                # self of B.f may be a B (super() -> A.f) or a D (-> C.f)
                "main.B.f": ["<builtin>.super", "main.A.f", "main.C.f"],
                "main.C.f": ["<builtin>.super", "main.A.f"],
            },
        ),
    },
    "returns": {
        "imported_factory": _c(
            {
                "main.py": "from mod import factory\nfactory()()\n",
                "mod.py": "def work(): pass\ndef factory(): return work\n",
            },
            {"main": ["mod.factory", "mod.work"]},
        ),
        "conditional": _m(
            """
            def a(): pass
            def b(): pass
            def pick(x):
                if x:
                    return a
                return b
            pick(1)()
            pick(0)()
            """,
            {"main": ["main.pick", "main.a", "main.b"]},
        ),
        "bound_method": _m(
            """
            class A:
                def m(self): pass
            def get(): return A().m
            get()()
            """,
            {"main": ["main.get", "main.A.m"]},
        ),
        "through_functions": _m(
            """
            def a(): pass
            def one(): return a
            def two(): return one()
            two()()
            """,
            {"main": ["main.two", "main.a"], "main.two": ["main.one"]},
        ),
        "tuple_return": _m(
            """
            def a(): pass
            def b(): pass
            def pair(): return a, b
            x, y = pair()
            y()
            """,
            {"main": ["main.pair", "main.b"]},
        ),
    },
}
