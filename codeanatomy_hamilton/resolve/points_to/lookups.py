"""Stage-B rules beyond the MRO lookups of ``rules``: reads by name prefix
(``getattr(x, "visit_" + k)``), instances of repository classes deriving from builtin
containers, and attributes that only an external base class defines.

``Lookups`` is mixed into ``core.PointsTo`` (on top of ``rules.Rules``, whose
``_new_flows``/``_new_facts`` call these rules); its tables are built by
``enable_classes`` (``_prefix_lookups``, ``_container_classes``, ``_external_bases``).
These rules depend on the class lookups, so they read the whole delta (not only the
facts that go through every rule).

``iterated_by_calls`` is a query on the fixed point for ``resolve.output``: what C code
that iterates an argument (``ITERATING_CALLS``) runs on it, and the protocol methods
that pickling and copying run on an instance (``PROTOCOL_CALLS``; ``pickle.loads`` of
what ``pickle.dumps`` returned).
"""

from __future__ import annotations

import builtins
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from codeanatomy_hamilton.core.arrays import MASK32, expand, isin_sorted, uinv, usort
from codeanatomy_hamilton.core.vocabulary import RS_ARG, RS_CALL, RS_FLOW, CallMode, Key, Val
from codeanatomy_hamilton.extract.fact_keys import PREFIX_MARK
from codeanatomy_hamilton.resolve.points_to.interner import (
    K_C,
    K_F,
    K_I,
    K_L,
    K_X,
    NO_BIND,
    kind_mask,
)
from codeanatomy_hamilton.resolve.points_to.levels import IntMap
from codeanatomy_hamilton.resolve.points_to.rules import Rules, _probe_kinds

# builtin container types: an instance of a repository class deriving from one holds
# elements (``Lookups._container_classes``)
_CONTAINER_BASES = frozenset(
    Val.EXT + t
    for t in (
        "builtins.dict", "builtins.list", "builtins.set", "builtins.frozenset",
        "builtins.tuple", "collections.OrderedDict", "collections.defaultdict",
        "collections.deque", "collections.UserDict", "collections.UserList",
    )
)  # fmt: skip
# the base every class has: never the external base an attribute is looked up in
_OBJECT = Val.EXT + "builtins.object"
# the element key of a container class's instances: ``<class>@i[]``
_INSTANCE_ELEMS = "@i" + Key.ELEMS

# external callables that call ``iter()`` on iterable arguments when called and
# iterate them when their result is consumed (``list(islice(g, n))``, ``zip(g)``,
# ``deque(g, maxlen=0)``): the position of the iterable argument, and whether every
# later positional argument is one too (``Lookups.iterated_by_calls``)
ITERATING_CALLS: dict[str, tuple[int, bool]] = {
    "builtins.zip": (0, True), "builtins.map": (1, True), "builtins.filter": (1, False),
    "builtins.enumerate": (0, False), "functools.reduce": (1, False),
    "itertools.islice": (0, False), "itertools.chain": (0, True),
    "itertools.chain.from_iterable": (0, False), "itertools.compress": (0, True),
    "itertools.starmap": (1, False), "itertools.takewhile": (1, False),
    "itertools.dropwhile": (1, False), "itertools.filterfalse": (1, False),
    "itertools.accumulate": (0, False), "itertools.zip_longest": (0, True),
    "itertools.cycle": (0, False), "itertools.tee": (0, False),
    "itertools.groupby": (0, False), "itertools.pairwise": (0, False),
    "itertools.batched": (0, False), "itertools.product": (0, True),
    "itertools.permutations": (0, False), "itertools.combinations": (0, False),
    "itertools.combinations_with_replacement": (0, False),
    "collections.deque": (0, False), "collections.Counter": (0, False),
    "heapq.merge": (0, True), "heapq.nlargest": (1, False), "heapq.nsmallest": (1, False),
}  # fmt: skip

