"""Value flow through the heap: FLOW_ATTR (attribute stores -> loads on objects that may
be the same allocation, class and module attributes, along the MRO) and FLOW_ELEM
(element stores -> loads, precise for constant indices and keys), joined a bounded run
of pairs at a time (``PAIR_CHUNK``)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from codeanatomy_hamilton.core.arrays import (
    MASK32,
    distinct_pairs,
    expand,
    isin_sorted,
    uinv,
    usort,
)
from codeanatomy_hamilton.core.memory import release_memory
from codeanatomy_hamilton.core.vocabulary import (
    VF_ARG,
    VF_ATTR,
    VF_ELEM,
    EdgeKind,
    Val,
)
from codeanatomy_hamilton.resolve.flow_tables import (
    CONTAINER_KINDS,
    OBJ_KINDS,
    concat_pairs,
    edges,
    ints,
    strings,
    values_of_keys,
)
from codeanatomy_hamilton.resolve.points_to.interner import K_C, K_I


def _stores_and_loads(pt: Any, t: pa.Table, kinds: np.ndarray) -> tuple[Any, Any, Any, Any]:
    """The store rows and the load rows of a ``vf_attr``/``vf_elem`` table, and the
    (store row, value) pairs of the stores' bases whose value kind is in ``kinds``."""
    store = ints(t.column("store")) == 1
    st, ld = t.filter(pa.array(store)), t.filter(pa.array(~store))
    si, sv = values_of_keys(pt, st.column("base"), st.column("bval"))
    ok = kinds[pt.interner.kinds(sv)]
    return st, ld, si[ok], sv[ok]


# -- FLOW_ATTR ------------------------------------------------------------------------
# load x store pairs FLOW_ATTR materialises at once (see ``_attr_edges``)
PAIR_CHUNK = 4_000_000


def attr_edges(pt: Any, facts: dict[str, pa.Table], hier: Any) -> list[pa.Table]:
    S = pt.interner
    t = facts[VF_ATTR]
    if not t.num_rows:
        return []
    # stores: (value, attr) of each store node
    st, ld, si, sv = _stores_and_loads(pt, t, OBJ_KINDS)
    # attribute names as ints (one dictionary for both sides)
    names = strings([st.column("attr"), ld.column("attr")])
    code = pc.dictionary_encode(names).indices.to_numpy(zero_copy_only=False).astype(np.int64)
    s_attr, l_attr = code[: st.num_rows], code[st.num_rows :]
    sk = (sv << 20) | s_attr[si]
    o = np.argsort(sk, kind="stable")
    sk, si_s = sk[o], si[o]
    # Loads are taken per group of rows with the same base key, direct value and
    # attribute: those read the same values and so the same stores (every ``self.x``
    # of one method is one group). A method's ``self`` may be any instance of its
    # class or a subclass, so per load row the (row, value) pairs were ~1.1 GiB on
    # the whole stdlib; per group they are a fraction of it. Only the allocation-site
    # check at the end is per row.
    lg, g_base, g_bval, g_attr = _load_groups(S, ld, l_attr)
    gi, gv = pt.values_of(g_base)
    ok = g_bval >= 0
    gi = np.concatenate([gi, np.nonzero(ok)[0]])
    gv = np.concatenate([gv, g_bval[ok]])
    obj = OBJ_KINDS[S.kinds(gv)]
    gi_o, gv_o = gi[obj], gv[obj]
    # loads from objects the analysis does not track (see the end), per group
    untracked = np.ones(len(g_base), bool)
    untracked[gi_o] = False
    other = np.zeros(len(g_base), bool)
    other[gi[~obj]] = True
    del gi, gv, obj
    # The stores a key (value, attribute) reads: its own, and those of the same
    # attribute on the classes along the value's MRO. The MRO is expanded once per
    # distinct value, keeping only the classes that something is stored on: expanded
    # per key, there were ~16 M (key, class) rows on the whole stdlib (~1 GiB) for
    # ~0.7 M stores found. Then a run of keys at a time joins its classes' stores.
    uk, key_of_pair = np.unique((gv_o << 20) | g_attr[gi_o], return_inverse=True)
    del gv_o
    uv, key_val = uinv(uk >> 20)
    mi, mv = _mro_values(S, np.arange(len(uv)), uv, hier)
    on = isin_sorted(mv, usort(sv))
    o = np.argsort(mi[on], kind="stable")
    mi, mv = mi[on][o], mv[on][o]
    v_lo = np.searchsorted(mi, key_val, "left")
    v_cnt = np.searchsorted(mi, key_val, "right") - v_lo
    lo = np.searchsorted(sk, uk, "left")
    found = [
        distinct_pairs(a, si_s[b])[:2] for a, b in _runs(lo, np.searchsorted(sk, uk, "right") - lo)
    ]
    for ka, mb in _runs(v_lo, v_cnt):
        okey = (mv[mb] << 20) | (uk[ka] & ((1 << 20) - 1))
        lo = np.searchsorted(sk, okey, "left")
        cnt = np.searchsorted(sk, okey, "right") - lo
        a, b = expand(lo, cnt, None)
        found.append(distinct_pairs(ka[a], si_s[b])[:2])
    k_own, k_store = distinct_pairs(*concat_pairs(found))[:2]
    del found, mi, mv, v_lo, v_cnt, uv, key_val
    # stores of each group: its (group, key) pairs x the stores of the key
    k_lo = np.searchsorted(k_own, key_of_pair, "left")
    k_cnt = np.searchsorted(k_own, key_of_pair, "right") - k_lo
    found = [distinct_pairs(gi_o[a], k_store[b])[:2] for a, b in _runs(k_lo, k_cnt)]
    g_own, g_store = distinct_pairs(*concat_pairs(found))[:2]
    del found, k_lo, k_cnt, k_own, k_store, key_of_pair, gi_o
    # each (group, store) pair x the load rows of the group, a run at a time
    rows = np.argsort(lg, kind="stable")
    r_lo = np.searchsorted(lg[rows], g_own, "left")
    r_cnt = np.searchsorted(lg[rows], g_own, "right") - r_lo
    s_node, l_node = ints(st.column("node_id")), ints(ld.column("node_id"))
    s_alloc, l_alloc = ints(st.column("alloc")), ints(ld.column("alloc"))
    srcs: list[np.ndarray] = []
    dsts: list[np.ndarray] = []
    for a, b in _runs(r_lo, r_cnt):
        s_row, l_row = g_store[a], rows[b]
        sa, la = s_alloc[s_row], l_alloc[l_row]
        keep = (sa == 0) | (la == 0) | (sa == la)
        src, dst, _ = distinct_pairs(s_node[s_row][keep], l_node[l_row][keep])
        srcs.append(src)
        dsts.append(dst)
    empty = np.zeros(0, np.int64)
    src = np.concatenate(srcs) if srcs else empty
    dst = np.concatenate(dsts) if dsts else empty
    out = [edges(src, dst, EdgeKind.FLOW_ATTR)]
    # loads from objects the analysis does not track: the base's value -> the load
    # (a ``from m import X`` alias has no base node: a module outside the repository)
    base_node = ints(ld.column("base_node"))
    fb = (untracked | other)[lg] & (base_node != 0)
    out.append(edges(base_node[fb], l_node[fb], EdgeKind.FLOW_ATTR, label="base"))
    return out


