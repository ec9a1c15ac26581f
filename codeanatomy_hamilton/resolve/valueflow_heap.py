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
    distinct_pairs,
    expand,
    isin_sorted,
    usort,
)
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

# -- FLOW_ATTR ------------------------------------------------------------------------
# load x store pairs FLOW_ATTR materialises at once (see ``_attr_edges``)
PAIR_CHUNK = 4_000_000


def attr_edges(pt: Any, facts: dict[str, pa.Table], hier: Any) -> list[pa.Table]:
    S = pt.interner
    t = facts[VF_ATTR]
    if not t.num_rows:
        return []
    store = ints(t.column("store")) == 1
    st, ld = t.filter(pa.array(store)), t.filter(pa.array(~store))
    # stores: (value, attr) of each store node
    si, sv = values_of_keys(pt, st.column("base"), st.column("bval"))
    ok = OBJ_KINDS[S.kinds(sv)]
    si, sv = si[ok], sv[ok]
    # loads: their objects, plus the classes on the MRO of each (class attributes)
    li, lv = values_of_keys(pt, ld.column("base"), ld.column("bval"))
    obj = OBJ_KINDS[S.kinds(lv)]
    li_o, lv_o = li[obj], lv[obj]
    # loads from objects the analysis does not track (see the end), decided now so
    # that the (row, value) pairs are freed before the stores are joined
    untracked = np.ones(ld.num_rows, bool)
    untracked[li_o] = False
    other = np.zeros(ld.num_rows, bool)
    other[li[~obj]] = True
    del li, lv, obj
    # attribute names as ints (one dictionary for both sides)
    names = strings([st.column("attr"), ld.column("attr")])
    code = pc.dictionary_encode(names).indices.to_numpy(zero_copy_only=False).astype(np.int64)
    s_attr, l_attr = code[: st.num_rows], code[st.num_rows :]
    sk = (sv << 20) | s_attr[si]
    o = np.argsort(sk, kind="stable")
    sk, si_s = sk[o], si[o]
    # The MRO is expanded once per distinct (value, attribute) a load reads, not per
    # load row: a method's ``self`` may be any instance of its class or a subclass, so
    # per row the expansion grew ~70-fold on the whole stdlib (~11 GiB). Each distinct
    # key then gets its stores, and each load row the stores of its keys.
    uk, key_of_pair = np.unique((lv_o << 20) | l_attr[li_o], return_inverse=True)
    del lv_o
    mi, mv = _mro_values(S, np.arange(len(uk)), uk >> 20, hier)
    owner = np.concatenate([np.arange(len(uk)), mi])
    okey = np.concatenate([uk, (mv << 20) | (uk[mi] & ((1 << 20) - 1))])
    lo = np.searchsorted(sk, okey, "left")
    cnt = np.searchsorted(sk, okey, "right") - lo
    # stores of each key, by key (a run of keys at a time, then once more over all:
    # a key's own stores and its MRO's come from different runs)
    found = [distinct_pairs(owner[a], si_s[b])[:2] for a, b in _runs(lo, cnt)]
    k_own, k_store = distinct_pairs(*concat_pairs(found))[:2]
    del found, lo, cnt, owner, okey
    k_lo = np.searchsorted(k_own, key_of_pair, "left")
    k_cnt = np.searchsorted(k_own, key_of_pair, "right") - k_lo
    s_node, l_node = ints(st.column("node_id")), ints(ld.column("node_id"))
    s_alloc, l_alloc = ints(st.column("alloc")), ints(ld.column("alloc"))
    srcs: list[np.ndarray] = []
    dsts: list[np.ndarray] = []
    ends = np.cumsum(k_cnt)
    start = 0
    while start < len(k_lo):  # a run of load pairs at a time: memory bounded by PAIR_CHUNK
        done = int(ends[start - 1]) if start else 0
        end = max(int(np.searchsorted(ends, done + PAIR_CHUNK, "right")), start + 1)
        pa_i, kb = expand(k_lo[start:end], k_cnt[start:end], None)
        s_row, l_row = k_store[kb], li_o[pa_i + start]
        sa, la = s_alloc[s_row], l_alloc[l_row]
        keep = (sa == 0) | (la == 0) | (sa == la)
        src, dst, _ = distinct_pairs(s_node[s_row][keep], l_node[l_row][keep])
        srcs.append(src)
        dsts.append(dst)
        start = end
    empty = np.zeros(0, np.int64)
    src = np.concatenate(srcs) if srcs else empty
    dst = np.concatenate(dsts) if dsts else empty
    out = [edges(src, dst, EdgeKind.FLOW_ATTR)]
    # loads from objects the analysis does not track: the base's value -> the load
    # (a ``from m import X`` alias has no base node: a module outside the repository)
    base_node = ints(ld.column("base_node"))
    fb = (untracked | other) & (base_node != 0)
    out.append(edges(base_node[fb], l_node[fb], EdgeKind.FLOW_ATTR, label="base"))
    return out


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
    store = ints(t.column("store")) == 1
    st, ld = t.filter(pa.array(store)), t.filter(pa.array(~store))
    si, sv = values_of_keys(pt, st.column("base"), st.column("bval"))
    ok = CONTAINER_KINDS[S.kinds(sv)]
    si, sv = si[ok], sv[ok]
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