# External callables that run protocol methods of an argument (an instance of a
# repository class) from C or library code: pickling (pickle docs, "Pickling Class
# Instances": ``__reduce_ex__``, else ``__reduce__``, else ``object``'s reduction, which
# reads ``__getnewargs_ex__``/``__getnewargs__`` and ``__getstate__``) and copying (copy
# docs: ``__copy__``/``__deepcopy__``, else the same reduction, after which the copy is
# rebuilt at once: the reconstructor and ``__setstate__``; ``copy.replace``:
# ``__replace__``). name -> (argument position, alternatives: the first whose first
# method the class defines runs, with the rest of its methods; the fallback when none
# does; whether the reduction is rebuilt in the same call, ``Lookups._protocol_calls``)
_PICKLE_ALT = (("__reduce_ex__",), ("__reduce__",))
_PICKLE_FALLBACK = ("__getnewargs_ex__", "__getnewargs__", "__getstate__")
_COPY_ALT = (("__reduce_ex__", "__setstate__"), ("__reduce__", "__setstate__"))
_COPY_FALLBACK = (*_PICKLE_FALLBACK, "__setstate__")
PROTOCOL_CALLS: dict[str, tuple[int, tuple[tuple[str, ...], ...], tuple[str, ...], bool]] = {
    "pickle.dumps": (0, _PICKLE_ALT, _PICKLE_FALLBACK, False),
    "pickle.dump": (0, _PICKLE_ALT, _PICKLE_FALLBACK, False),
    "pickle.Pickler.dump": (0, _PICKLE_ALT, _PICKLE_FALLBACK, False),
    "copy.copy": (0, (("__copy__",), *_COPY_ALT), _COPY_FALLBACK, True),
    "copy.deepcopy": (0, (("__deepcopy__",), *_COPY_ALT), _COPY_FALLBACK, True),
    "copy.replace": (0, (("__replace__",),), (), False),
}
# ``pickle.loads`` of what a ``pickle.dumps`` returned (``Lookups._loads_calls``): the
# position of the bytes, and of the pickled object
_LOADS = {"pickle.loads": 0}
_DUMPS = {"pickle.dumps": 0}
# the reduce methods whose returned reconstructor a copy calls
_REDUCERS = frozenset(("__reduce_ex__", "__reduce__"))

_INSTANCE = kind_mask(K_I)
_SUPER_SELF = kind_mask(K_I, K_C)