def _load_groups(
    S: Any, ld: pa.Table, l_attr: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The group of each load row (rows with the same base key id, direct value id and
    attribute) and, per group, its base key id, direct value id (-1: none) and
    attribute code."""
    base, bval = S.lookup(ld.column("base")), S.lookup(ld.column("bval"))
    # (base, bval) as one code, then (that code, attribute) as one int64
    u_bb, bb = uinv(((base + 1) << 32) | (bval + 1))
    u_g, lg = uinv((bb << 20) | l_attr)
    pair = u_bb[u_g >> 20]
    return lg, (pair >> 32) - 1, (pair & MASK32) - 1, u_g & ((1 << 20) - 1)


def _runs(lo: np.ndarray, cnt: np.ndarray) -> Any:
    """The (probe row, relation row) pairs of ``expand(lo, cnt)``, a run of probe rows
    at a time, so that at most about ``PAIR_CHUNK`` pairs exist at once."""
    ends = np.cumsum(cnt)
    start = 0
    while start < len(lo):
        done = int(ends[start - 1]) if start else 0
        end = max(int(np.searchsorted(ends, done + PAIR_CHUNK, "right")), start + 1)
        a, b = expand(lo[start:end], cnt[start:end], None)
        yield a + start, b
        start = end


def _mro_values(S: Any, row: np.ndarray, v: np.ndarray, hier: Any) -> tuple[np.ndarray, np.ndarray]:
    """(row, c:<base>) for every class on the MRO of an instance or class value."""
    ic = (S.kinds(v) == K_I) | (S.kinds(v) == K_C)
    if not ic.any() or not hier.mro:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    # an instance reads the attributes of its own class too; a class those of its bases
    inst = S.kinds(v[ic]) == K_I
    uq, inv = np.unique(S.quals(v[ic]) * 2 + inst, return_inverse=True)
    quals = S.decode(uq // 2).to_pylist()
    extra_q: list[int] = []
    extra_v: list[str] = []
    for i, q in enumerate(quals):
        for m in hier.mro.get(q, [Val.CLASS + q])[0 if uq[i] % 2 else 1 :]:
            if m.startswith(Val.CLASS):
                extra_q.append(i)
                extra_v.append(m)
    if not extra_q:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    ev = S.lookup(pa.array(extra_v, pa.string()))
    eq = np.array(extra_q, np.int64)
    okv = ev >= 0
    eq, ev = eq[okv], ev[okv]
    rows = row[ic]
    o = np.argsort(eq, kind="stable")
    eq, ev = eq[o], ev[o]
    lo = np.searchsorted(eq, inv, "left")
    hi = np.searchsorted(eq, inv, "right")
    a, b = expand(lo, hi - lo, None)
    return rows[a], ev[b]


# -- FLOW_ELEM ------------------------------------------------------------------------
def elem_edges(
    pt: Any, facts: dict[str, pa.Table], resolved_calls: np.ndarray, external_calls: np.ndarray
) -> list[pa.Table]:
    """FLOW_ELEM: element stores -> element loads of the same containers (by constant
    index or key where both sides have one), and a container handed whole to a call
    outside the repository -> that operand. ``resolved_calls``: call ids with a callee
    in the repository; ``external_calls``: call ids reaching an EXTERNAL callee."""
    S = pt.interner
    t = facts[VF_ELEM]
    if not t.num_rows:
        return []
    # the value-flow steps before this one leave their buffers in the allocators'
    # free lists; FLOW_ELEM's pairs would stack on them
    release_memory()
    st, ld, si, sv = _stores_and_loads(pt, t, CONTAINER_KINDS)
    li, lv = values_of_keys(pt, ld.column("base"))
    cont = CONTAINER_KINDS[S.kinds(lv)]
    # reads from a base that may hold something other than a container with known
    # stores (an external object, a str, an unknown value): base -> the load (edges
    # made below; decided now so that the (row, value) pairs are freed first)
    stored = np.unique(sv)
    known = np.zeros(ld.num_rows, bool)
    known[li[cont]] = True
    bad = np.zeros(ld.num_rows, bool)
    nc = ~cont | ~np.isin(lv, stored)
    bad[li[nc]] = True
    fb = ~known | bad
    del nc, stored
    # slots as ints: -1 unknown (matches every slot)
    slots = strings([pc.utf8_slice_codeunits(st.column("slot"), 1), ld.column("slot")])
    de = pc.dictionary_encode(slots)
    code = de.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)
    s_slot, l_slot = code[: st.num_rows], code[st.num_rows :]
    o = np.argsort(sv, kind="stable")
    sv_s, si_s = sv[o], si[o]
    lrow, lval = li[cont], lv[cont]
    del li, lv, cont
    lo = np.searchsorted(sv_s, lval, "left")
    hi = np.searchsorted(sv_s, lval, "right")
    s_node, l_node = ints(st.column("node_id")), ints(ld.column("node_id"))
    # node ids as dense codes, so that a (store, load) pair packs into one int64 and
    # the distinct pairs of a run are one sort (not a sort of each column and a third)
    s_ids = usort(s_node)
    s_code = np.searchsorted(s_ids, s_node)
    found = []
    for a, b in _runs(lo, hi - lo):  # store x load pairs, a run of loads at a time
        s_row, l_row = si_s[b], lrow[a]
        ss, ls = s_slot[s_row], l_slot[l_row]
        keep = (ss < 0) | (ls < 0) | (ss == ls)
        found.append(_coded_pairs(s_code[s_row][keep], l_node[l_row][keep]))
    out = [edges(*_decode_pairs(s_ids, found), EdgeKind.FLOW_ELEM)]
    out.append(
        edges(ints(ld.column("base_node"))[fb], l_node[fb], EdgeKind.FLOW_ELEM, label="base")
    )
    # a container handed whole to a call outside the repository (``list(xs)``,
    # ``d.values()``, ``", ".join(xs)``): its elements flow into that operand
    args = facts[VF_ARG]
    ext = ~isin_sorted(ints(args.column("callid")), usort(resolved_calls))
    ext |= isin_sorted(ints(args.column("callid")), usort(external_calls))
    a = args.filter(pa.array(ext))
    ai, av = values_of_keys(pt, a.column("key"))
    c = CONTAINER_KINDS[S.kinds(av)]
    ai, av = ai[c], av[c]
    lo = np.searchsorted(sv_s, av, "left")
    hi = np.searchsorted(sv_s, av, "right")
    a_node = ints(a.column("node_id"))
    found = [_coded_pairs(s_code[si_s[y]], a_node[ai[x]]) for x, y in _runs(lo, hi - lo)]
    out.append(edges(*_decode_pairs(s_ids, found), EdgeKind.FLOW_ELEM, label="whole"))
    return out


def _coded_pairs(code: np.ndarray, node: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct (code, node) pairs of a run: ``(ids, packed)``, the distinct ``node``
    ids and the sorted distinct ``code * len(ids) + index of node in ids``."""
    ids = usort(node)
    return ids, usort(code * len(ids) + np.searchsorted(ids, node))


def _decode_pairs(
    src_ids: np.ndarray, runs: list[tuple[np.ndarray, np.ndarray]]
) -> tuple[np.ndarray, np.ndarray]:
    """The (src, dst) node ids of the runs of ``_coded_pairs`` (``src_ids[code]``)."""
    empty = np.zeros(0, np.int64)
    runs = [(ids, p) for ids, p in runs if len(p)]
    if not runs:
        return empty, empty
    src = [src_ids[p // len(ids)] for ids, p in runs]
    dst = [ids[p % len(ids)] for ids, p in runs]
    return np.concatenate(src), np.concatenate(dst)
