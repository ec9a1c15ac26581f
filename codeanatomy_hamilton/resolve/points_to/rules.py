"""The points-to rules of a round (semi-naive: each rule probes only the delta facts
of the value kinds it reads).

* new flows from the delta: attribute loads/stores along the MRO (``mro_owner``),
  container elements (keyed containers: ``containers``), call results, decorators and
  wrappers outside the repository, constructors (``__init__``, ``__new__``),
  ``__call__``, arguments -> parameters (a ``**d`` by name: ``_kw_reads``), the
  arguments a ``__reduce__`` hands its reconstructor (``_reconstructor_flows``);
* new facts: old flows x delta, new flows x all facts (through ``_transform``: ``P``
  flows drop external values, a receiver bind turns methods into bound methods), and
  the rules creating values (instances of annotated and called classes, externals,
  the receiver of bound methods, generic aliases, ``__class__``, attributes of
  externals, ``super()``).

The stage-B rules beyond the MRO (prefix reads, container classes, external bases)
live in ``lookups``, mixed in on top of ``Rules``; the rounds here call them.

Values are built only by the memoised constructors at the end (``_dot``, ``_elem``,
``_val`` and the ``ret``/``sup``/``bound`` constructors inline).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa

from codeanatomy_hamilton.core.arrays import MASK32, expand, isin_sorted, usort
from codeanatomy_hamilton.core.vocabulary import Key, Val
from codeanatomy_hamilton.resolve.points_to.containers import PLAIN, SEQUENCE, Containers
from codeanatomy_hamilton.resolve.points_to.interner import (
    K_B,
    K_C,
    K_F,
    K_I,
    K_L,
    K_M,
    K_S,
    K_X,
    K_XI,
    MK_C,
    MK_M,
    MK_NEW,
    MK_S,
    NO_BIND,
    P_BIND,
    kind_mask,
)
from codeanatomy_hamilton.resolve.points_to.levels import CsrIndex, IntMap

# the value kinds each probing rule reads: delta facts of other kinds (most of them
# are containers, ``l:``) are not probed at all
_ATTR_LOAD = kind_mask(K_M, K_C, K_I, K_S)
_ATTR_STORE = kind_mask(K_C, K_I, K_M)
_CONTAINER = kind_mask(K_L)
_CALLED = kind_mask(K_F, K_B, K_X, K_XI, K_C, K_I)
_CLASS = kind_mask(K_C)
_CALL_VALUE = kind_mask(K_C, K_X, K_B)
_EXTERNAL = kind_mask(K_X, K_XI)
_SUPER_SELF = kind_mask(K_I, K_C)
_INSTANCE = kind_mask(K_I)


def _probe_kinds(
    ix: CsrIndex,
    keys: np.ndarray,
    vk: np.ndarray,
    table: np.ndarray,
    rows: np.ndarray | None = None,
) -> Any:
    """``ix.probe(keys)`` restricted to the rows whose value kind is in ``table``
    (same pairs, in the same order, as probing every row and masking afterwards) and,
    if given, to the rows of the mask ``rows`` (rules that do not depend on the
    stage-B lookups probe only the delta facts that go through every rule)."""
    sel = np.flatnonzero(table[vk] if rows is None else table[vk] & rows)
    li, ri = ix.probe(keys[sel])
    return sel[li], ri


class Rules(Containers):
    """The rules of a round, mixed into ``core.PointsTo`` (whose state they read; see
    the glossary of ``resolve.points_to``): ``_new_flows`` derives the flows of the
    delta, ``_new_facts`` the facts of old flows x delta, new flows x all facts and the
    value-creating rules; ``_transform`` applies a flow's bind to the values it reads.
    """

    def _new_flows(self, every: np.ndarray | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """New flows from the delta. ``every``: mask of the delta facts that go through
        every rule; the others only through the lookup rules (None: all facts)."""
        S = self.S
        dk = self.delta >> 32
        dv = self.delta & MASK32
        vk = S.vk[dv]
        vq = S.vq[dv]
        dst: list[np.ndarray] = []
        src: list[np.ndarray] = []
        bnd: list[np.ndarray] = []

        def emit(d: np.ndarray, s: np.ndarray, b: Any) -> None:
            if len(d):
                dst.append(d)
                src.append(s)
                bnd.append(np.broadcast_to(np.asarray(b, np.int64), d.shape).copy())

        dot = self._dot
        # attribute loads
        li, ri = _probe_kinds(self.ix_attr, dk, vk, _ATTR_LOAD)
        if len(li):
            k = vk[li]
            attr = self.a_attr[ri]
            e = self.a_e[ri]
            m = k == K_M
            if every is not None:
                m &= every[li]
            emit(e[m], dot(vq[li][m], attr[m]), NO_BIND)
            m = (k == K_C) | (k == K_I)
            q, at = vq[li][m], attr[m]
            own = self.mro_owner(q, at)
            emit(e[m], dot(np.where(own >= 0, own, q), at), dv[li][m])
            m = k == K_S
            if m.any() and len(self.sl_keys):
                sv = dv[li][m]
                k1, k2 = vq[li][m], S.v2[sv]
                pairs = np.array(
                    [self.sl_pair.get(t, -1) for t in zip(k1.tolist(), k2.tolist(), strict=True)],
                    np.int64,
                )
                q = (pairs << 32) | attr[m]
                pos = np.minimum(np.searchsorted(self.sl_keys, q), len(self.sl_keys) - 1)
                hit = (pairs >= 0) & (self.sl_keys[pos] == q)
                emit(
                    e[m][hit],
                    dot(self.sl_owner[pos][hit], attr[m][hit]),
                    self._val(Val.INST, k2[hit]),
                )
            if len(self.px_keys):
                self._prefix_loads(li, ri, dv, vk, vq, emit)
        # attribute stores
        li, ri = _probe_kinds(self.ix_astore, dk, vk, _ATTR_STORE)
        if len(li):
            k = vk[li]
            attr, s = self.as_attr[ri], self.as_src[ri]
            m = (k == K_C) | (k == K_I)
            q, at = vq[li][m], attr[m]
            own = self.mro_owner(q, at)
            emit(dot(np.where(own >= 0, own, q), at), s[m], NO_BIND)
            m = k == K_M
            if every is not None:
                m &= every[li]
            emit(dot(vq[li][m], attr[m]), s[m], NO_BIND)
        # container elements
        li, ri = _probe_kinds(self.ix_sub, dk, vk, _CONTAINER, every)
        m = vk[li] == K_L
        self._kw_init()
        if m.any():
            q, e, row = vq[li][m], self.sb_e[ri][m], ri[m]
            kinds, _n = self._containers(q)
            at = (kinds != PLAIN) & (self.sb_pos[row] >= 0)
            emit(e[~at], self._elem(q[~at]), NO_BIND)
            if at.any():
                self._keyed_reads(q[at], e[at], row[at], emit)
            if len(self.kw_cids):
                self._kw_container_reads(q, e, emit)
        li, ri = _probe_kinds(self.ix_sstore, dk, vk, _CONTAINER, every)
        m = vk[li] == K_L
        emit(self._elem(vq[li][m]), self.ss_src[ri][m], NO_BIND)
        if m.any():
            # a store into a ``**kwargs`` dict of unknown name (``kw[k] = v``,
            # ``kw.update(d)``): every parameter a ``**kw`` forward binds may get it
            q, sv = vq[li][m], self.ss_src[ri][m]
            kw = isin_sorted(q, self.kw_params)
            emit(self._kw_star(q[kw]), sv[kw], NO_BIND)
        if m.any():
            self._keyed_stores(vq[li][m], self.ss_src[ri][m], ri[m], emit)
        if len(self.cc_base.K) or len(self.cc_base.RK):
            self._container_instances(dk, vk, vq, emit)
        # calls
        li, ri = _probe_kinds(self.ix_calls, dk, vk, _CALLED)
        if len(li):
            k = vk[li]
            isfn = (k == K_F) | (k == K_B)
            ev = every[li] if every is not None else np.ones(len(li), bool)
            # call results of functions and bound methods
            m = isfn & (self.c_res[ri] >= 0) & ev
            mp = m & self.c_mode_prop[ri]
            if mp.any():
                # through an instance (a bound accessor): ``C.prop`` on the class is
                # the property object itself, no getter runs
                m[mp] = isin_sorted(vq[li][mp], self.accessors) & (k[mp] == K_B)
            fkey = vq[li][m]
            emit(self.c_res[ri][m], S.unary("ret", fkey, lambda s: s + ".<ret>"), P_BIND)
            # decorators outside the repo keep the decorated function
            m = self.c_mode_deco[ri] & ((k == K_X) | (k == K_XI)) & ev
            if m.any():
                ci = ri[m]
                aj, ar = self.ix_args.probe(self.c_key[ci])
                ok = self.g_pos[ar] == 0
                emit(self.c_res[ci][aj][ok], self.g_src[ar][ok], NO_BIND)
            # wrappers outside the repo: the result is (or calls) the first argument
            m = (k == K_X) & ~self.c_mode_attr[ri] & ev
            if m.any():
                m[m] = isin_sorted(dv[li][m], self.wrap_ids)
            if m.any():
                ci = ri[m]
                aj, ar = self.ix_args.probe(self.c_key[ci])
                ok = self.g_pos[ar] == 0
                emit(self.c_res[ci][aj][ok], self.g_src[ar][ok], NO_BIND)
                bare = ~isin_sorted(self.c_key[ci], self.has_arg0)
                emit(self.c_res[ci][bare], self.c_key[ci][bare], NO_BIND)
            # constructors call __init__, instances their __call__
            attr_mode = self.c_mode_attr[ri]
            mc = (k == K_C) & ~attr_mode
            mi = (k == K_I) & ~self.c_mode_raise[ri] & ~attr_mode
            m = mc | mi
            if m.any():
                q = vq[li][m]
                at = np.where(mc[m], self.init_attr, self.call_attr)
                own = self.mro_owner(q, at)
                h = own >= 0
                emit(self.c_key[ri][m][h], dot(own[h], at[h]), self._val(Val.INST, q[h]))
            # ... and ``__new__`` first, bound to the class (``_transform``)
            if mc.any():
                q = vq[li][mc]
                at = np.full(len(q), self.new_attr, np.int64)
                own = self.mro_owner(q, at)
                h = own >= 0
                emit(self.c_key[ri][mc][h], dot(own[h], at[h]), dv[li][mc][h])

        self._reconstructor_flows(emit)
        # arguments -> parameters
        fm = (vk == K_F) | (vk == K_B)
        if every is not None:
            fm &= every
        if fm.any():
            self._arg_flows(dk[fm], vq[fm], vk[fm], emit)
        if not dst:
            e = np.zeros(0, np.int64)
            return e, e, e
        d = np.concatenate(dst)
        s = np.concatenate(src)
        b = np.concatenate(bnd)
        ok = (d >= 0) & (s >= 0)
        d, s, b = d[ok], s[ok], b[ok]
        # set difference against the known flows
        idx = self.flow_seen.add((d << 32) | s, b)
        return d[idx], s[idx], b[idx]

    def _arg_flows(self, ckey: np.ndarray, fkey: np.ndarray, kind: np.ndarray, emit: Any) -> None:
        """Arguments -> parameters: positional, keyword, *args/**kwargs both sides."""
        # a bound method's fkey is the first half of b:<fkey>|Q: vq holds it already
        shift = np.where(kind == K_F, 0, 1)
        fi, ai = self.ix_args.probe(ckey)
        if not len(fi):
            return
        fk = fkey[fi]
        sh = shift[fi]
        apos, astar, akw, asrc = self.g_pos[ai], self.g_star[ai], self.g_kw[ai], self.g_src[ai]
        ji, pi = self.ix_params.probe(fk)
        if len(ji):
            pp, pkind_p, pkind_k = self.p_pos[pi], self.p_kind_p[pi], self.p_kind_k[pi]
            a_pos, a_star, a_kw, s_ = apos[ji], astar[ji], akw[ji], asrc[ji]
            shj = sh[ji]
            pkey = self.p_key[pi]
            # positional
            m = pkind_p & (a_pos >= 0) & (a_star == 0) & (pp == a_pos + shj)
            emit(pkey[m], s_[m], P_BIND)
            bound = m.copy()  # the rows that bind an argument to a named parameter
            # keyword
            m = (a_kw >= 0) & (self.p_name[pi] == a_kw) & (pkind_p | pkind_k)
            emit(pkey[m], s_[m], P_BIND)
            bound |= m
            # *args / **kwargs at the call: a ``**d`` gives a named parameter what
            # ``d`` holds under its name (``_kw_reads``)
            m1 = (a_star == 1) & pkind_p & (pp >= shj)
            m2 = (a_star == 2) & (pkind_p | pkind_k) & (pp >= shj)
            src = s_.copy()
            if m2.any():
                src[m2] = self._kw_reads(s_[m2], self.p_name[pi][m2], emit)
            m = m1 | m2
            emit(pkey[m], src[m], P_BIND)
            bound |= m
            if len(self.pass_keys):
                res, i = self._pass_rows(ckey[fi][ji][bound], pkey[bound])
                emit(res, src[bound][i], P_BIND)
            # *args / **kwargs parameters
            pv, pw = self.p_kind_v[pi], self.p_kind_w[pi]
            m = pv & (
                ((a_pos >= 0) & (a_star == 0) & (a_pos + shj >= self.p_npos[pi])) | (a_star == 1)
            )
            emit(self._elem(pkey[m]), s_[m], P_BIND)
            if pw.any():
                q = (fk[ji] << 32) | a_kw
                named = isin_sorted(q, self.p_named)
                # the left join keeps one row per matching named parameter when star=2
                m = pw & (a_kw >= 0) & ~named
                emit(self._elem(pkey[m]), s_[m], P_BIND)
                emit(self._kw_slot(pkey[m], a_kw[m]), s_[m], P_BIND)
                m = pw & (a_star == 2)
                emit(self._elem(pkey[m]), s_[m], P_BIND)
                emit(self._kw_star(pkey[m]), s_[m], P_BIND)

    # -- keyword arguments by name -------------------------------------------
    def _kw_init(self) -> None:
        """The state of ``**kwargs`` by name, built on first use: the ``**``
        parameter keys (sorted; their dict is the container ``l:<key>``) and, per
        ``**d`` argument (``rs_arg.star`` 2, an element read ``#<cid>`` of ``d``), the
        key of ``d``. A keyword argument a ``**kwargs`` parameter takes is also stored
        under its name (``<key>[=<name>]``), one it takes from a ``**d`` or a store of
        unknown name under ``<key>[=*]``; a ``**d`` at a call gives a named parameter
        ``p`` the request key ``#<cid>[=p]``, which reads ``[=p]`` and ``[=*]`` of
        the ``**kwargs`` dicts ``d`` holds and every element of any other container
        (``_kw_reads``, ``_kw_container_reads``)."""
        if hasattr(self, "kw_params"):
            return
        self.kw_params = usort(self.p_key[self.p_kind_w & (self.p_key >= 0)])
        star = usort(self.g_src[(self.g_star == 2) & (self.g_src >= 0)])
        r = np.flatnonzero(isin_sorted(self.sb_e, star))
        e, first = np.unique(self.sb_e[r], return_index=True)
        self.kw_operand = IntMap.of(e, self.sb_base[r][first])
        self.kw_req: dict[int, list[tuple[int, int]]] = {}  # #<cid> -> [(name, request)]
        self.kw_cids = np.zeros(0, np.int64)  # the keys of ``kw_req``, sorted

    def _kw_slot(self, key: np.ndarray, name: np.ndarray) -> np.ndarray:
        return self.S.binary("kwslot", key, name, lambda a, b: a + "[=" + b + "]")

    def _kw_star(self, key: np.ndarray) -> np.ndarray:
        return self.S.unary("kwstar", key, lambda s: s + "[=*]")

    def _kw_reads(self, cid: np.ndarray, name: np.ndarray, emit: Any) -> np.ndarray:
        """The request keys ``#<cid>[=<name>]`` of named parameters bound by a ``**d``
        argument ``#<cid>``; a new request reads the containers ``d`` holds now (later
        ones: ``_kw_container_reads``)."""
        self._kw_init()
        req = self._kw_slot(cid, name)
        new: list[int] = []
        for i, (c, n, r) in enumerate(zip(cid.tolist(), name.tolist(), req.tolist(), strict=True)):
            got = self.kw_req.setdefault(c, [])
            if (n, r) not in got:
                got.append((n, r))
                new.append(i)
        if new:
            self.kw_cids = usort(np.array(list(self.kw_req), np.int64))
            idx = np.array(new, np.int64)
            li, v = self.values_of(self.kw_operand.get(cid[idx]))
            m = self.S.vk[v] == K_L
            self._kw_sources(self.S.vq[v[m]], name[idx][li[m]], req[idx][li[m]], emit)
        return req

    def _kw_container_reads(self, q: np.ndarray, e: np.ndarray, emit: Any) -> None:
        """The requests of the ``**d`` reads ``e`` (rows of ``rs_sub``) whose ``d``
        takes the containers ``q``."""
        rows = np.flatnonzero(isin_sorted(e, self.kw_cids))
        if not len(rows):
            return
        qs: list[int] = []
        ns: list[int] = []
        rs: list[int] = []
        for qi, ei in zip(q[rows].tolist(), e[rows].tolist(), strict=True):
            for n, r in self.kw_req[ei]:
                qs.append(qi)
                ns.append(n)
                rs.append(r)
        self._kw_sources(
            np.array(qs, np.int64), np.array(ns, np.int64), np.array(rs, np.int64), emit
        )

    def _kw_sources(self, q: np.ndarray, name: np.ndarray, req: np.ndarray, emit: Any) -> None:
        """Request ``req`` reads container ``q`` for ``name``: a ``**kwargs`` dict by
        name (and its unknown names), any other container every element."""
        kw = isin_sorted(q, self.kw_params)
        emit(req[~kw], self._elem(q[~kw]), NO_BIND)
        emit(req[kw], self._kw_slot(q[kw], name[kw]), NO_BIND)
        emit(req[kw], self._kw_star(q[kw]), NO_BIND)

    # -- the reduce protocol ------------------------------------------------
    def _reconstructor_flows(self, emit: Any) -> None:
        """``__reduce__``/``__reduce_ex__`` returning ``(f, (a, b))``: unpickling or
        copying the object calls ``f(a, b)`` (pickle docs, "Pickling Class
        Instances"), from C or library code with no call site in the repository, so
        the positional parameters of ``f`` (of its ``__init__`` for a class) take the
        tuple's elements. Recomputed from the facts of a handful of keys, in the rounds
        whose delta touches them or after the class lookups changed."""
        S = self.S
        if not hasattr(self, "_reduce_rets"):
            fk = usort(self.p_fkey[self.p_fkey >= 0])
            strs = S.strs
            names = [
                strs[f] + Key.RET
                for f in fk.tolist()
                if strs[f].endswith((".__reduce__", ".__reduce_ex__"))
            ]
            got = S.lookup(pa.array(names, pa.string())) if names else np.zeros(0, np.int64)
            self._reduce_rets = got[got >= 0]
        if not len(self._reduce_rets):
            return
        watch = getattr(self, "_reduce_watch", None)
        if watch is not None and self._reduce_stage == len(self.lk_keys):
            dk = self.delta >> 32  # sorted: search the few watched keys in it
            pos = np.minimum(np.searchsorted(dk, watch), max(len(dk) - 1, 0))
            if not len(dk) or not (dk[pos] == watch).any():
                return
        self._reduce_watch = self._reduce_rets
        self._reduce_stage = len(self.lk_keys)
        _li, tv = self.values_of(self._reduce_rets)
        tv = usort(tv[S.vk[tv] == K_L])
        if not len(tv):
            return
        q = S.vq[tv]
        kinds, _n = self._containers(q)
        q = q[kinds == SEQUENCE]
        if not len(q):
            return
        first = self._slots(q, np.full(len(q), self._tok("0"), np.int64))
        second = self._slots(q, np.full(len(q), self._tok("1"), np.int64))
        self._reduce_watch = usort(np.concatenate([self._reduce_rets, first, second]))
        fi, fv = self.values_of(first)
        ai, av = self.values_of(second)
        ai, av = ai[S.vk[av] == K_L], av[S.vk[av] == K_L]
        if not len(fi) or not len(ai):
            return
        # every (callable, argument tuple) pair of one returned tuple
        order = np.argsort(ai, kind="stable")
        ai, av = ai[order], av[order]
        lo = np.searchsorted(ai, fi, "left")
        hi = np.searchsorted(ai, fi, "right")
        i, j = expand(lo, hi - lo, None)
        f, args = fv[i], S.vq[av[j]]
        k = S.vk[f]
        # a class: its ``__init__`` (self first), along the MRO
        cls = k == K_C
        own = self.mro_owner(S.vq[f[cls]], np.full(int(cls.sum()), self.init_attr, np.int64))
        fk = np.concatenate(
            [
                S.vq[f[k == K_F]],
                self._dot(own[own >= 0], np.full(int((own >= 0).sum()), self.init_attr, np.int64)),
            ]
        )
        shift = np.concatenate(
            [np.zeros(int((k == K_F).sum()), np.int64), np.ones(int((own >= 0).sum()), np.int64)]
        )
        args = np.concatenate([args[k == K_F], args[cls][own >= 0]])
        akind, alen = self._containers(args)
        pj, pr = self.ix_params.probe(fk)
        pos = self.p_pos[pr] - shift[pj]
        m = (
            self.p_kind_p[pr]
            & (pos >= 0)
            & (akind[pj] == SEQUENCE)
            & ((alen[pj] < 0) | (pos < alen[pj]))
        )
        if not m.any():
            return
        toks = np.array([self._tok(str(x)) for x in pos[m].tolist()], np.int64)
        emit(self.p_key[pr][m], self._slots(args[pj][m], toks), P_BIND)

    def _pass_rows(self, ckey: np.ndarray, pkey: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """What a call hands to a pass-through parameter (``PointsTo._pass_through``)
        is also that call's result: the result key of every call row of ``ckey`` that
        has one, and the index of its (``ckey``, ``pkey``) row."""
        idx = np.flatnonzero(isin_sorted(pkey, self.pass_keys))
        if not len(idx):
            return np.zeros(0, np.int64), idx
        ci, ri = self.ix_calls.probe(ckey[idx])
        # protocol rows too (``x[k]`` runs ``__getitem__`` with ``k``); not property
        # rows, whose result is the attribute read itself (a call through the same
        # key, ``obj.f(x)``, would otherwise store ``x`` in ``obj.f``)
        ok = (self.c_res[ri] >= 0) & ~self.c_mode_prop[ri]
        return self.c_res[ri][ok], idx[ci][ok]

    def _new_facts(
        self, nd: np.ndarray, ns: np.ndarray, nb: np.ndarray, every: np.ndarray | None
    ) -> np.ndarray:
        """New facts: old flows x delta, new flows x all facts, the value-creating
        rules. None of these depends on the stage-B lookups, so delta facts outside
        ``every`` (a mask, None: all) take no part (see ``enable_classes``)."""
        S = self.S
        # Only the delta facts in ``every`` take part: the others would be probed with
        # key -1 and match nothing. Their order is kept, so every rule sees the same
        # matches in the same order (stage B's first round: ~2% of a delta of every
        # fact known, which the gathers and probes below would otherwise each pass).
        delta = self.delta if every is None else self.delta[every]
        dk = delta >> 32
        dv = delta & MASK32
        vk = S.vk[dv]
        vq = S.vq[dv]
        keys: list[np.ndarray] = []
        vals: list[np.ndarray] = []

        def emit(k: np.ndarray, v: np.ndarray) -> None:
            if len(k):
                keys.append(k)
                vals.append(v)

        # old flows x delta
        di, fi = self.flows.probe(dk)
        emit(*self._transform(self.flows.d[fi], self.flows.b[fi], dv[di]))
        # new flows x all facts
        if len(nd):
            ni, pv = self.pt.values_of(ns)
            emit(*self._transform(nd[ni], nb[ni], pv))
        # annotated parameters and except-as names hold instances of the class
        li, ri = _probe_kinds(self.ix_ann, dk, vk, _CLASS)
        m = vk[li] == K_C
        emit(self.an_key[ri][m], self._val(Val.INST, vq[li][m]))
        # calling a class makes an instance; calling something external, an external
        li, ri = _probe_kinds(self.ix_calls, dk, vk, _CALL_VALUE)
        if len(li):
            k = vk[li]
            # an attribute read or protocol row with a result constructs nothing
            res = np.where(self.c_mode_attr[ri], -1, self.c_res[ri])
            m = (res >= 0) & (k == K_C)
            emit(res[m], self._val(Val.INST, vq[li][m]))
            m = (res >= 0) & (k == K_X) & ~S.bi[dv[li]]
            # only a class-like name (CapWords, PEP 8) makes an instance whose methods
            # we may name; what a function outside the repo returns is unknown, and
            # ``importlib.import_module(..).getcwd`` would be an invented callee
            if m.any():
                idx = np.nonzero(m)[0]
                strs = S.strs
                cap = np.array(
                    [strs[q].rpartition(".")[2][:1].isupper() for q in vq[li][idx].tolist()],
                    bool,
                )
                m[idx[~cap]] = False
            emit(res[m], self._val(Val.EXT_INST, vq[li][m]))
            # the receiver of a bound method call is its first parameter
            m = k == K_B
            if m.any():
                bv = dv[li][m]
                fk, q = vq[li][m], S.v2[bv]
                pj, pr = self.ix_params.probe(fk)
                ok = self.p_pos[pr] == 0
                pj, pr = pj[ok], pr[ok]
                bits = S.mk[fk[pj]]
                c = (bits & (MK_C | MK_NEW)) != 0
                other = (((bits & (MK_M | MK_S)) != 0) & ~c) | (bits == 0)
                emit(self.p_key[pr][c], self._val(Val.CLASS, q[pj][c]))
                emit(self.p_key[pr][other], self._val(Val.INST, q[pj][other]))
        # ``C[int]`` is a generic alias of class C: calling it constructs C, its
        # attributes are C's (PEP 484/695), so the subscript holds the class itself
        li, ri = _probe_kinds(self.ix_sub, dk, vk, _CLASS)
        m = vk[li] == K_C
        emit(self.sb_e[ri][m], dv[li][m])
        # ``x.__class__`` of an instance is its class (``type(x)`` reads it, see facts)
        li, ri = _probe_kinds(self.ix_attr, dk, vk, _INSTANCE)
        m = self.a_attr[ri] == self.class_attr
        if m.any():
            emit(self.a_e[ri][m], self._val(Val.CLASS, vq[li][m]))
        # attributes of external objects are external objects (bounded dotted depth:
        # ``n = n.next`` loops would grow names forever)
        li, ri = _probe_kinds(self.ix_attr, dk, vk, _EXTERNAL)
        if len(li):
            v = dv[li]
            k = vk[li]
            m = ((k == K_X) | ((k == K_XI) & ~S.bi[v])) & (S.dots[v] < 5)
            m &= ~self.a_proto[ri]
            q = self._dot(vq[li][m], self.a_attr[ri][m])
            emit(self.a_e[ri][m], self._val(Val.EXT, q))
        self._external_attrs(emit)
        # super() inside a method of class K, for each class C of self
        li, ri = _probe_kinds(self.ix_sup, dk, vk, _SUPER_SELF)
        m = (vk[li] == K_I) | (vk[li] == K_C)
        if m.any():
            cls, q = self.su_cls[ri][m], vq[li][m]
            sv = S.binary("sup", cls, q, lambda a, b: Val.SUPER + a + "|" + b)
            emit(self.su_e[ri][m], sv)
        if not keys:
            return np.zeros(0, np.int64)
        k = np.concatenate(keys)
        v = np.concatenate(vals)
        ok = (k >= 0) & (v >= 0)
        k, v = k[ok], v[ok]
        return self._add_derived(k, v)

    def _transform(self, dst: np.ndarray, bind: np.ndarray, v: np.ndarray) -> Any:
        """Values read through flows with a binding: ``P`` drops externals, a receiver
        turns functions into bound methods (per method kind)."""
        if not len(dst):
            return dst, v
        S = self.S
        k = S.vk[v]
        out = v.copy()
        keep = np.ones(len(v), bool)
        keep &= ~((bind == P_BIND) & ((k == K_X) | (k == K_XI)))
        rb = (bind >= 0) & (k == K_F)
        extra_d: list[np.ndarray] = []
        extra_v: list[np.ndarray] = []
        if rb.any():
            bits = S.mk[v[rb]]
            bk = S.vk[bind[rb]]
            new = ((bits & MK_NEW) != 0) & (bk == K_C)
            to_b = ((bits & MK_C) != 0) | (((bits & MK_M) != 0) & (bk == K_I)) | new
            stay = (((bits & MK_S) != 0) & ~new) | (((bits & MK_M) != 0) & (bk != K_I))
            stay |= bits == 0
            idx = np.nonzero(rb)[0]
            fk = S.vq[v[idx[to_b]]]
            own = self.f_cls.get(fk)
            bv = S.binary(
                "bound",
                fk,
                np.where(own >= 0, own, S.vq[bind[idx[to_b]]]),
                lambda a, b: Val.BOUND + a + "|" + b,
            )
            # rows that only become bound methods drop their plain value
            keep[idx[~stay]] = False
            extra_d.append(dst[idx[to_b]])
            extra_v.append(bv)
        return (
            np.concatenate([dst[keep], *extra_d]),
            np.concatenate([out[keep], *extra_v]),
        )

    # -- constructors --------------------------------------------------------
    def _dot(self, q: np.ndarray, attr: np.ndarray) -> np.ndarray:
        return self.S.binary("dot", q, attr, lambda a, b: a + "." + b)

    def _elem(self, q: np.ndarray) -> np.ndarray:
        return self.S.unary("elem", q, lambda s: s + "[]")

    def _val(self, prefix: str, q: np.ndarray) -> np.ndarray:
        return self.S.prefixed(prefix, q)
