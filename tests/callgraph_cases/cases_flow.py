"""Call-graph cases for flow-sensitive names (issue 16, cause 9): inside one body a
load reads only the bindings that reach it, while every binding that may be live
stays (loops, branches, exceptions, closures, other bodies). Written from the
language reference ("Naming and binding", "Compound statements", "The match
statement") and PyCG's micro-benchmark categories; no code copied from any benchmark.

Same layout and conventions as ``cases.py`` (merged into ``CASES`` there).
"""

from __future__ import annotations

from textwrap import dedent

from tests.callgraph_cases.case_shapes import Case
from tests.callgraph_cases.case_shapes import files_case as _f
from tests.callgraph_cases.case_shapes import main_case as _m

_FS = "def f1(): pass\ndef f2(): pass\ndef f3(): pass\n"


def _fs(src: str) -> str:
    """Three functions to call, then ``src``."""
    return _FS + dedent(src)


FLOW: dict[str, dict[str, Case]] = {
    "assignments": {
        # straight-line rebinding replaces the earlier value
        "rebind_module_level": _m(
            _fs(
                """
            a = f1
            a = f2
            a()
            """
            ),
            {"main": ["main.f2"]},
        ),
        "rebind_in_function": _m(
            _fs(
                """
            def h():
                c = f1
                c = f2
                c()
            """
            ),
            {"main.h": ["main.f2"]},
        ),
        "call_between_rebindings": _m(
            _fs(
                """
            def h():
                c = f1
                c()
                c = f2
            def k():
                c = f1
                c = f2
                c()
            """
            ),
            {"main.h": ["main.f1"], "main.k": ["main.f2"]},
        ),
        "rebind_in_branch_keeps_both": _m(
            _fs(
                """
            def h(flag):
                c = f1
                if flag:
                    c = f2
                c()
            def k(flag):
                if flag:
                    c = f1
                else:
                    c = f2
                c = c
                c()
            """
            ),
            {"main.h": ["main.f1", "main.f2"], "main.k": ["main.f1", "main.f2"]},
        ),
        "rebind_in_loop_keeps_both": _m(
            _fs(
                """
            def h(xs):
                c = f1
                for x in xs:
                    c()
                    c = f2
            def k(n):
                c = f1
                while n:
                    n -= 1
                    c = f2
                c()
            """
            ),
            {"main.h": ["main.f1", "main.f2"], "main.k": ["main.f1", "main.f2"]},
        ),
        "del_then_rebind": _m(
            _fs(
                """
            c = f1
            del c
            c = f2
            c()
            """
            ),
            {"main": ["main.f2"]},
        ),
        "augmented_assignment_keeps_list": _m(
            _fs(
                """
            def h():
                fs = [f1]
                fs = [f3]
                fs += [f2]
                for f in fs:
                    f()
            """
            ),
            {"main.h": ["main.f2", "main.f3"]},
        ),
        "walrus_rebinds": _m(
            _fs(
                """
            def h():
                c = f1
                if (c := f2):
                    c()
            def k(flag):
                c = f1
                ok = flag and (c := f2)
                c()
            """
            ),
            {"main.h": ["main.f2"], "main.k": ["main.f1", "main.f2"]},
        ),
        "for_target_rebinds": _m(
            _fs(
                """
            def h():
                c = f1
                for c in [f2]:
                    c()
            def k(xs):
                c = f1
                for c in [f2]:
                    pass
                c()
            """
            ),
            {"main.h": ["main.f2"], "main.k": ["main.f1", "main.f2"]},
        ),
        "tuple_target_rebinds": _m(
            _fs(
                """
            def h():
                a, b = f1, f1
                a, b = f2, f3
                a()
                b()
            """
            ),
            {"main.h": ["main.f2", "main.f3"]},
        ),
        "class_body_rebinding": _m(
            _fs(
                """
            class A:
                c = f1
                c = f2
                c()
            """
            ),
            {"main": ["main.f2"]},
        ),
        "class_attribute_read_elsewhere_keeps_all": _m(
            _fs(
                """
            class A:
                c = f1
                c()
                c = staticmethod(f2)
            A.c()
            """
            ),
            {"main": ["main.f1", "main.f2", "<builtin>.staticmethod"]},
        ),
    },
    "decorators": {
        "rebound_decorator": _m(
            """
            def dec1(f): return f
            def dec2(f): return f
            a = dec1
            a = dec2
            @a
            def g(): pass
            """,
            {"main": ["main.dec2"]},
        ),
        "redefined_decorator_function": _m(
            """
            def dec(f): return f
            def other(f): return f
            def h():
                d = dec
                d = other
                @d
                def g(): pass
            """,
            {"main.h": ["main.other"]},
        ),
    },
    "functions": {
        "def_replaced_by_import": _f(
            {
                "lib.py": "def f(): pass\n",
                "main.py": """
                def f(): pass
                def h():
                    from lib import f
                    f()
                from lib import f
                f()
                """,
            },
            {"main.h": ["lib.f"], "main": ["lib.f"]},
        ),
        "closure_sees_every_binding": _m(
            _fs(
                """
            def h():
                c = f1
                def inner():
                    c()
                inner()
                c = f2
                inner()
            """
            ),
            {"main.h": ["main.h.inner"], "main.h.inner": ["main.f1", "main.f2"]},
        ),
        "global_rebound_by_function": _m(
            _fs(
                """
            c = f3
            c()
            c = f1
            c()
            def setc():
                global c
                c = f2
            setc()
            c()
            """
            ),
            {"main": ["main.f1", "main.f3", "main.setc", "main.f2"]},
        ),
        "nonlocal_rebound_by_inner": _m(
            _fs(
                """
            def h(flag):
                c = f3
                c()
                c = f1
                def s():
                    nonlocal c
                    c = f2
                if flag:
                    s()
                c()
            """
            ),
            {"main.h": ["main.h.s", "main.f1", "main.f2", "main.f3"]},
        ),
        "module_variable_read_by_function": _f(
            {
                "lib.py": """
                def f1(): pass
                def f2(): pass
                cb = f1
                def run(): cb()
                run()
                cb = f2
                """,
                "main.py": """
                from lib import run
                run()
                """,
            },
            {"lib": ["lib.run"], "lib.run": ["lib.f1", "lib.f2"], "main": ["lib.run"]},
        ),
    },
    "arguments": {
        "rebound_argument_value": _m(
            _fs(
                """
            def take(fn): fn()
            def h():
                a = f1
                a = f2
                take(a)
            """
            ),
            {"main.h": ["main.take"], "main.take": ["main.f2"]},
        ),
        "rebound_parameter": _m(
            _fs(
                """
            def take(fn, flag):
                fn()
                if flag:
                    fn = f3
                fn()
            def give(fn):
                fn = f2
                fn()
            def early(fn):
                fn()
                fn = f2
                return fn
            take(f1, 0)
            give(f1)
            early(f3)
            """
            ),
            {
                "main": ["main.take", "main.give", "main.early"],
                "main.take": ["main.f1", "main.f3"],
                "main.give": ["main.f2"],
                "main.early": ["main.f3"],
            },
        ),
    },
    "returns": {
        "rebound_before_return": _m(
            _fs(
                """
            def h():
                r = f1
                r = f2
                return r
            h()()
            """
            ),
            {"main": ["main.h", "main.f2"]},
        ),
    },
    "kwargs": {
        "rebound_kwargs_dict": _m(
            _fs(
                """
            def run(cb): cb()
            def h():
                k = {"cb": f1}
                k = {"cb": f2}
                run(**k)
            """
            ),
            {"main.h": ["main.run"], "main.run": ["main.f2"]},
        ),
    },
    "generators": {
        "iterable_rebound": _m(
            _fs(
                """
            def gen():
                yield f1
            def h():
                it = gen()
                it = [f2]
                for f in it:
                    f()
            """
            ),
            {"main.h": ["main.gen", "main.f2"]},
        ),
    },
    "imports": {
        "import_rebound_by_import": _f(
            {
                "lib.py": "def f(): pass\n",
                "lib2.py": "def f(): pass\n",
                "main.py": """
                def h():
                    from lib import f
                    from lib2 import f
                    f()
                """,
            },
            {"main.h": ["lib2.f"]},
        ),
        "module_alias_rebound": _f(
            {
                "lib.py": "def f(): pass\n",
                "lib2.py": "def f(): pass\n",
                "main.py": """
                import lib as m
                m.f()
                import lib2 as m
                m.f()
                def h():
                    import lib as n
                    import lib2 as n
                    n.f()
                """,
            },
            {"main": ["lib.f", "lib2.f"], "main.h": ["lib2.f"]},
        ),
        "star_import_may_rebind": _f(
            {
                "lib.py": "def f2(): pass\nc = f2\n",
                "main.py": _fs(
                    """
                c = f3
                c()
                c = f1
                c()
                from lib import *
                c()
                """
                ),
            },
            {"main": ["main.f1", "main.f3", "lib.f2"]},
        ),
    },
    "exceptions": {
        "except_as_rebinds": _m(
            """
            class MyErr(Exception):
                def handle(self): pass
            class Other:
                def handle(self): pass
            def risky(): pass
            def h():
                e = Other()
                try:
                    risky()
                except MyErr as e:
                    e.handle()
            """,
            {"main.h": ["main.risky", "main.MyErr.handle"]},
        ),
        "handler_sees_bindings_before_raise": _m(
            _fs(
                """
            def risky(): pass
            def h():
                c = f1
                try:
                    risky()
                    c = f2
                    risky()
                except ValueError:
                    c()
            """
            ),
            {"main.h": ["main.risky", "main.f1", "main.f2"]},
        ),
    },
    "with_statements": {
        "with_as_rebinds": _m(
            _fs(
                """
            class Ctx:
                def __enter__(self): return f2
                def __exit__(self, *a): return False
            def h():
                c = f1
                with Ctx() as c:
                    c()
            """
            ),
            {"main.h": ["main.Ctx.__enter__", "main.Ctx.__exit__", "main.f2"]},
        ),
    },
    # constant keys of a dict only its own body can see are flow-sensitive too
    "dicts": {
        "constant_key_rebound": _m(
            _fs(
                """
            d = {"a": f1}
            d["a"] = f2
            d["a"]()
            def h():
                m = {"a": f1, "b": f3}
                m["a"] = f2
                m["b"]()
                m["a"]()
            def g():
                m = {"a": f1}
                m["a"]()
                m["a"] = f2
            """
            ),
            {"main": ["main.f2"], "main.h": ["main.f2", "main.f3"], "main.g": ["main.f1"]},
        ),
        "constant_key_branch_and_loop": _m(
            _fs(
                """
            def h(c):
                d = {"a": f1}
                if c:
                    d["a"] = f2
                d["a"]()
            def k(xs):
                d = {"a": f1}
                for x in xs:
                    d["a"]()
                    d["a"] = f3
            """
            ),
            {"main.h": ["main.f1", "main.f2"], "main.k": ["main.f1", "main.f3"]},
        ),
        "constant_key_through_alias": _m(
            _fs(
                """
            def h():
                d = {"a": f1}
                d["a"]()
                e = d
                e["a"] = f2
                d["a"]()
            """
            ),
            {"main.h": ["main.f1", "main.f2"]},
        ),
        "constant_key_set_by_callee": _m(
            _fs(
                """
            def setf(m):
                m["a"] = f2
            def h():
                d = {"a": f1}
                d["a"]()
                setf(d)
                d["a"]()
            """
            ),
            {"main.h": ["main.f1", "main.setf", "main.f2"]},
        ),
        "constant_key_set_by_method_or_del": _m(
            _fs(
                """
            def h():
                d = {"a": f1}
                d["a"]()
                d.update({"a": f2})
                d["a"]()
            def k():
                d = {"a": f1}
                d["a"]()
                del d["a"]
                d["a"] = f3
                d["a"]()
            """
            ),
            {"main.h": ["main.f1", "main.f2"], "main.k": ["main.f1", "main.f3"]},
        ),
        "constant_key_other_stores": _m(
            _fs(
                """
            def h(xs):
                d = {"a": f1}
                d["a"]()
                d["a"], n = f2, 1
                d["a"]()
            def k():
                d = {"a": f1}
                d["a"]()
                for d["a"] in [f3]:
                    pass
                d["a"]()
            def rebound(o):
                d = {"a": f1}
                d = o
                d["a"]()
            rebound({"a": f2})
            """
            ),
            {
                "main": ["main.rebound"],
                "main.h": ["main.f1", "main.f2"],
                "main.k": ["main.f1", "main.f3"],
                "main.rebound": ["main.f2"],
            },
        ),
        "constant_key_module_dict_set_by_function": _m(
            _fs(
                """
            table = {"a": f1}
            def setter():
                table["a"] = f2
            table["a"]()
            setter()
            table["a"]()
            """
            ),
            {"main": ["main.f1", "main.setter", "main.f2"]},
        ),
        "constant_key_seen_by_closure": _m(
            _fs(
                """
            def h():
                d = {"a": f1}
                def inner():
                    d["a"]()
                inner()
                d["a"] = f2
                inner()
            def k():
                d = {"a": f1}
                def setter():
                    d["a"] = f3
                d["a"]()
                setter()
                d["a"]()
            """
            ),
            {
                "main.h": ["main.h.inner"],
                "main.h.inner": ["main.f1", "main.f2"],
                "main.k": ["main.k.setter", "main.f1", "main.f3"],
            },
        ),
    },
    "match_captures": {
        "capture_binds_subject": _m(
            _fs(
                """
            def h():
                c = f1
                match f2:
                    case c:
                        c()
            """
            ),
            {"main.h": ["main.f2"]},
        ),
        "sequence_pattern_positions": _m(
            _fs(
                """
            def h():
                match [f1, f2]:
                    case [a, b]:
                        b()
                match (f2, f3):
                    case (*rest,):
                        for g in rest:
                            g()
            """
            ),
            {"main.h": ["main.f2", "main.f3"]},
        ),
        "mapping_pattern_values": _m(
            _fs(
                """
            def h():
                match {"x": f1, "y": f2}:
                    case {"y": g}:
                        g()
            """
            ),
            {"main.h": ["main.f2"]},
        ),
        "class_pattern_keywords": _m(
            _fs(
                """
            class Box:
                def __init__(self): self.cb = f1
            def h():
                match Box():
                    case Box(cb=g) as box:
                        g()
                        box.cb()
            """
            ),
            {"main.h": ["main.Box.__init__", "main.f1"]},
        ),
        "mapping_rest_and_type_alias": _m(
            _fs(
                """
            def h():
                rest = {"b": f1}
                match {"a": 1, "b": f3}:
                    case {"a": _, **rest}:
                        for v in rest.values():
                            v()
            def k():
                X = f1
                type X = int
                X()
            """
            ),
            {"main.h": ["main.f3"], "main.k": []},
        ),
        "or_pattern_and_fallthrough": _m(
            _fs(
                """
            def h(v):
                c = f1
                match v:
                    case 1 | 2:
                        c = f2
                    case _:
                        pass
                c()
            """
            ),
            {"main.h": ["main.f1", "main.f2"]},
        ),
    },
}


