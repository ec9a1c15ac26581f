"""Call-graph cases for values that real programs pass through builtins and the data
model (issue 16, second round), written from the language reference (data model:
iteration, hashing, descriptors; the ``builtins``, ``operator`` and ``functools``
documentation); no code copied from any benchmark or analysed package.

Same layout and conventions as ``cases.py`` (merged into ``CASES`` there).
"""

from __future__ import annotations

from tests.callgraph_cases.case_shapes import Case
from tests.callgraph_cases.case_shapes import main_case as _m

VALUES: dict[str, dict[str, Case]] = {
    # list()/tuple()/set()/frozenset()/sorted()/dict() build containers of what
    # iterating their argument yields; for loops iterate what __iter__ returns
    "containers": {
        "list_copies_elements": _m(
            """
            def f(): pass
            def use():
                xs = list([f])
                xs[0]()
            """,
            {"main.use": ["<builtin>.list", "main.f"]},
        ),
        "tuple_of_generator_expression": _m(
            """
            def g(): pass
            def h(): pass
            def use():
                for fn in tuple(x for x in [g, h]):
                    fn()
            """,
            {"main.use": ["<builtin>.tuple", "main.g", "main.h"]},
        ),
        "sorted_and_set_copy_elements": _m(
            """
            def g(): pass
            def h(): pass
            def use():
                for fn in sorted({g}):
                    fn()
                frozenset(set([h])).pop()()
            """,
            {
                "main.use": [
                    "<builtin>.sorted",
                    "<builtin>.frozenset",
                    "<builtin>.set",
                    "main.g",
                    "main.h",
                ]
            },
        ),
        "dict_keywords_by_name": _m(
            """
            def h(): pass
            def k(): pass
            def use():
                d = dict(a=h, b=k)
                d["a"]()
            def every():
                for v in dict({"x": k}).values():
                    v()
            """,
            {
                "main.use": ["<builtin>.dict", "main.h"],
                "main.every": ["<builtin>.dict", "main.k"],
            },
        ),
        "user_iterable_generator_iter": _m(
            """
            def one(): pass
            class Registry:
                def __init__(self, items):
                    self._items = items
                def __iter__(self):
                    yield from self._items
            def run():
                for fn in Registry([one]):
                    fn()
            """,
            {"main.run": ["main.Registry.__init__", "main.Registry.__iter__", "main.one"]},
        ),
        "user_iterator_next_through_list": _m(
            """
            def two(): pass
            class Countdown:
                def __init__(self, fs):
                    self.fs = fs
                def __iter__(self):
                    return self
                def __next__(self):
                    return self.fs.pop()
            def run():
                for fn in list(Countdown([two])):
                    fn()
            """,
            {
                "main.run": [
                    "<builtin>.list",
                    "main.Countdown.__init__",
                    "main.Countdown.__iter__",
                    "main.Countdown.__next__",
                    "main.two",
                ]
            },
        ),
    },
    # dict and set keys: a lookup or store runs the key's __hash__
    "hashing": {
        "subscript_in_get_and_displays": _m(
            """
            class Key:
                def __hash__(self): return 1
            def lookup(d):
                k = Key()
                d[k] = 1
                if k in d:
                    del d[k]
                return d.get(k)
            def displays():
                k = Key()
                return {k: 1}, {k}
            """,
            {
                "main.lookup": ["main.Key.__hash__"],
                "main.displays": ["main.Key.__hash__"],
            },
        ),
        "no_hash_method_no_edge": _m(
            """
            class Plain: pass
            class Key:
                def __hash__(self): return 1
            def lookup(d):
                p = Plain()
                s = set()
                s.add(p)
                return d[p], p in s, d[1:2]
            """,
            {"main.lookup": ["<builtin>.set"]},
        ),
        "set_add_and_setdefault": _m(
            """
            class Key:
                def __hash__(self): return 1
            def add(s, d):
                k = Key()
                s.add(k)
                d.setdefault(k, [])
            """,
            {"main.add": ["main.Key.__hash__"]},
        ),
    },
    # library functions imported by name, and callbacks of collections.defaultdict
    "imported_library": {
        "from_functools_import_reduce": _m(
            """
            from functools import reduce
            def step(acc, x): return acc
            def use(xs):
                return reduce(step, xs, 0)
            """,
            {"main.use": ["functools.reduce", "main.step"]},
        ),
        "aliased_reduce_and_local_reduce": _m(
            """
            from functools import reduce as fold
            def step(acc, x): return acc
            def use(xs):
                return fold(step, xs, 0)
            def mine(f, xs): pass
            def other(xs):
                reduce = mine
                return reduce(step, xs)
            """,
            {
                "main.use": ["functools.reduce", "main.step"],
                "main.other": ["main.mine"],
            },
        ),
        "collections_defaultdict_factory": _m(
            """
            import collections
            def make(): return []
            def group():
                d = collections.defaultdict(make)
                e = collections.defaultdict(lambda: [].append)
                return d, e
            """,
            {
                "main.group": [
                    "collections.defaultdict",
                    "main.make",
                    "main.group.<lambda>",
                ]
            },
        ),
    },
    # property's own methods called from a subclass (descriptor HowTo equivalent)
    "property_subclass": {
        "get_set_through_property_methods": _m(
            """
            class Prop(property):
                def __init__(self, fget=None, fset=None, classval=None):
                    self.classval = classval
                    property.__init__(self, fget=fget, fset=fset)
                def __get__(self, obj, type=None):
                    if obj is None:
                        return self.classval
                    return property.__get__(self, obj, type)
                def __set__(self, obj, value):
                    property.__set__(self, obj, value)
            def prop(fget):
                return Prop(fget=fget)
            class C:
                @prop
                def x(self): return 1
            """,
            {
                "main": ["main.prop"],
                "main.prop": ["main.Prop.__init__"],
                "main.Prop.__init__": ["<builtin>.property.__init__"],
                "main.Prop.__get__": ["<builtin>.property.__get__", "main.C.x"],
                "main.Prop.__set__": ["<builtin>.property.__set__"],
            },
        ),
        "positional_accessors": _m(
            """
            class Prop(property):
                def __init__(self, fget, fset):
                    property.__init__(self, fget, fset)
                def __set__(self, obj, value):
                    return property.__set__(self, obj, value)
            class C:
                def getx(self): return 1
                def setx(self, v): pass
                x = Prop(getx, setx)
            """,
            {
                "main": ["main.Prop.__init__"],
                "main.Prop.__init__": ["<builtin>.property.__init__"],
                "main.Prop.__set__": ["<builtin>.property.__set__", "main.C.setx"],
            },
        ),
    },
    # a generator's body runs when it is iterated (next, for, list, ...)
    "generators_resumed": {
        "next_and_for_resume_the_generator": _m(
            """
            def gen():
                yield 1
            def loop():
                g = gen()
                for x in g:
                    pass
            def step(g):
                return next(g)
            def feed():
                return step(gen())
            """,
            {
                "main.loop": ["main.gen"],
                "main.step": ["<builtin>.next", "main.gen"],
                "main.feed": ["main.step", "main.gen"],
            },
        ),
        "generator_kept_on_self": _m(
            """
            def helper(it):
                yield from it
            class Wrap:
                def __init__(self, it):
                    self._it = helper(it)
                def __next__(self):
                    return next(self._it)
            """,
            {
                "main.Wrap.__init__": ["main.helper"],
                "main.Wrap.__next__": ["<builtin>.next", "main.helper"],
            },
        ),
        "plain_function_result_not_resumed": _m(
            """
            def items():
                return [1]
            def loop():
                for x in items():
                    pass
                return list(items())
            """,
            {"main.loop": ["main.items", "<builtin>.list"]},
        ),
    },
    # x[k] on an instance is what its __getitem__ returns
    "getitem_results": {
        "getitem_returns_generator": _m(
            """
            class Bucket:
                def __getitem__(self, k):
                    return self._values(k)
                def _values(self, k):
                    yield k
                def __contains__(self, v):
                    return next(self[v])
            """,
            {
                "main.Bucket.__getitem__": ["main.Bucket._values"],
                "main.Bucket.__contains__": [
                    "<builtin>.next",
                    "main.Bucket.__getitem__",
                    "main.Bucket._values",
                ],
            },
        ),
        "getitem_returns_callable": _m(
            """
            def handler(): pass
            class Table:
                def __getitem__(self, name):
                    return handler
            def run():
                t = Table()
                t["x"]()
            """,
            {"main.run": ["main.Table.__getitem__", "main.handler"]},
        ),
    },
    # a call key holding more values than KEY_CAP still gets each one's __call__
    # (__init__): the methods a call runs implicitly enter past the cap
    "implicit_past_cap": {
        "many_callable_instances": _m(
            "".join(f"class A{i}:\n    def __call__(self): pass\n" for i in range(18))
            + "def run():\n    for a in ["
            + ", ".join(f"A{i}()" for i in range(18))
            + "]:\n        a()\n",
            {"main.run": [f"main.A{i}.__call__" for i in range(18)]},
        ),
        "many_classes_constructed": _m(
            "".join(f"class B{i}:\n    def __init__(self): pass\n" for i in range(18))
            + "def run():\n    for c in ["
            + ", ".join(f"B{i}" for i in range(18))
            + "]:\n        c()\n",
            {"main.run": [f"main.B{i}.__init__" for i in range(18)]},
        ),
    },
    # sorted/min/max compare what their key function returns; a class given as the
    # function is constructed
    "sort_keys": {
        "key_results_compared": _m(
            """
            class SafeKey:
                def __init__(self, obj): self.obj = obj
                def __lt__(self, other): return True
            def wrap(x):
                return SafeKey(x)
            def order(xs):
                return sorted(xs, key=wrap)
            """,
            {
                "main.wrap": ["main.SafeKey.__init__"],
                "main.order": ["<builtin>.sorted", "main.wrap", "main.SafeKey.__lt__"],
            },
        ),
        "class_as_key_and_tuple_results": _m(
            """
            class SafeKey:
                def __init__(self, obj): self.obj = obj
                def __lt__(self, other): return True
                def __eq__(self, other): return True
            def pair(t):
                return SafeKey(t[0]), SafeKey(t[1])
            def order(d):
                return max(d, key=SafeKey), min(d.items(), key=pair)
            """,
            {
                "main.pair": ["main.SafeKey.__init__"],
                "main.order": [
                    "<builtin>.max",
                    "<builtin>.min",
                    "main.pair",
                    "main.SafeKey.__init__",
                    "main.SafeKey.__lt__",
                    "main.SafeKey.__eq__",
                ],
            },
        ),
        "map_constructs_class": _m(
            """
            class Box:
                def __init__(self, v): self.v = v
            def boxes(xs):
                return list(map(Box, xs))
            """,
            {"main.boxes": ["<builtin>.list", "<builtin>.map", "main.Box.__init__"]},
        ),
    },
    # reading a property on an instance yields what its getter returns
    "property_results": {
        "iterate_and_call_through_property": _m(
            """
            class Conv:
                def __iter__(self):
                    yield 1
                def get(self): pass
            class Parser:
                def __init__(self):
                    self._conv = Conv()
                @property
                def converters(self):
                    return self._conv
            def use(p: Parser):
                for c in p.converters:
                    pass
                p.converters.get()
            """,
            {
                "main": ["<builtin>.property"],
                "main.use": ["main.Parser.converters", "main.Conv.__iter__", "main.Conv.get"],
            },
        ),
        "class_level_read_is_the_property": _m(
            """
            class Item:
                def run(self): pass
            class Box:
                @property
                def item(self):
                    return Item()
            def use():
                p = Box.item
                return p.run()
            """,
            {"main": ["<builtin>.property"], "main.use": []},
        ),
        "attribute_holding_class_constructs_nothing": _m(
            """
            class A:
                def __call__(self): pass
            class NS:
                K = A
            def use():
                k = NS.K
                return k()
            """,
            {"main.use": []},
        ),
        "plain_function_attribute_not_called": _m(
            """
            class Item:
                def run(self): pass
            def make():
                return Item()
            class Box:
                def __init__(self):
                    self.factory = make
            def use(b: Box):
                f = b.factory
                return f.run()
            """,
            {"main.use": []},
        ),
    },
    # cause 8: methods of external base classes are EXTERNAL callees
    "external_bases": {
        "inherited_method_of_imported_base": _m(
            """
            import ext
            class B(ext.Base):
                def run(self):
                    return self.base_method()
                def own(self): pass
                def both(self):
                    self.own()
            """,
            {"main.B.run": ["ext.Base.base_method"], "main.B.both": ["main.B.own"]},
        ),
        "testcase_assertions": _m(
            """
            import unittest
            class T(unittest.TestCase):
                def test_a(self):
                    self.assertEqual(1, 1)
                    self.helper()
                def helper(self): pass
            """,
            {"main.T.test_a": ["unittest.TestCase.assertEqual", "main.T.helper"]},
        ),
        "builtin_base_only_real_methods": _m(
            """
            class E(Exception):
                def fail(self):
                    return self.with_traceback(None), self.handle()
            class D(dict):
                def first(self):
                    return self.get("a")
            """,
            {
                "main.E.fail": ["<builtin>.Exception.with_traceback"],
                "main.D.first": ["<builtin>.dict.get"],
            },
        ),
        "repository_class_between_wins": _m(
            """
            import ext
            class Mid(ext.Base):
                def step(self): pass
            class Leaf(Mid):
                def run(self):
                    return self.step()
            """,
            {"main.Leaf.run": ["main.Mid.step"]},
        ),
    },
    # cause 6: dispatch by a computed name with a constant prefix
    "prefix_dispatch": {
        "visitor_with_default": _m(
            """
            class Visitor:
                def visit(self, node):
                    m = getattr(self, "visit_" + type(node).__name__, self.generic_visit)
                    return m(node)
                def generic_visit(self, node): pass
            class Mine(Visitor):
                def visit_Name(self, node): pass
                def visit_Call(self, node): pass
                def other(self): pass
            """,
            {
                "main.Visitor.visit": [
                    "<builtin>.getattr",
                    "<builtin>.type",
                    "main.Visitor.generic_visit",
                    "main.Mine.visit_Name",
                    "main.Mine.visit_Call",
                ]
            },
        ),
        "fstring_percent_and_format_prefixes": _m(
            """
            class Cmd:
                def run(self, name):
                    getattr(self, f"do_{name}")()
                    getattr(self, "help_%s" % name)()
                    getattr(self, "get_{}".format(name))()
                def do_a(self): pass
                def help_a(self): pass
                def get_a(self): pass
                def helper(self): pass
            """,
            {
                "main.Cmd.run": [
                    "<builtin>.getattr",
                    "<builtin>.str.format",
                    "main.Cmd.do_a",
                    "main.Cmd.help_a",
                    "main.Cmd.get_a",
                ]
            },
        ),
        "prefix_through_a_local_name": _m(
            """
            class C:
                def _get_handler(self):
                    name = "_handle_conflict_%s" % self.kind
                    return getattr(self, name)
                def _handle_conflict_error(self): pass
                def _handle_conflict_resolve(self): pass
                def check(self):
                    h = self._get_handler()
                    h()
                def other(self):
                    n = "x_" + self.kind
                    n = self.kind
                    return getattr(self, n)()
                def x_a(self): pass
            """,
            {
                "main.C._get_handler": ["<builtin>.getattr"],
                "main.C.check": [
                    "main.C._get_handler",
                    "main.C._handle_conflict_error",
                    "main.C._handle_conflict_resolve",
                ],
                "main.C.other": ["<builtin>.getattr"],
            },
        ),
        "no_constant_prefix_no_guess": _m(
            """
            class Cmd:
                def run(self, name):
                    return getattr(self, name + "_x")()
                def a_x(self): pass
            """,
            {"main.Cmd.run": ["<builtin>.getattr"]},
        ),
    },
    # cause 5: instances of classes deriving from builtin containers hold elements
    "container_subclasses": {
        "dict_subclass_registry": _m(
            """
            def one(): pass
            class Registry(dict):
                def register(self, name, fn):
                    self[name] = fn
                def run_all(self):
                    for fn in self.values():
                        fn()
            def use():
                r = Registry()
                r.register("a", one)
                r["a"]()
            """,
            {
                "main.Registry.run_all": [
                    "<builtin>.dict.values",
                    "<builtin>.dict.__iter__",
                    "main.one",
                ],
                "main.use": ["main.Registry.register", "main.one"],
            },
        ),
        "list_subclass_stack": _m(
            """
            def two(): pass
            class Stack(list):
                def top(self):
                    return self[-1]
            def use():
                s = Stack()
                s.append(two)
                s.top()()
            """,
            {"main.use": ["<builtin>.list.append", "main.Stack.top", "main.two"]},
        ),
        "plain_class_holds_no_elements": _m(
            """
            def two(): pass
            class Box:
                def __getitem__(self, i): return None
            def use():
                b = Box()
                b.items = [two]
                return b[0]()
            """,
            {"main.use": ["main.Box.__getitem__"]},
        ),
    },
    # iter(f, sentinel): iterating the callable iterator calls f
    "callable_iterators": {
        "iter_of_function_and_lambda": _m(
            """
            def read(): return b""
            def consume(f):
                for block in iter(lambda: f.read(4), b""):
                    pass
                for b in iter(read, b""):
                    pass
            """,
            {"main.consume": ["<builtin>.iter", "main.consume.<lambda>", "main.read"]},
        ),
        "iterated_elsewhere_through_partial": _m(
            """
            from functools import partial
            def take(n, it): return []
            def chunked(iterable, n):
                return iter(partial(take, n, iter(iterable)), [])
            def use(xs):
                for chunk in chunked(xs, 2):
                    pass
            """,
            {
                "main.chunked": ["<builtin>.iter", "functools.partial"],
                "main.use": ["main.chunked", "main.take"],
            },
        ),
        "one_argument_iter_calls_nothing": _m(
            """
            def f(): pass
            def use():
                for x in iter([f]):
                    pass
            """,
            {"main.use": ["<builtin>.iter"]},
        ),
    },
    # formatting falls back to __repr__ (object.__format__ is str(), object.__str__
    # is repr())
    "format_fallbacks": {
        "fstring_format_and_percent_reach_repr": _m(
            """
            class Tag:
                def __repr__(self): return "Tag"
            def show(t: Tag):
                return f"{t}", "{}".format(t), "%s" % t, format(t)
            """,
            {"main.show": ["main.Tag.__repr__", "<builtin>.str.format", "<builtin>.format"]},
        ),
    },
}
