"""Call-graph cases for the protocol methods that pickling and copying run on an
instance (issue 16, brief h24c), written from the library reference of ``pickle``
("Pickling Class Instances": ``__reduce_ex__``, else ``__reduce__``, else ``object``'s
reduction reading ``__getnewargs_ex__``/``__getnewargs__`` and ``__getstate__``) and
``copy`` (``__copy__``/``__deepcopy__``, else the same reduction, after which the copy
is rebuilt at once: the reconstructor the reduction returns and ``__setstate__``;
``copy.replace``: ``__replace__``), and shapes met in toolz (``curry.__reduce__``
returning ``_restore_curry, state``; ``Compose.__getstate__``/``__setstate__``). The
reconstructor is called with the tuple of arguments the reduce method returns second
(from C or library code, no call site in the repository): its parameters take them. ``pickle.loads`` of
bytes that a ``pickle.dumps`` of the repository returned (nested, or through one
binding) rebuilds that object: the reconstructor and ``__setstate__``.

The ``pickle``/``copy`` call runs them from C or library code, so the call node calls
them (``PROTOCOL_CALLS`` in ``resolve/points_to/lookups.py``). Same layout and
conventions as ``cases.py`` (merged into ``CASES`` there).
"""

from __future__ import annotations

from tests.callgraph_cases.case_shapes import Case
from tests.callgraph_cases.case_shapes import main_case as _m