# more cases per cause of issue 16 (causes 1-8), written from the language reference
# (data model: method resolution, descriptors, special method lookup, ``with``)
MORE: dict[str, dict[str, Case]] = {
    "classes": {
        "self_reaches_subclass_override": _m(
            """
            class A:
                def run(self): return self.step()
                def step(self): pass
            class B(A):
                def step(self): pass
            """,
            {"main.A.run": ["main.A.step", "main.B.step"]},
        ),
        "classmethod_factory_any_subclass": _m(
            """
            class A:
                @classmethod
                def make(cls): return cls()
                def __init__(self): pass
            class B(A):
                def __init__(self): pass
            """,
            {
                "main": ["<builtin>.classmethod"],
                "main.A.make": ["main.A.__init__", "main.B.__init__"],
            },
        ),
        "user_container_iteration": _m(
            """
            def f(): pass
            class Reg:
                def __init__(self): self.items = [f]
                def __iter__(self): return iter(self.items)
            for g in Reg():
                g()
            """,
            {
                "main": ["main.Reg.__init__", "main.Reg.__iter__", "main.f"],
                "main.Reg.__iter__": ["<builtin>.iter"],
            },
        ),
        "class_body_alias_read_as_attribute": _m(
            """
            class A:
                def f(self): pass
                def g(self): pass
                h = f
                h = g
            a = A()
            a.h()
            """,
            {"main": ["main.A.f", "main.A.g"]},
        ),
    },
    "properties": {
        "setter_and_deleter_run": _m(
            """
            class A:
                @property
                def x(self): return 1
                @x.setter
                def x(self, v): pass
                @x.deleter
                def x(self): pass
            a = A()
            a.x = 2
            del a.x
            """,
            {"main": ["main.A.x", "<builtin>.property"]},
        ),
    },
    "protocols": {
        "contains_and_len_of_instance": _m(
            """
            class Bag:
                def __contains__(self, k): return False
                def __len__(self): return 0
            b = Bag()
            1 in b
            len(b)
            """,
            {"main": ["main.Bag.__contains__", "main.Bag.__len__", "<builtin>.len"]},
        ),
    },
    "dynamic": {
        "getattr_constant_name_called": _m(
            """
            class A:
                def go(self): pass
            getattr(A(), "go")()
            """,
            {"main": ["<builtin>.getattr", "main.A.go"]},
        ),
    },
    "decorators": {
        "lru_cache_keeps_function": _m(
            """
            from functools import lru_cache
            @lru_cache(maxsize=None)
            def f(): pass
            f()
            """,
            {"main": ["functools.lru_cache", "main.f"]},
        ),
    },
    "functions": {
        "partial_calls_function": _m(
            """
            import functools
            def f(a, b): pass
            p = functools.partial(f, 1)
            p(2)
            """,
            {"main": ["functools.partial", "main.f"]},
        ),
    },
    "builtins": {
        "str_method_of_literal": _m(
            """
            def h(xs): return " ".join(xs)
            """,
            {"main.h": ["<builtin>.str.join"]},
        ),
    },
    "with_statements": {
        "suppressing_exit_keeps_both": _m(
            _fs(
                """
            class Sup:
                def __enter__(self): return self
                def __exit__(self, *a): return True
            def h():
                c = f1
                with Sup():
                    c = f2
                    raise ValueError
                c()
            """
            ),
            {
                "main.h": [
                    "main.Sup.__enter__",
                    "main.Sup.__exit__",
                    "main.f1",
                    "main.f2",
                    "<builtin>.ValueError",
                ],
            },
        ),
    },
    "lambdas": {
        "lambda_rebound_before_call": _m(
            _fs(
                """
            def h():
                g = lambda: f1()
                g = f2
                g()
            """
            ),
            {"main.h": ["main.f2"], "main.h.<lambda>": ["main.f1"]},
        ),
    },
}

for _cat, _cases in MORE.items():
    _dup = set(_cases) & set(FLOW.setdefault(_cat, {}))
    assert not _dup, f"duplicate case names in {_cat}: {sorted(_dup)}"
    FLOW[_cat].update(_cases)
