"""Call-graph cases for iterables handed to C code that iterates them (issue 16, brief
h23d), written from the library reference of ``itertools``, ``builtins`` and
``collections`` (each of these calls ``iter()`` on its iterable arguments and pulls
items when its result is consumed) and shapes met in more-itertools; no benchmark code.

A profiler sees ``__iter__``/``__next__`` and a generator's first resume run by C code
as called from the Python function that made the C call, so that function calls them.
Same layout and conventions as ``cases.py`` (merged into ``CASES`` there).
"""

from __future__ import annotations

from tests.callgraph_cases.case_shapes import Case
from tests.callgraph_cases.case_shapes import main_case as _m

D_CASES: dict[str, dict[str, Case]] = {
    "iterated_by_c_code": {
        "islice_resumes_a_generator_parameter": _m(
            """
            from itertools import islice
            def gen():
                yield 1
            def take(n, it):
                return list(islice(it, n))
            def use():
                return take(2, gen())
            """,
            {
                "main.take": ["<builtin>.list", "itertools.islice", "main.gen"],
                "main.use": ["main.take", "main.gen"],
            },
        ),
        "zip_and_map_iterate_an_instance": _m(
            """
            class Seq:
                def __iter__(self):
                    return self
                def __next__(self):
                    return 1
            def size(it):
                return sum(1 for _ in zip(it))
            def apply(f, it):
                return map(f, it)
            def run():
                s = Seq()
                size(s)
                apply(str, s)
            """,
            {
                "main.size": [
                    "<builtin>.sum",
                    "<builtin>.zip",
                    "main.Seq.__iter__",
                    "main.Seq.__next__",
                ],
                "main.apply": ["<builtin>.map", "main.Seq.__iter__", "main.Seq.__next__"],
                "main.run": ["main.size", "main.apply"],
            },
        ),
        "deque_consumes_and_chain_takes_every_argument": _m(
            """
            import collections
            import itertools
            def first():
                yield 1
            def second():
                yield 2
            def consume(it):
                collections.deque(it, maxlen=0)
            def both():
                return list(itertools.chain(first(), second()))
            def run():
                consume(first())
            """,
            {
                "main.consume": ["collections.deque", "main.first"],
                "main.both": ["<builtin>.list", "itertools.chain", "main.first", "main.second"],
                "main.run": ["main.consume", "main.first"],
            },
        ),
        "only_the_iterable_arguments": _m(
            """
            from itertools import islice, starmap
            def gen():
                yield 1
            def pick(n):
                return n
            def cut(it):
                return islice(it, pick(3))
            def star(f, it):
                return starmap(f, it)
            def run():
                cut([1, 2])
                star(gen, [(1,)])
            """,
            {
                "main.cut": ["itertools.islice", "main.pick"],
                "main.star": ["itertools.starmap", "main.gen"],
                "main.run": ["main.cut", "main.star"],
            },
        ),
    },
}
