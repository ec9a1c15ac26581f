"""Call-graph cases for functions that return a parameter as it came (issue 16,
precision): each call of such a function gives back what that call passed, not what
any call ever passed. Written from the language reference ("Calls", "Function
definitions": a decorator is called with the function and its result is bound to the
name) and from shapes met in real code (``unittest.skipUnless`` returning ``_id``,
decorator factories whose inner function returns the decorated function after setting
attributes, registries whose ``add`` returns what it stores); no benchmark code.

Same layout and conventions as ``cases.py`` (merged into ``CASES`` there).
"""

from __future__ import annotations

from tests.callgraph_cases.case_shapes import Case
from tests.callgraph_cases.case_shapes import main_case as _m

D_CASES: dict[str, dict[str, Case]] = {
    "pass_through": {
        "identity_decorator_keeps_each_function": _m(
            """
            def register(fn):
                return fn
            @register
            def a(): pass
            @register
            def b(): pass
            def run():
                a()
            """,
            {"main.run": ["main.a"], "main": ["main.register"]},
        ),
        "identity_function_per_call": _m(
            """
            def f1(): pass
            def f2(): pass
            def ident(x):
                return x
            def run():
                ident(f1)()
                ident(f2)()
            def other():
                g = ident(f2)
                g()
            """,
            {
                "main.run": ["main.ident", "main.f1", "main.f2"],
                "main.other": ["main.ident", "main.f2"],
            },
        ),
        "keyword_argument_passes_through": _m(
            """
            def f1(): pass
            def f2(): pass
            def ident(x):
                return x
            def run():
                ident(x=f1)()
            def other():
                ident(f2)
            """,
            {"main.run": ["main.ident", "main.f1"], "main.other": ["main.ident"]},
        ),
        "lambda_identity": _m(
            """
            def f1(): pass
            def f2(): pass
            same = lambda x: x
            def run():
                same(f1)()
            def other():
                same(f2)
            """,
            {"main.run": ["main.<lambda>", "main.f1"], "main.other": ["main.<lambda>"]},
        ),
        "decorator_factory_inner_returns_the_function": _m(
            """
            def tag(label):
                def deco(fn):
                    fn.label = label
                    return fn
                return deco
            @tag("x")
            def a(): pass
            @tag("y")
            def b(): pass
            def run():
                b()
            """,
            {
                "main": ["main.tag", "main.tag.deco"],
                "main.run": ["main.b"],
            },
        ),
        "decorator_returning_wrapper_or_function": _m(
            # the wrapper is what every use may get (a shared value); the decorated
            # function only comes back to its own name
            """
            def maybe(fn):
                if fn.__name__.startswith("t"):
                    def wrapper():
                        return fn()
                    return wrapper
                return fn
            @maybe
            def a(): pass
            @maybe
            def b(): pass
            def run():
                a()
            """,
            {
                "main": ["main.maybe"],
                "main.run": ["main.a", "main.maybe.wrapper"],
                "main.maybe.wrapper": ["main.a", "main.b"],
            },
        ),
        "registering_method_returns_the_function": _m(
            """
            class Registry:
                def __init__(self):
                    self.last = None
                def add(self, fn):
                    self.last = fn
                    return fn
            reg = Registry()
            @reg.add
            def a(): pass
            @reg.add
            def b(): pass
            def run():
                a()
            """,
            {
                "main": ["main.Registry.__init__", "main.Registry.add"],
                "main.run": ["main.a"],
            },
        ),
        "parameter_or_other_value": _m(
            # the function returns its parameter on one path and a value of its own
            # on the other: each call gets its own argument or that value
            """
            def f1(): pass
            def f2(): pass
            def fallback(): pass
            def choose(x):
                if not x:
                    return fallback
                return x
            def run():
                choose(f1)()
            def other():
                choose(f2)
            """,
            {
                "main.run": ["main.choose", "main.f1", "main.fallback"],
                "main.other": ["main.choose"],
            },
        ),
        "parameter_rebound_in_a_branch": _m(
            # ``x`` at the return may be the parameter or the value of the branch:
            # each call gets its own argument, and the branch's value
            """
            def f1(): pass
            def f2(): pass
            def fallback(): pass
            def choose(x):
                if x is None:
                    x = fallback
                x.seen = True
                return x
            def run():
                choose(f1)()
            def other():
                choose(f2)
            """,
            {
                "main.run": ["main.choose", "main.f1", "main.fallback"],
                "main.other": ["main.choose"],
            },
        ),
        "skip_style_decorator_factory": _m(
            # the shape of ``unittest.skip``: the inner decorator wraps functions and
            # returns what it was given otherwise, after marking it
            """
            def skip(reason):
                def decorator(item):
                    if not isinstance(item, type):
                        def wrapper(*args):
                            raise RuntimeError(reason)
                        item = wrapper
                    item.skipped = True
                    return item
                return decorator
            @skip("a")
            def a(): pass
            @skip("b")
            def b(): pass
            def run():
                b()
            """,
            {
                "main": ["main.skip", "main.skip.decorator"],
                "main.skip.decorator": ["<builtin>.isinstance"],
                "main.skip.decorator.wrapper": ["<builtin>.RuntimeError"],
                "main.run": ["main.b", "main.skip.decorator.wrapper"],
            },
        ),
        "parameter_copied_to_a_local": _m(
            """
            def f1(): pass
            def f2(): pass
            def keep(fn):
                kept = fn
                return kept
            def run():
                keep(f1)()
            def other():
                keep(f2)
            """,
            {"main.run": ["main.keep", "main.f1"], "main.other": ["main.keep"]},
        ),
        "default_parameter_is_shared": _m(
            # a parameter with a default has values no call passes: it stays shared
            """
            def f1(): pass
            def f2(): pass
            def pick(x=f1):
                return x
            def run():
                pick()()
            def other():
                pick(f2)
            """,
            {"main.run": ["main.pick", "main.f1", "main.f2"], "main.other": ["main.pick"]},
        ),
        "star_args_call_passes_through": _m(
            """
            def f1(): pass
            def f2(): pass
            def first(a, b):
                return a
            def run():
                args = (f1, f2)
                first(*args)()
            """,
            {"main.run": ["main.first", "main.f1", "main.f2"]},
        ),
    },
}
