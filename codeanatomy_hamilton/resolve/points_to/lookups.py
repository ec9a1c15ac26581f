"""Stage-B rules beyond the MRO lookups of ``rules``: reads by name prefix
(``getattr(x, "visit_" + k)``), instances of repository classes deriving from builtin
containers, and attributes that only an external base class defines.

``Lookups`` is mixed into ``core.PointsTo`` (on top of ``rules.Rules``, whose
``_new_flows``/``_new_facts`` call these rules); its tables are built by
``enable_classes`` (``_prefix_lookups``, ``_container_classes``, ``_external_bases``).
These rules depend on the class lookups, so they read the whole delta (not only the
facts that go through every rule).

``iterated_by_calls`` is a query on the fixed point for ``resolve.output``: what C code
that iterates an argument (``ITERATING_CALLS``) runs on it.
"""

from __future__ import annotations

import builtins
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from codeanatomy_hamilton.core.arrays import MASK32, expand, isin_sorted, uinv, usort
from codeanatomy_hamilton.core.vocabulary import RS_ARG, RS_CALL, CallMode, Key, Val
from codeanatomy_hamilton.extract.fact_keys import PREFIX_MARK
from codeanatomy_hamilton.resolve.points_to.interner import (
    K_C,
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

    def iterated_by_calls(self, facts: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
        """(call node, ``f:`` value) of what an external call of ``ITERATING_CALLS``
        runs on its iterable arguments: ``__iter__`` and ``__next__`` (along the MRO)
        of an instance of a repository class, and the body of a generator (its first
        resume). C code calls them, so a profiler sees them called by the function that
        made the call: ``list(islice(g, n))`` resumes ``g`` there, ``map(f, it)`` calls
        ``it.__iter__`` there."""
        S = self.S
        empty = np.zeros(0, np.int64)
        calls = facts[RS_CALL]
        names = S.lookup(pa.array(list(ITERATING_CALLS), pa.string()))
        if not calls.num_rows or not (names >= 0).any():
            return empty, empty
        spec_of = {int(n): v for n, v in zip(names.tolist(), ITERATING_CALLS.values(), strict=True)}
        # the calls that may call one of them (external values of their call key)
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
            return empty, empty
        callid = np.asarray(calls.column("callid").to_numpy(zero_copy_only=False), np.int64)
        by_key: dict[int, list[tuple[int, int, bool]]] = {}
        for r, q in zip(li[m].tolist(), S.quals(v[m]).tolist(), strict=True):
            start, rest = spec_of[q]
            by_key.setdefault(int(ckey[r]), []).append((int(callid[r]), start, rest))
        # their iterable arguments (positional, not ``*x``)
        args = facts[RS_ARG]
        a_key = self.column_ids(RS_ARG, "ckey")
        a_src = self.column_ids(RS_ARG, "src")
        pos = args.column("pos").to_pylist()
        star = args.column("star").to_pylist()
        kw = args.column("kw").to_pylist()
        rows: list[int] = []
        cid: list[int] = []
        for i in np.flatnonzero(isin_sorted(a_key, usort(np.array(list(by_key), np.int64)))):
            p = pos[i]
            if p is None or kw[i] is not None or star[i] or a_src[i] < 0:
                continue
            for c, start, rest in by_key[int(a_key[i])]:
                if p == start or (rest and p > start):
                    rows.append(int(a_src[i]))
                    cid.append(c)
        if not rows:
            return empty, empty
        ai, av = self.values_of(np.array(rows, np.int64))
        call = np.array(cid, np.int64)[ai]
        kind = S.kinds(av)
        out_c: list[np.ndarray] = []
        out_f: list[np.ndarray] = []
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
            at = S.lookup(pa.array([meth], pa.string()))[0]
            if not len(inst) or at < 0:
                continue
            q = S.quals(av[inst])
            own = self.mro_owner(q, np.full(len(q), at, np.int64))
            h = own >= 0
            if not h.any():
                continue
            fv = S.lookup(
                pa.array([Val.FUNC + S.text(o) + "." + meth for o in own[h].tolist()], pa.string())
            )
            ok = fv >= 0
            out_c.append(call[inst][h][ok])
            out_f.append(fv[ok])
        if not out_c:
            return empty, empty
        return np.concatenate(out_c), np.concatenate(out_f)
