"""Call-graph cases for ``**kwargs`` forwarded by name (issue 16, brief h24c), written
from the language reference ("Calls": a ``**expression`` argument's keys become keyword
arguments, bound to the parameter of that name or, if none, collected by ``**``;
"Function definitions": ``**identifier`` receives a new dict of the keyword arguments
no other parameter takes) and shapes met in toolz (``curry.__call__(*args, **kwargs)``
forwarding ``self._partial(*args, **kwargs)`` to every curried function; the tests'
``sorted(key=second)`` used to hand ``second`` to every named parameter of every
curried function).

A ``**d`` at a call gives a named parameter ``p`` what ``d`` holds under the name
``p``, plus what was stored into it under a name unknown statically (``d[k] = v``,
``d.update(e)``, a ``**`` forward into it); a container other than a ``**kwargs`` dict
gives every element (``resolve/points_to/rules.py``, ``_kw_reads``). Same layout and
conventions as ``cases.py`` (merged into ``CASES`` there).
"""

from __future__ import annotations

from tests.callgraph_cases.case_shapes import Case
from tests.callgraph_cases.case_shapes import main_case as _m

D_CASES: dict[str, dict[str, Case]] = {
    "kwargs_by_name": {
        "forward_binds_each_name_to_its_parameter": _m(
            """
            def f1(): pass
            def f2(): pass
            def target(by=None, default=None):
                by()
                return default
            def wrapper(**kwargs):
                return target(**kwargs)
            def run():
                wrapper(by=f1)
                wrapper(default=f2)
            """,
            {
                "main.target": ["main.f1"],
                "main.wrapper": ["main.target"],
                "main.run": ["main.wrapper"],
            },
        ),
        "curried_call_keeps_keywords_apart": _m(
            """
            def second(seq): pass
            def ident(x): pass
            class curry:
                def __init__(self, func):
                    self.func = func
                def __call__(self, *args, **kwargs):
                    return self.func(*args, **kwargs)
            def sort(seq, by=None):
                return by(seq)
            def valmap(func, d, factory=None):
                return factory(func(d))
            csort = curry(sort)
            cvalmap = curry(valmap)
            def test():
                csort([], by=second)
                cvalmap(func=ident, d={}, factory=ident)
            """,
            {
                "main": ["main.curry.__init__"],
                "main.curry.__call__": ["main.sort", "main.valmap"],
                "main.sort": ["main.second"],
                "main.valmap": ["main.ident"],
                "main.test": ["main.curry.__call__"],
            },
        ),
        "unknown_name_store_reaches_every_parameter": _m(
            """
            def f1(): pass
            def f2(): pass
            def target(a=None, b=None):
                a()
                b()
            def wrapper(name, **kwargs):
                kwargs[name] = f2
                return target(**kwargs)
            def run():
                wrapper("b", a=f1)
            """,
            {
                "main.target": ["main.f1", "main.f2"],
                "main.wrapper": ["main.target"],
                "main.run": ["main.wrapper"],
            },
        ),
        "update_reaches_every_parameter": _m(
            """
            def f1(): pass
            def target(a=None, b=None):
                a()
                b()
            def wrapper(extra, **kwargs):
                kwargs.update(extra)
                return target(**kwargs)
            def run():
                wrapper({"b": f1})
            """,
            {
                "main.target": ["main.f1"],
                "main.wrapper": ["main.target"],
                "main.run": ["main.wrapper"],
            },
        ),
        "forward_through_two_levels": _m(
            """
            def f1(): pass
            def f2(): pass
            def target(a=None, b=None):
                a()
                return b
            def middle(**kw):
                return target(**kw)
            def outer(**kwargs):
                return middle(**kwargs)
            def run():
                outer(a=f1)
                middle(b=f2)
            """,
            {
                "main.target": ["main.f1"],
                "main.middle": ["main.target"],
                "main.outer": ["main.middle"],
                "main.run": ["main.outer", "main.middle"],
            },
        ),
        "named_parameter_left_out_of_kwargs": _m(
            """
            def f1(): pass
            def f2(): pass
            def target(a=None, fn=None):
                fn()
                return a
            def wrapper(fn, **kwargs):
                fn()
                return target(**kwargs)
            def run():
                wrapper(fn=f1, a=f2)
            """,
            {
                "main.wrapper": ["main.f1", "main.target"],
                "main.run": ["main.wrapper"],
            },
        ),
        "plain_dict_gives_every_element": _m(
            """
            def f1(): pass
            def f2(): pass
            def target(a=None, b=None):
                a()
                b()
            def run(name):
                d = {"a": f1}
                d[name] = f2
                target(**d)
            """,
            {"main.target": ["main.f1", "main.f2"], "main.run": ["main.target"]},
        ),
    },
}