D_CASES: dict[str, dict[str, Case]] = {
    "pickling": {
        "dumps_runs_getstate_of_the_default_reduction": _m(
            """
            import pickle
            class Point:
                def __init__(self, x):
                    self.x = x
                def __getstate__(self):
                    return {"x": self.x}
                def __setstate__(self, state):
                    self.x = state["x"]
            def save(p):
                return pickle.dumps(p)
            def run():
                return save(Point(1))
            """,
            {
                "main.save": ["pickle.dumps", "main.Point.__getstate__"],
                "main.run": ["main.save", "main.Point.__init__"],
            },
        ),
        "reduce_runs_instead_of_getstate": _m(
            """
            import pickle
            def _rebuild(x):
                return x
            class Curried:
                def __init__(self, x):
                    self.x = x
                def __getstate__(self):
                    return self.x
                def __reduce__(self):
                    return _rebuild, (self.x,)
            class Sub(Curried):
                pass
            def dump(obj, fh):
                pickle.dump(obj, fh)
            def run(fh):
                dump(Sub(1), fh)
            """,
            {
                "main.dump": ["pickle.dump", "main.Curried.__reduce__"],
                "main.run": ["main.dump", "main.Curried.__init__"],
            },
        ),
        "reconstructor_takes_the_reduced_arguments": _m(
            """
            import pickle
            def _restore(cls, func):
                obj = cls(func)
                return obj
            class curry:
                def __init__(self, func):
                    self.func = func
                def __reduce__(self):
                    state = (type(self), self.func)
                    return _restore, state
            class Prop:
                def __init__(self, fget=None, doc=None):
                    self.fget = fget
                def __reduce__(self):
                    return Prop, (self.fget, None)
            def f(): pass
            def use(p):
                p.fget()
            def run():
                use(Prop(f))
                return pickle.dumps(curry(f))
            """,
            {
                "main._restore": ["main.curry.__init__"],
                "main.curry.__reduce__": ["<builtin>.type"],
                "main.use": ["main.f"],
                "main.run": [
                    "main.use",
                    "main.Prop.__init__",
                    "main.curry.__init__",
                    "pickle.dumps",
                    "main.curry.__reduce__",
                ],
            },
        ),
        "loads_of_what_dumps_returned_rebuilds_it": _m(
            """
            import pickle
            def _restore(cls, func):
                return cls(func)
            class curry:
                def __init__(self, func):
                    self.func = func
                def __reduce__(self):
                    return _restore, (type(self), self.func)
            class Compose:
                def __init__(self, funcs):
                    self.funcs = funcs
                def __getstate__(self):
                    return self.funcs
                def __setstate__(self, state):
                    self.funcs = state
            def f(): pass
            def roundtrip():
                return pickle.loads(pickle.dumps(curry(f)))
            def twostep(c):
                s = pickle.dumps(c)
                return pickle.loads(s)
            def received(data):
                return pickle.loads(data)
            def run():
                return twostep(Compose(()))
            """,
            {
                "main._restore": ["main.curry.__init__"],
                "main.curry.__reduce__": ["<builtin>.type"],
                "main.roundtrip": [
                    "main.curry.__init__",
                    "pickle.dumps",
                    "main.curry.__reduce__",
                    "pickle.loads",
                    "main._restore",
                ],
                "main.twostep": [
                    "pickle.dumps",
                    "main.Compose.__getstate__",
                    "pickle.loads",
                    "main.Compose.__setstate__",
                ],
                "main.received": ["pickle.loads"],
                "main.run": ["main.twostep", "main.Compose.__init__"],
            },
        ),
        "pickler_dump_method": _m(
            """
            import pickle
            class Point:
                def __reduce__(self):
                    return Point, ()
            def save(p, fh):
                pickle.Pickler(fh).dump(p)
            def run(fh):
                save(Point(), fh)
            """,
            {
                "main.save": ["pickle.Pickler", "pickle.Pickler.dump", "main.Point.__reduce__"],
                "main.run": ["main.save"],
            },
        ),
        "reduce_ex_wins_over_reduce": _m(
            """
            import pickle
            class Both:
                def __reduce_ex__(self, protocol):
                    return Both, ()
                def __reduce__(self):
                    return Both, ()
            def save():
                return pickle.dumps(Both())
            """,
            {"main.save": ["pickle.dumps", "main.Both.__reduce_ex__"]},
        ),
        "getnewargs_runs_with_the_default_reduction": _m(
            """
            from pickle import dumps
            class Pair(tuple):
                def __new__(cls, a, b):
                    return tuple.__new__(cls, (a, b))
                def __getnewargs__(self):
                    return tuple(self)
            def save():
                return dumps(Pair(1, 2))
            """,
            {
                "main.Pair.__new__": ["<builtin>.tuple.__new__"],
                "main.Pair.__getnewargs__": ["<builtin>.tuple"],
                "main.save": ["pickle.dumps", "main.Pair.__new__", "main.Pair.__getnewargs__"],
            },
        ),
        "copy_prefers_copy_deepcopy_its_own_method": _m(
            """
            import copy
            class Node:
                def __copy__(self):
                    return Node()
                def __deepcopy__(self, memo):
                    return Node()
                def __reduce__(self):
                    return Node, ()
            def clone(n):
                return copy.copy(n), copy.deepcopy(n)
            def run():
                return clone(Node())
            """,
            {
                "main.clone": [
                    "copy.copy",
                    "copy.deepcopy",
                    "main.Node.__copy__",
                    "main.Node.__deepcopy__",
                ],
                "main.run": ["main.clone"],
            },
        ),
        "copy_rebuilds_from_the_reduction": _m(
            """
            import copy
            class InstanceProperty:
                def __init__(self, fget=None, doc=None):
                    self.fget = fget
                    self.doc = doc
                def __reduce__(self):
                    state = (self.fget, self.doc)
                    return InstanceProperty, state
            class Compose:
                def __init__(self, funcs):
                    self.funcs = funcs
                def __getstate__(self):
                    return self.funcs
                def __setstate__(self, state):
                    self.funcs = state
            def dup(p, c):
                return copy.copy(p), copy.deepcopy(c)
            def run():
                return dup(InstanceProperty(), Compose(()))
            """,
            {
                "main.dup": [
                    "copy.copy",
                    "copy.deepcopy",
                    "main.InstanceProperty.__reduce__",
                    "main.InstanceProperty.__init__",
                    "main.Compose.__getstate__",
                    "main.Compose.__setstate__",
                ],
                "main.run": ["main.dup", "main.InstanceProperty.__init__", "main.Compose.__init__"],
            },
        ),
        "replace_runs_dunder_replace": _m(
            """
            import copy
            class Config:
                def __replace__(self, **changes):
                    return Config()
            def tweak(c):
                return copy.replace(c, debug=True)
            def run():
                return tweak(Config())
            """,
            {
                "main.tweak": ["copy.replace", "main.Config.__replace__"],
                "main.run": ["main.tweak"],
            },
        ),
        "no_method_of_the_repository_nothing_more": _m(
            """
            import pickle, copy
            class Plain:
                pass
            def save(p):
                return pickle.dumps(p), copy.copy(p)
            def run():
                return save(Plain())
            """,
            {"main.save": ["pickle.dumps", "copy.copy"], "main.run": ["main.save"]},
        ),
    },
}