class Lookups(Rules):
    """The stage-B rules of prefix reads, container classes and external bases (see
    the module docstring; state: ``px_*``, ``cc_base``, ``ext_base``, ``_builtin_ok``)."""

    def _prefix_lookups(self) -> None:
        """For reads by name prefix (``getattr(x, "visit_" + k)``, attribute rows named
        ``<prefix>PREFIX_MARK``): per (class, prefix) the attributes along the MRO whose
        names start with it and their owners, sorted by ``cls << 32 | prefix``."""
        S = self.S
        strs = S.strs
        pats = [
            (p, strs[p][: -len(PREFIX_MARK)])
            for p in usort(self.a_attr[self.a_attr >= 0]).tolist()
            if strs[p].endswith(PREFIX_MARK)
        ]
        self.px_keys = np.zeros(0, np.int64)
        c, a, o = self.lk_keys >> 32, self.lk_keys & MASK32, self.lk_owner
        if not pats or not len(a):
            return
        ua, inv = uinv(a)
        # the names once as Arrow: one prefix test per pattern runs in C
        names = pa.array([strs[x] for x in ua.tolist()], pa.string())
        rows_k: list[np.ndarray] = []
        rows_i: list[np.ndarray] = []
        for pid, pre in pats:
            hit = pc.starts_with(names, pre).to_numpy(zero_copy_only=False)
            r = np.flatnonzero(hit[inv])
            rows_k.append((c[r] << 32) | pid)
            rows_i.append(r)
        k = np.concatenate(rows_k)
        r = np.concatenate(rows_i)
        order = np.argsort(k, kind="stable")
        self.px_keys, self.px_attr, self.px_owner = k[order], a[r][order], o[r][order]

    def _prefix_loads(
        self,
        li: np.ndarray,
        ri: np.ndarray,
        dv: np.ndarray,
        vk: np.ndarray,
        vq: np.ndarray,
        emit: Any,
    ) -> None:
        """Reads by name prefix of classes and instances: every matching attribute
        (``_prefix_lookups``), bound as an attribute load binds it."""
        k = vk[li]
        m = (k == K_C) | (k == K_I)
        if not m.any():
            return
        lm, rm = li[m], ri[m]
        q = (vq[lm] << 32) | self.a_attr[rm]
        lo = np.searchsorted(self.px_keys, q, "left")
        hi = np.searchsorted(self.px_keys, q, "right")
        i, j = expand(lo, hi - lo, None)
        if len(i):
            emit(
                self.a_e[rm][i],
                self._dot(self.px_owner[j], self.px_attr[j]),
                dv[lm][i],
            )

    def _container_classes(self, hier: Any) -> None:
        """Class id -> the key of the elements its instances hold, for classes of the
        repository that derive from a builtin container type (``class Registry(dict)``:
        ``self[k] = v``, ``reg[k]``, ``for x in reg``, ``reg.values()``)."""
        cls = [
            q for q, seq in sorted(hier.mro.items()) if any(v in _CONTAINER_BASES for v in seq[1:])
        ]
        self.cc_base = IntMap()
        if cls:
            c = self.S.encode(pa.array(cls, pa.string()))
            e = self.S.encode(pa.array([q + _INSTANCE_ELEMS for q in cls], pa.string()))
            o = np.argsort(c, kind="stable")
            self.cc_base = IntMap.of(c[o], e[o])

    def _container_instances(
        self, dk: np.ndarray, vk: np.ndarray, vq: np.ndarray, emit: Any
    ) -> None:
        """Element reads and stores on instances of container classes
        (``_container_classes``): one plain element key per class. A stage-B rule, so
        it reads the whole delta (not only ``every``)."""
        for ix, read in ((self.ix_sub, True), (self.ix_sstore, False)):
            li, ri = _probe_kinds(ix, dk, vk, _INSTANCE)
            if not len(li):
                continue
            ek = self.cc_base.get(vq[li])
            h = ek >= 0
            if read:
                emit(self.sb_e[ri][h], ek[h], NO_BIND)
            else:
                emit(ek[h], self.ss_src[ri][h], NO_BIND)

    def _external_bases(self, hier: Any) -> None:
        """Class id -> the first class outside the repository on its MRO (``object``
        aside): an attribute no class of the repository defines along the MRO is
        looked up there (``_external_attrs``)."""
        cls: list[str] = []
        ext: list[str] = []
        for q, seq in sorted(hier.mro.items()):
            for v in seq[1:]:
                if v.startswith(Val.EXT) and v != _OBJECT:
                    cls.append(q)
                    ext.append(v[len(Val.EXT) :])
                    break
        self.ext_base = IntMap()
        if cls:
            c = self.S.encode(pa.array(cls, pa.string()))
            e = self.S.encode(pa.array(ext, pa.string()))
            o = np.argsort(c, kind="stable")
            self.ext_base = IntMap.of(c[o], e[o])

    def _external_attrs(self, emit: Any) -> None:
        """``self.base_method`` in a class ``A(ext.Base)``: an attribute of an instance
        or class that no class of the repository on its MRO defines is the external
        base's (``x:ext.Base.base_method``). Lookups are a stage-B rule, so this reads
        the whole delta (``_new_facts`` sees only part of stage B's first one)."""
        if not len(self.ext_base.K) and not len(self.ext_base.RK):
            return
        S = self.S
        dk = self.delta >> 32
        dv = self.delta & MASK32
        li, ri = _probe_kinds(self.ix_attr, dk, S.vk[dv], _SUPER_SELF)
        if not len(li):
            return
        q = S.vq[dv[li]]
        ext = self.ext_base.get(q)
        m = (ext >= 0) & ~self.a_proto[ri]
        if not m.any():
            return
        at = self.a_attr[ri][m]
        own = self.mro_owner(q[m], at)
        h = own < 0
        h[h] = self._builtin_method_ok(ext[m][h], at[h])
        emit(self.a_e[ri][m][h], self._val(Val.EXT, self._dot(ext[m][h], at[h])))

    def _builtin_method_ok(self, ext: np.ndarray, attr: np.ndarray) -> np.ndarray:
        """Mask of the (external base, attribute) pairs kept: a builtin type's own
        attributes are known (this interpreter's ``builtins``, never the analysed
        code), so only its methods count (``Exception.handle`` does not exist,
        ``property.fget`` is data); other external bases are unknown, kept."""
        out = np.ones(len(ext), bool)
        S = self.S
        strs = S.strs
        for i in np.flatnonzero(S.bi[self._val(Val.EXT, ext)]).tolist():
            key = (int(ext[i]), int(attr[i]))
            ok = self._builtin_ok.get(key)
            if ok is None:
                typ = getattr(builtins, strs[key[0]][len("builtins.") :], None)
                ok = self._builtin_ok[key] = callable(getattr(typ, strs[key[1]], None))
            out[i] = ok
        return out

    def _external_call_args(
        self, facts: dict[str, Any], table: dict[str, Any], wanted: Any, keys: bool = False
    ) -> tuple[np.ndarray, np.ndarray, list[Any]]:
        """The positional arguments (not ``*x``) of the calls that may call an external
        callable of ``table`` (an external value of their call key): (call node, value
        of the argument, the table entry), one row per (call, argument value, entry);
        with ``keys``, (call row of ``rs_call``, key of the argument, the table entry).
        ``wanted(spec, pos)``: whether the argument at ``pos`` is one the entry reads."""
        S = self.S
        empty = np.zeros(0, np.int64)
        calls = facts[RS_CALL]
        names = S.lookup(pa.array(list(table), pa.string()))
        if not calls.num_rows or not (names >= 0).any():
            return empty, empty, []
        spec_of = {int(n): v for n, v in zip(names.tolist(), table.values(), strict=True)}
        mode = np.asarray(
            pc.fill_null(pc.equal(calls.column("mode"), CallMode.CALL), False).to_numpy(
                zero_copy_only=False
            ),
            bool,
        )
        ckey = self.column_ids(RS_CALL, "ckey")
        li, v = self.column_values(RS_CALL, "ckey")
        m = mode[li] & (S.kinds(v) == K_X) & isin_sorted(S.quals(v), usort(names[names >= 0]))
        if not m.any():
            return empty, empty, []
        callid = np.asarray(calls.column("callid").to_numpy(zero_copy_only=False), np.int64)
        by_key: dict[int, list[tuple[int, Any]]] = {}
        for r, q in zip(li[m].tolist(), S.quals(v[m]).tolist(), strict=True):
            by_key.setdefault(int(ckey[r]), []).append((r if keys else int(callid[r]), spec_of[q]))
        args = facts[RS_ARG]
        a_key = self.column_ids(RS_ARG, "ckey")
        a_src = self.column_ids(RS_ARG, "src")
        pos = args.column("pos").to_pylist()
        star = args.column("star").to_pylist()
        kw = args.column("kw").to_pylist()
        rows: list[int] = []
        cid: list[int] = []
        specs: list[Any] = []
        for i in np.flatnonzero(isin_sorted(a_key, usort(np.array(list(by_key), np.int64)))):
            p = pos[i]
            if p is None or kw[i] is not None or star[i] or a_src[i] < 0:
                continue
            for c, spec in by_key[int(a_key[i])]:
                if wanted(spec, p):
                    rows.append(int(a_src[i]))
                    cid.append(c)
                    specs.append(spec)
        if not rows:
            return empty, empty, []
        if keys:
            return np.array(cid, np.int64), np.array(rows, np.int64), specs
        ai, av = self.values_of(np.array(rows, np.int64))
        return np.array(cid, np.int64)[ai], av, [specs[i] for i in ai.tolist()]

    def _methods_of(self, q: np.ndarray, meth: str) -> tuple[np.ndarray, np.ndarray]:
        """(row, ``f:`` value) of method ``meth`` along the MRO of classes ``q`` where a
        class of the repository defines it."""
        S = self.S
        empty = np.zeros(0, np.int64)
        at = S.lookup(pa.array([meth], pa.string()))[0]
        if not len(q) or at < 0:
            return empty, empty
        own = self.mro_owner(q, np.full(len(q), at, np.int64))
        h = np.flatnonzero(own >= 0)
        if not len(h):
            return empty, empty
        fv = S.lookup(
            pa.array([Val.FUNC + S.text(o) + "." + meth for o in own[h].tolist()], pa.string())
        )
        ok = fv >= 0
        return h[ok], fv[ok]

    def iterated_by_calls(self, facts: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
        """(call node, ``f:`` value) of what external calls run from C on the values
        they are given: ``ITERATING_CALLS`` on their iterable arguments, ``__iter__``
        and ``__next__`` (along the MRO) of an instance of a repository class and the
        body of a generator (its first resume), and ``PROTOCOL_CALLS`` (pickling,
        copying) the protocol methods of an instance's class (``_protocol_calls``). C
        code calls them, so a profiler sees them called by the function that made the
        call: ``list(islice(g, n))`` resumes ``g`` there, ``map(f, it)`` calls
        ``it.__iter__`` there, ``pickle.dumps(x)`` calls ``x.__reduce__`` there."""
        S = self.S
        empty = np.zeros(0, np.int64)
        out_c: list[np.ndarray] = []
        out_f: list[np.ndarray] = []
        call, av, _specs = self._external_call_args(
            facts, ITERATING_CALLS, lambda spec, p: p == spec[0] or (spec[1] and p > spec[0])
        )
        kind = S.kinds(av)
        # generators: ``l:<fkey>.<gen>`` -> ``f:<fkey>``
        g = np.flatnonzero(kind == K_L)
        if len(g):
            texts = [S.text(q) for q in S.quals(av[g]).tolist()]
            fv = S.lookup(
                pa.array(
                    [Val.FUNC + t[: -len(Key.GEN)] if t.endswith(Key.GEN) else "" for t in texts],
                    pa.string(),
                )
            )
            ok = fv >= 0
            out_c.append(call[g][ok])
            out_f.append(fv[ok])
        # instances: ``__iter__`` and ``__next__`` of their class, along the MRO
        inst = np.flatnonzero(kind == K_I)
        for meth in ("__iter__", "__next__"):
            h, fv = self._methods_of(S.quals(av[inst]), meth)
            out_c.append(call[inst][h])
            out_f.append(fv)
        for c, f in (self._protocol_calls(facts), self._loads_calls(facts)):
            out_c.append(c)
            out_f.append(f)
        if not out_c:
            return empty, empty
        return np.concatenate(out_c), np.concatenate(out_f)

    def _protocol_calls(self, facts: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
        """(call node, ``f:`` value) of the protocol methods ``PROTOCOL_CALLS`` run on
        an instance of a repository class: the first alternative whose first method a
        class of the repository on the instance's MRO defines (with the methods that
        go with it), else the fallback (``object``'s reduction). A copy rebuilds the
        object at once: for a repository ``__reduce_ex__``/``__reduce__``, also the
        reconstructor it returns (``_reconstructors``)."""
        S = self.S
        empty = np.zeros(0, np.int64)
        call, av, specs = self._external_call_args(
            facts, PROTOCOL_CALLS, lambda spec, p: p == spec[0]
        )
        inst = np.flatnonzero(S.kinds(av) == K_I)
        if not len(inst):
            return empty, empty
        call, q = call[inst], S.quals(av[inst])
        specs = [specs[i] for i in inst.tolist()]
        out_c: list[np.ndarray] = []
        out_f: list[np.ndarray] = []

        def add(rows: np.ndarray, meth: str, rebuilds: bool) -> np.ndarray:
            """Emits ``meth`` for the instances ``rows`` that have it; their mask."""
            h, fv = self._methods_of(q[rows], meth)
            out_c.append(call[rows][h])
            out_f.append(fv)
            if rebuilds and meth in _REDUCERS:
                rc, rf = self._reconstructors(fv)
                out_c.append(call[rows][h][rc])
                out_f.append(rf)
            hit = np.zeros(len(rows), bool)
            hit[h] = True
            return hit

        # one pass per distinct entry (the table is small)
        for spec in dict.fromkeys(specs):
            _pos, alternatives, fallback, rebuilds = spec
            rows = np.array([i for i, s in enumerate(specs) if s == spec], np.int64)
            for first, *also in alternatives:
                hit = add(rows, first, rebuilds)
                for meth in also:
                    add(rows[hit], meth, rebuilds)
                rows = rows[~hit]
            for meth in fallback:
                add(rows, meth, rebuilds)
        return np.concatenate(out_c), np.concatenate(out_f)

    def _loads_calls(self, facts: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
        """(call node, ``f:`` value) of what ``pickle.loads(data)`` runs when ``data``
        is what a ``pickle.dumps(x)`` of the repository returned, directly
        (``pickle.loads(pickle.dumps(x))``) or through one binding (``s =
        pickle.dumps(x)``; ``pickle.loads(s)``): for an instance ``x`` of a repository
        class, the reconstructor of its reduction (``_reconstructors``) and its
        ``__setstate__``. The bytes carry no class statically otherwise."""
        S = self.S
        empty = np.zeros(0, np.int64)
        lrow, lkey, _ = self._external_call_args(
            facts, _LOADS, lambda spec, p: p == spec, keys=True
        )
        if not len(lrow):
            return empty, empty
        drow, dkey, _ = self._external_call_args(
            facts, _DUMPS, lambda spec, p: p == spec, keys=True
        )
        if not len(drow):
            return empty, empty
        callid = np.asarray(
            facts[RS_CALL].column("callid").to_numpy(zero_copy_only=False), np.int64
        )
        res = self.column_ids(RS_CALL, "res")
        # the keys holding what each dumps call returned: its result and the keys one
        # static flow away from it
        made = res[drow]
        fd, fs = self.column_ids(RS_FLOW, "dst"), self.column_ids(RS_FLOW, "src")
        o = np.argsort(made, kind="stable")
        sm, sd = made[o], o
        hit = isin_sorted(fs, usort(made[made >= 0])) & (fs >= 0)
        via_key = np.concatenate([made, fd[hit]])
        via_row = np.concatenate([np.arange(len(made)), sd[np.searchsorted(sm, fs[hit])]])
        o = np.argsort(via_key, kind="stable")
        via_key, via_row = via_key[o], via_row[o]
        lo = np.searchsorted(via_key, lkey, "left")
        hi = np.searchsorted(via_key, lkey, "right")
        i, j = expand(lo, hi - lo, None)
        if not len(i):
            return empty, empty
        # the loads call -> the dumped instances (the dumps call's first argument)
        loads_call = callid[lrow[i]]
        li, av = self.values_of(dkey[via_row[j]])
        inst = S.kinds(av) == K_I
        call, q = loads_call[li][inst], S.quals(av[inst])
        out_c: list[np.ndarray] = []
        out_f: list[np.ndarray] = []
        rows = np.arange(len(q))
        for meth in ("__reduce_ex__", "__reduce__"):
            h, fv = self._methods_of(q[rows], meth)
            rc, rf = self._reconstructors(fv)
            out_c.append(call[rows][h][rc])
            out_f.append(rf)
            keep = np.ones(len(rows), bool)
            keep[h] = False
            rows = rows[keep]
        h, fv = self._methods_of(q, "__setstate__")
        out_c.append(call[h])
        out_f.append(fv)
        return np.concatenate(out_c), np.concatenate(out_f)

    def _reconstructors(self, fv: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(row, ``f:`` value) of the callables first in the tuples that the reduce
        methods ``fv`` (``f:`` values) return (``return cls, (args...)``): a function,
        or a class's ``__new__`` and ``__init__`` along its MRO."""
        S = self.S
        empty = np.zeros(0, np.int64)
        ret = S.lookup(pa.array([S.text(f)[len(Val.FUNC) :] + Key.RET for f in fv.tolist()]))
        ri, tv = self.values_of(ret)
        m = S.kinds(tv) == K_L
        ri, tv = ri[m], tv[m]
        if not len(ri):
            return empty, empty
        first = S.lookup(pa.array([S.text(t)[len(Val.CONTAINER) :] + "[0]" for t in tv.tolist()]))
        fi, cv = self.values_of(first)
        rows = ri[fi]
        k = S.kinds(cv)
        out_r = [rows[k == K_F]]
        out_f = [cv[k == K_F]]
        c = np.flatnonzero(k == K_C)
        for meth in ("__new__", "__init__"):
            h, fm = self._methods_of(S.quals(cv[c]), meth)
            out_r.append(rows[c][h])
            out_f.append(fm)
        return np.concatenate(out_r), np.concatenate(out_f)
