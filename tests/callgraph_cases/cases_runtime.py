"""Call-graph cases for what real programs call beyond plain calls (issue 16), written
from the language reference (data model, execution model) and shapes met in the
standard library; no code copied from any benchmark.

Same layout and conventions as ``cases.py`` (merged into ``CASES`` there). Methods are
entered from outside the repository too (tests, frameworks, ``repr()``), so ``self``
of a method of class K is any instance of K or of a subclass of K in the repository.
Implicit calls count for the function or module whose code performs them: a property
read, an operator, ``len(x)``, ``Cls()`` running ``__new__``.
"""

from __future__ import annotations

from tests.callgraph_cases.case_shapes import Case
from tests.callgraph_cases.case_shapes import main_case as _m

RUNTIME: dict[str, dict[str, Case]] = {
    # cause 1: self/cls through the class hierarchy
    "self_hierarchy": {
        "subclass_overrides_no_instances": _m(
            """
            class A:
                def f(self): return self.g()
                def g(self): pass
            class B(A):
                def g(self): pass
            """,
            {"main.A.f": ["main.A.g", "main.B.g"]},
        ),
        "classmethod_cls_of_subclass": _m(
            """
            class A:
                @classmethod
                def make(cls): return cls.build()
                @classmethod
                def build(cls): pass
            class B(A):
                @classmethod
                def build(cls): pass
            """,
            {
                "main": ["<builtin>.classmethod"],
                "main.A.make": ["main.A.build", "main.B.build"],
            },
        ),
        "two_levels_and_siblings": _m(
            """
            class Base:
                def run(self): return self.step()
                def step(self): pass
            class Left(Base):
                def step(self): pass
            class Right(Base): pass
            class Leaf(Left): pass
            class Other:
                def step(self): pass
            """,
            {"main.Base.run": ["main.Base.step", "main.Left.step"]},
        ),
        "self_in_comprehension": _m(
            """
            class A:
                def all(self, xs): return [self.one(x) for x in xs]
                def one(self, x): pass
            """,
            {"main.A.all": ["main.A.one"]},
        ),
    },
    # cause 2: super() for every possible class of self
    "super_calls": {
        "super_in_middle_class": _m(
            """
            class A:
                def f(self): pass
            class B(A):
                def f(self): return super().f()
            class C(B):
                def f(self): return super().f()
            """,
            {
                "main.B.f": ["<builtin>.super", "main.A.f"],
                "main.C.f": ["<builtin>.super", "main.B.f"],
            },
        ),
        "super_two_args": _m(
            """
            class A:
                def f(self): pass
            class B(A):
                def f(self): return super(B, self).f()
            """,
            {"main.B.f": ["<builtin>.super", "main.A.f"]},
        ),
    },
    # cause 3: properties and descriptors run their accessors
    "properties": {
        "getter_read": _m(
            """
            class A:
                @property
                def size(self): return 1
                def twice(self): return self.size * 2
            """,
            {"main": ["<builtin>.property"], "main.A.twice": ["main.A.size"]},
        ),
        "setter_write_and_deleter": _m(
            """
            class A:
                @property
                def v(self): return self._v
                @v.setter
                def v(self, x): self._v = x
                @v.deleter
                def v(self): pass
            def use(a: A):
                a.v = 3
                del a.v
            """,
            {"main": ["<builtin>.property"], "main.use": ["main.A.v"]},
        ),
        "property_call_form": _m(
            """
            class Cal:
                def getfirst(self): return 0
                def setfirst(self, v): pass
                first = property(getfirst, setfirst)
                def week(self): return self.first + 1
            """,
            {
                "main": ["<builtin>.property"],
                "main.Cal.week": ["main.Cal.getfirst", "main.Cal.setfirst"],
            },
        ),
        "method_reference_is_not_a_call": _m(
            """
            class A:
                def m(self): pass
                def cb(self): return self.m
            """,
            {},
        ),
        "hasattr_getattr_constant": _m(
            """
            class A:
                @property
                def p(self): return 1
            def probe(a: A):
                if hasattr(a, "p"):
                    return getattr(a, "p")
            """,
            {
                "main": ["<builtin>.property"],
                "main.probe": ["<builtin>.hasattr", "<builtin>.getattr", "main.A.p"],
            },
        ),
        "cached_property": _m(
            """
            import functools
            class A:
                @functools.cached_property
                def heavy(self): return 1
                def use(self): return self.heavy
            """,
            {"main": ["functools.cached_property"], "main.A.use": ["main.A.heavy"]},
        ),
    },
    # cause 4: dunder protocols on values of known class
    "protocols": {
        "operators_and_comparisons": _m(
            """
            class V:
                def __add__(self, o): return self
                def __eq__(self, o): return True
                def __lt__(self, o): return False
            def f(a: V, b: V):
                c = a + b
                return c == a, a < b
            """,
            {"main.f": ["main.V.__add__", "main.V.__eq__", "main.V.__lt__"]},
        ),
        "reflected_operator": _m(
            """
            class V:
                def __radd__(self, o): return self
            def f(v: V): return 1 + v
            """,
            {"main.f": ["main.V.__radd__"]},
        ),
        "subscripts": _m(
            """
            class Box:
                def __getitem__(self, k): return k
                def __setitem__(self, k, v): pass
                def __delitem__(self, k): pass
                def __contains__(self, k): return True
            def f(b: Box):
                b[1] = b[0]
                del b[2]
                return 3 in b
            """,
            {
                "main.f": [
                    "main.Box.__getitem__",
                    "main.Box.__setitem__",
                    "main.Box.__delitem__",
                    "main.Box.__contains__",
                ]
            },
        ),
        "builtins_and_formatting": _m(
            """
            class T:
                def __len__(self): return 0
                def __repr__(self): return "T"
                def __str__(self): return "t"
            def f(t: T):
                n = len(t)
                return repr(t), f"{t!r}", n
            """,
            {
                "main.f": [
                    "<builtin>.len",
                    "<builtin>.repr",
                    "main.T.__len__",
                    "main.T.__repr__",
                ]
            },
        ),
        "truth_test": _m(
            """
            class T:
                def __bool__(self): return False
            def f(t: T):
                if t:
                    return 1
                return not t
            """,
            {"main.f": ["main.T.__bool__"]},
        ),
        "constructor_runs_new_and_init": _m(
            """
            class F:
                def __new__(cls, n): return super().__new__(cls)
                def __init__(self, n): self.n = n
            def make(): return F(1)
            """,
            {
                "main.make": ["main.F.__new__", "main.F.__init__"],
                "main.F.__new__": ["<builtin>.super"],
            },
        ),
        "sorted_compares_elements": _m(
            """
            class K:
                def __lt__(self, o): return True
            def f(): return sorted([K(), K()])
            """,
            {"main.f": ["<builtin>.sorted", "main.K.__lt__"]},
        ),
        "printf_and_format": _m(
            """
            class Addr:
                def __str__(self): return "a"
                def __format__(self, spec): return "a"
            def show(a: Addr, b: Addr):
                return "%s/%d" % (a, 24), "{}".format(b)
            """,
            {"main.show": ["main.Addr.__str__", "main.Addr.__format__", "<builtin>.str.format"]},
        ),
        "operator_on_external_value_invents_nothing": _m(
            """
            import decimal
            def f(): return decimal.Decimal(1) + 2
            """,
            {"main.f": ["decimal.Decimal"]},
        ),
    },
    # cause 6: dynamic dispatch by name and by type
    "dispatch": {
        "type_self_and_dunder_class": _m(
            """
            class A:
                def __init__(self, v): self.v = v
                def copy(self): return type(self)(self.v)
                def clone(self): return self.__class__(self.v)
            class B(A):
                def __init__(self, v): pass
            """,
            {
                "main.A.copy": ["<builtin>.type", "main.A.__init__", "main.B.__init__"],
                "main.A.clone": ["main.A.__init__", "main.B.__init__"],
            },
        ),
        "getattr_constant_method": _m(
            """
            class V:
                def visit_name(self): pass
                def run(self): return getattr(self, "visit_name")()
            """,
            {"main.V.run": ["<builtin>.getattr", "main.V.visit_name"]},
        ),
    },
    # receivers with no known value (parameters fed from outside the repository):
    # the methods of that name, when few classes define it
    "unknown_receivers": {
        "rare_method_name": _m(
            """
            class Parser:
                def print_help(self): pass
            class Action:
                def __call__(self, parser): parser.print_help()
            """,
            {"main.Action.__call__": ["main.Parser.print_help"]},
        ),
        "common_method_name_stays_unresolved": _m(
            """
            class A:
                def run(self): pass
            class B:
                def run(self): pass
            class C:
                def run(self): pass
            class D:
                def run(self): pass
            class E:
                def run(self): pass
            def go(x): x.run()
            """,
            {},
        ),
        "known_receiver_uses_points_to": _m(
            """
            class P:
                def show(self): pass
            class Q:
                def show(self): pass
            def go(p: P): p.show()
            """,
            {"main.go": ["main.P.show"]},
        ),
        "property_on_unknown_receiver": _m(
            """
            class Net:
                @property
                def prefixlen(self): return 24
            def describe(n): return n.prefixlen
            """,
            {"main": ["<builtin>.property"], "main.describe": ["main.Net.prefixlen"]},
        ),
    },
    # cause 7: wrappers and callbacks handed to code outside the repository
    "callbacks": {
        "re_sub_and_pattern_sub": _m(
            """
            import re
            def conv(m): return m.group(0)
            def fix(s, pat):
                return re.sub("a", conv, s), pat.sub(conv, s)
            """,
            {"main.fix": ["re.sub", "main.conv"]},
        ),
        "json_hooks_and_key": _m(
            """
            import json, heapq
            def hook(d): return d
            def k(x): return x
            def load(s, xs):
                return json.loads(s, object_hook=hook), heapq.nsmallest(2, xs, key=k)
            """,
            {"main.load": ["json.loads", "heapq.nsmallest", "main.hook", "main.k"]},
        ),
        "defaultdict_factory": _m(
            """
            from collections import defaultdict
            def fresh(): return []
            d = defaultdict(fresh)
            """,
            {"main": ["collections.defaultdict", "main.fresh"]},
        ),
        "lru_cache_keeps_the_function": _m(
            """
            import functools
            @functools.lru_cache(maxsize=None)
            def fib(n): return n
            @functools.cache
            def sq(n): return n
            def use(): return fib(3) + sq(2)
            """,
            {
                "main": ["functools.lru_cache", "functools.cache"],
                "main.use": ["main.fib", "main.sq"],
            },
        ),
        "partial_calls_the_function": _m(
            """
            import functools
            def add(a, b): return a + b
            def use():
                inc = functools.partial(add, 1)
                return inc(2)
            """,
            {"main.use": ["functools.partial", "main.add"]},
        ),
    },
    # cause 8: methods of builtin-typed literals are EXTERNAL builtins
    "builtin_methods": {
        "literal_receivers": _m(
            """
            def f(xs):
                return " ".join(xs), {"a": 1}.items(), [1, 2].count(1), f"{xs}".upper()
            """,
            {
                "main.f": [
                    "<builtin>.str.join",
                    "<builtin>.dict.items",
                    "<builtin>.list.count",
                    "<builtin>.str.upper",
                ]
            },
        ),
    },
    # issue 15: private names are mangled per class (one resolver: the scope model)
    "scoping": {
        "mangled_locals_per_class": _m(
            """
            def one(): pass
            def two(): pass
            class A:
                def f(self):
                    __h = one
                    return __h()
            class B:
                def g(self):
                    __h = two
                    return __h()
            """,
            {"main.A.f": ["main.one"], "main.B.g": ["main.two"]},
        ),
        "mangled_attributes_per_class": _m(
            """
            class A:
                def __m(self): pass
                def f(self): return self.__m()
            class B(A):
                def __m(self): pass
                def g(self): return self.__m()
            """,
            {"main.A.f": ["main.A.__m"], "main.B.g": ["main.B.__m"]},
        ),
    },
}
