"""Call-graph cases for values that real programs pass through builtins and the data
model (issue 16, second round), written from the language reference (data model:
iteration, hashing, descriptors; the ``builtins``, ``operator`` and ``functools``
documentation); no code copied from any benchmark or analysed package.

Same layout and conventions as ``cases.py`` (merged into ``CASES`` there).
"""

from __future__ import annotations

from textwrap import dedent

Case = tuple[dict[str, str], dict[str, list[str]]]


def _m(src: str, expected: dict[str, list[str]]) -> Case:
    """A one-file case (``main.py``)."""
    return {"main.py": dedent(src)}, expected


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
}
