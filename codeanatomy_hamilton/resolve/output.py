"""Turn the points-to facts into contract edges and props (vectorised joins over the
interned ids of the fixed point; strings are decoded only for the result columns).

* CALL: every value a call key may hold that is a FUNCTION (bound methods included),
  CLASS or EXTERNAL, from the node performing the call (explicit or implicit);
* IMPORTS: MODULE -> imported module / EXTERNAL; IMPORT -> imported module or symbol;
* INHERITS: CLASS -> base CLASS / EXTERNAL; props ``mro`` and ``mro_error``;
* REF: a use of an imported name -> the definition it denotes in the other module;
* props ``caller`` (qualname of the FUNCTION/MODULE performing a resolved call),
  ``callee`` (callee text of a CALL node with no resolved target) and
  ``callee_bounded`` (how many of a call's callees were not followed: past
  ``HARD_KEY_CAP``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from codeanatomy_hamilton.core import ids
from codeanatomy_hamilton.core.arrays import (
    distinct_pairs,
    expand,
    isin_sorted,
    uinv,
    usort,
)
from codeanatomy_hamilton.core.schema import EDGE_SCHEMA, PROP_SCHEMA, XEDGE_SCHEMA
from codeanatomy_hamilton.core.vocabulary import (
    PREFIX_LEN,
    RS_ATTR,
    RS_BASE,
    RS_CALL,
    RS_DEF,
    RS_FLOW,
    RS_IMPORT,
    RS_PROP,
    RS_USE,
    CallMode,
    EdgeKind,
    ImportKind,
    Key,
    NodeKind,
    Val,
)
from codeanatomy_hamilton.extract.fact_keys import CALLABLE_ITER
from codeanatomy_hamilton.resolve.classes import Hierarchy
from codeanatomy_hamilton.resolve.modules import ModuleMap
from codeanatomy_hamilton.resolve.points_to.core import PointsTo
from codeanatomy_hamilton.resolve.points_to.interner import (
    K_B,
    K_C,
    K_F,
    K_I,
    K_L,
    K_X,
    Interner,
    kind_mask,
)
from codeanatomy_hamilton.resolve.types import ResolveInput, ResolveOutput


def _column(values: Any, type_: pa.DataType) -> Any:
    if isinstance(values, (pa.ChunkedArray, pa.Array)):
        return values.cast(type_)
    return pa.array(values, type_)


def _table(schema: pa.Schema, n: int, columns: dict[str, Any]) -> pa.Table:
    """A table of ``schema`` from the given columns: a str value is repeated on every
    row, any other value is an array; the other columns are null."""
    arrays = []
    for f in schema:
        value = columns.get(f.name)
        if value is None:
            arrays.append(pa.nulls(n, f.type))
        elif isinstance(value, str):
            arrays.append(pa.array([value] * n, f.type))
        else:
            arrays.append(_column(value, f.type))
    return pa.table(arrays, schema=schema)


def _edges(src: Any, dst: Any, kind: str) -> pa.Table:
    return _table(EDGE_SCHEMA, len(src), {"src_id": src, "dst_id": dst, "kind": kind})


def _xedges(src: Any, dst: Any, kind: str) -> pa.Table:
    return _table(XEDGE_SCHEMA, len(src), {"src_id": src, "dst_qualname": dst, "kind": kind})


def _props(node: Any, key: str, value: Any) -> pa.Table:
    return _table(
        PROP_SCHEMA,
        len(node),
        {"node_id": node, "key": key, "value": value, "value_type": "str"},
    )


def _distinct(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct (a, b) rows, sorted."""
    da, db, _first = distinct_pairs(a, b)
    return da, db


def _kind_in(S: Interner, v: np.ndarray, kinds: tuple[int, ...]) -> np.ndarray:
    return kind_mask(*kinds)[S.kinds(v)]


def _ints(col: Any) -> np.ndarray:
    return np.asarray(col.to_numpy(), np.int64) if len(col) else np.zeros(0, np.int64)


class Targets:
    """Value id -> node ids of the definitions (``f:``/``c:`` values of ``rs_def``) and
    modules (``m:`` values)."""

    def __init__(self, S: Interner, defs: pa.Table, mm: ModuleMap) -> None:
        mods = sorted(mm.path_of)
        vals = np.concatenate(
            [S.encode(defs.column("val")), S.encode(pa.array([Val.MODULE + m for m in mods]))]
        )
        nodes = np.concatenate(
            [
                _ints(defs.column("node_id")),
                np.array([ids.file_base(mm.path_of[m]) for m in mods], np.int64),
            ]
        )
        o = np.argsort(vals, kind="stable")
        self.vals, self.nodes = vals[o], nodes[o]

    def join(self, src: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(src, node id) for every target of each value."""
        lo = np.searchsorted(self.vals, v, "left")
        hi = np.searchsorted(self.vals, v, "right")
        li, ri = expand(lo, hi - lo, None)
        return src[li], self.nodes[ri]


def _norm(S: Interner, v: np.ndarray) -> np.ndarray:
    """A bound method ``b:<fkey>|Q`` denotes its function ``f:<fkey>``."""
    b = S.kinds(v) == K_B
    if not b.any():
        return v
    out = v.copy()
    out[b] = S.prefixed(Val.FUNC, S.quals(v[b]))
    return out


def _uses(pt: PointsTo, src: np.ndarray, keys: Any) -> tuple[np.ndarray, np.ndarray]:
    """Distinct (src, normalised value) of every fact of each row's key column."""
    S = pt.interner
    li, v = pt.values_of(S.lookup(keys))
    return _distinct(src[li], _norm(S, v))


def _resolved_to(
    S: Interner, targets: Targets, src: np.ndarray, v: np.ndarray, kinds: tuple[int, ...] | None
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, pa.Array]]:
    """Edges to nodes (values of ``kinds``, any when None) and to external qualnames
    (``x:`` values) of distinct (src, value) rows."""
    m = _kind_in(S, v, kinds) if kinds is not None else np.ones(len(v), bool)
    e_src, e_dst = _distinct(*targets.join(src[m], v[m]))
    x = S.kinds(v) == K_X
    x_src, x_q = _distinct(src[x], S.quals(v[x]))
    return (e_src, e_dst), (x_src, S.decode(x_q))


def _implicit_kept(
    S: Interner, calls: pa.Table, props: pa.Table, li: np.ndarray, v: np.ndarray
) -> np.ndarray:
    """Mask of the (call row, value) facts that are calls. Rows keyed by an attribute
    read (``extract.facts``: ``prop``, ``proto``) call only what the read runs: a
    property accessor or a protocol method of the repository reached through an
    instance (a bound method)."""
    mode = calls.column("mode")
    prop = pc.fill_null(pc.equal(mode, CallMode.PROP), False).to_numpy(zero_copy_only=False)
    proto = pc.fill_null(pc.equal(mode, CallMode.PROTO), False).to_numpy(zero_copy_only=False)
    if not (prop.any() or proto.any()):
        return np.ones(len(li), bool)
    vk = S.kinds(v)
    keep = ~(prop | proto)[li]
    keep |= proto[li] & (vk == K_B)
    m = prop[li] & (vk == K_B)
    if m.any():
        accessors = usort(S.lookup(pc.binary_join_element_wise(Val.FUNC, props.column("fkey"), "")))
        keep[m] = isin_sorted(_norm(S, v[m]), accessors)
    return keep


def _callee_bounded(src: np.ndarray, v: np.ndarray) -> pa.Table:
    """Prop ``callee_bounded`` on the call nodes that may call values their callee's
    key held past ``HARD_KEY_CAP`` (``PointsTo.callee_values``): how many. The call
    has a CALL edge to each, but no argument was followed into them nor their result
    out of them."""
    node, n = np.unique(_distinct(src, v)[0], return_counts=True)
    value = pa.array(n.astype(str).tolist(), pa.string())
    return _table(
        PROP_SCHEMA,
        len(node),
        {"node_id": node, "key": "callee_bounded", "value": value, "value_type": "int"},
    )


def _descriptor_calls(pt: PointsTo, calls: pa.Table, li: np.ndarray, v: np.ndarray) -> Any:
    """(call row, ``f:`` value) of attribute reads (``prop`` rows) that may hold an
    instance of a class with ``__get__``: reading a descriptor calls its ``__get__``."""
    S = pt.interner
    mode = calls.column("mode")
    prop = pc.fill_null(pc.equal(mode, CallMode.PROP), False).to_numpy(zero_copy_only=False)
    m = prop[li] & (S.kinds(v) == K_I)
    get = S.lookup(pa.array(["__get__"], pa.string()))[0]
    if not m.any() or get < 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    rows, q = li[m], S.quals(v[m])
    own = pt.mro_owner(q, np.full(len(q), get, np.int64))
    h = own >= 0
    if not h.any():
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    names = [Val.FUNC + S.text(o) + ".__get__" for o in own[h].tolist()]
    fv = S.lookup(pa.array(names, pa.string()))
    ok = fv >= 0
    return rows[h][ok], fv[ok]


def _generator_resumes(
    pt: PointsTo, facts: dict[str, pa.Table], targets: Targets, callid: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(call node id, FUNCTION node id): a generator's body runs when the generator is
    iterated, not when the generator function is called (language reference,
    "Generator functions"), so ``next(g)``, ``for x in g``, ``list(g)``, ... (rows
    reading ``__iter__``/``__next__`` of a key that may hold the generator of ``f``)
    call ``f`` too (its first resume; the call that made ``g`` has its own edge).
    A generator function's ``<fkey>.<ret>`` holds ``l:<fkey>.<gen>`` (``Key.GEN``),
    whose elements are what it yields."""
    S = pt.interner
    calls = facts[RS_CALL]
    mode = calls.column("mode")
    implicit = pc.fill_null(pc.equal(mode, CallMode.IMPLICIT), False).to_numpy(zero_copy_only=False)
    proto = pc.fill_null(pc.equal(mode, CallMode.PROTO), False).to_numpy(zero_copy_only=False)
    names = S.lookup(pa.array(["__iter__", "__next__"], pa.string()))
    a_e, a_base, a_attr = (pt.column_ids(RS_ATTR, c) for c in ("e", "base", "attr"))
    am = np.isin(a_attr, names[names >= 0]) & (a_e >= 0) & (a_base >= 0)
    ae, ab = a_e[am], a_base[am]
    o = np.argsort(ae, kind="stable")
    ae, ab = ae[o], ab[o]
    # protocol rows are keyed by the read; implicit calls flow it into their key
    c_row, ai = _reads_called(pt, np.flatnonzero(implicit), np.flatnonzero(proto), ae)
    base = ab[ai]
    if not len(c_row):
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    li, v = pt.values_of(base)
    m = S.kinds(v) == K_L
    li, v = li[m], v[m]
    if not len(v):
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    uv, inv = uinv(S.quals(v))
    fnames = [S.text(q) for q in uv.tolist()]
    fval = S.lookup(
        pa.array(
            [Val.FUNC + q[: -len(Key.GEN)] if q.endswith(Key.GEN) else "" for q in fnames],
            pa.string(),
        )
    )[inv]
    ok = fval >= 0
    src, dst = targets.join(callid[c_row[li[ok]]], fval[ok])
    # ``iter(f, sentinel)`` (``CALLABLE_ITER``): iterating it calls what ``f`` holds
    ckey = S.lookup(
        pa.array([q + "f" if q.endswith(CALLABLE_ITER) else "" for q in fnames], pa.string())
    )[inv]
    ci = ckey >= 0
    if ci.any():
        fi, fv = pt.values_of(ckey[ci])
        fv = _norm(S, fv)
        m = _kind_in(S, fv, (K_F,))
        s2, d2 = targets.join(callid[c_row[li[ci]]][fi[m]], fv[m])
        src, dst = np.concatenate([src, s2]), np.concatenate([dst, d2])
    return _distinct(src, dst)


# A method called on a receiver the points-to sets know nothing about (a parameter
# fed only from outside the repository, by tests or a framework) may be any method of
# that name in the repository: the call gets an edge to each when the name is
# defined by at most this many classes (a rarer name says more about the receiver).
UNKNOWN_RECEIVER_LIMIT = 4


def _reads_called(
    pt: PointsTo, flowing: np.ndarray, keyed: np.ndarray, ae: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(call row, index into ``ae``) of the attribute reads (``ae``: their ``e`` keys,
    sorted) that call rows call: rows in ``flowing`` get the read flowed into their call
    key (``rs_flow`` dst=@call, src=#attribute), rows in ``keyed`` are keyed by it."""
    ck = pt.column_ids(RS_CALL, "ckey")
    fd, fs = pt.column_ids(RS_FLOW, "dst"), pt.column_ids(RS_FLOW, "src")
    fo = np.argsort(fd, kind="stable")
    fd, fs = fd[fo], fs[fo]
    lo = np.searchsorted(fd, ck[flowing], "left")
    hi = np.searchsorted(fd, ck[flowing], "right")
    ri, fi = expand(lo, hi - lo, None)
    c_row = np.concatenate([flowing[ri], keyed])
    c_e = np.concatenate([fs[fi], ck[keyed]])
    lo = np.searchsorted(ae, c_e, "left")
    hi = np.searchsorted(ae, c_e, "right")
    ci, ai = expand(lo, hi - lo, None)
    return c_row[ci], ai


def _unknown_receiver_calls(
    pt: PointsTo, facts: dict[str, pa.Table], callid: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(call node id, FUNCTION node id) for calls ``r.m(...)`` and property reads
    ``r.p`` whose receiver ``r`` and callee hold no value at all: every method
    (accessor) named ``m`` (``p``) of the repository, for rare enough names."""
    S = pt.interner
    calls = facts[RS_CALL]
    mode = calls.column("mode")
    is_call = pc.fill_null(pc.equal(mode, CallMode.CALL), False).to_numpy(zero_copy_only=False)
    is_prop = pc.fill_null(pc.equal(mode, CallMode.PROP), False).to_numpy(zero_copy_only=False)

    def empty(keys: np.ndarray) -> np.ndarray:
        return pt.fact_counts(keys) == 0

    # attribute reads with an empty receiver: e -> attr name
    ae, ab, an = (pt.column_ids(RS_ATTR, c) for c in ("e", "base", "attr"))
    m = empty(ab) & (ae >= 0) & (an >= 0)
    ae, an = ae[m], an[m]
    o = np.argsort(ae, kind="stable")
    ae, an = ae[o], an[o]
    # ``prop`` rows are keyed by the read; plain calls flow it into their key
    rows = np.flatnonzero((is_call | is_prop) & empty(pt.column_ids(RS_CALL, "ckey")))
    c_row, ai = _reads_called(pt, rows, rows[is_prop[rows]], ae)
    c_attr = an[ai]
    if not len(c_row):
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    # candidate methods by name: (name id, node id, accessor?) of rs_def methods
    d = facts[RS_DEF].filter(pc.is_valid(facts[RS_DEF].column("mkind")))
    quals = d.column("qual").to_pylist()
    names = [q.rpartition(".")[2] for q in quals]
    nid = _ints(d.column("node_id"))
    name_id = S.lookup(pa.array(names, pa.string()))
    fkeys = d.column("val").to_pylist()
    acc = set(facts[RS_PROP].column("fkey").to_pylist())
    is_acc = np.array([f[PREFIX_LEN:] in acc for f in fkeys], bool)
    dunder = np.array([n.startswith("__") for n in names], bool)
    ok = (name_id >= 0) & ~dunder
    # classes defining each name: rare names only
    cls = d.column("cls").to_pylist()
    per_name: dict[int, set[str]] = {}
    for i in np.flatnonzero(ok).tolist():
        per_name.setdefault(int(name_id[i]), set()).add(cls[i])
    rare = np.array(
        [
            ok[i] and len(per_name[int(name_id[i])]) <= UNKNOWN_RECEIVER_LIMIT
            for i in range(len(names))
        ],
        bool,
    )
    name_id, nid, is_acc = name_id[rare], nid[rare], is_acc[rare]
    o = np.argsort(name_id, kind="stable")
    name_id, nid, is_acc = name_id[o], nid[o], is_acc[o]
    lo = np.searchsorted(name_id, c_attr, "left")
    hi = np.searchsorted(name_id, c_attr, "right")
    qi, ti = expand(lo, hi - lo, None)
    row, node, acc_t = c_row[qi], nid[ti], is_acc[ti]
    # a property read calls accessors only; a call, methods that are not accessors
    keep = np.where(is_prop[row], acc_t, ~acc_t)
    return _distinct(callid[row[keep]], node[keep])


def build_outputs(
    inp: ResolveInput, pt: PointsTo, facts: dict[str, pa.Table], mm: ModuleMap, h: Hierarchy
) -> ResolveOutput:
    # the fixed point is done: interning more strings here cannot change its ids
    S = pt.interner
    targets = Targets(S, facts[RS_DEF], mm)
    edges: list[pa.Table] = []
    xedges: list[pa.Table] = []
    props: list[pa.Table] = []

    # CALL
    calls = facts[RS_CALL]
    callid = _ints(calls.column("callid"))
    li, v, held = pt.column_callees(RS_CALL, "ckey")
    keep = _implicit_kept(S, calls, facts[RS_PROP], li, v)
    props.append(_callee_bounded(callid[li[keep & held]], _norm(S, v[keep & held])))
    d_li, d_v = _descriptor_calls(pt, calls, li, v)
    li, v = np.concatenate([li[keep], d_li]), np.concatenate([v[keep], d_v])
    c_src, c_v = _distinct(callid[li], _norm(S, v))
    (e_src, e_dst), (x_src, x_dst) = _resolved_to(S, targets, c_src, c_v, (K_F, K_C))
    u_src, u_dst = _unknown_receiver_calls(pt, facts, callid)
    g_src, g_dst = _generator_resumes(pt, facts, targets, callid)
    w_src, w_dst = targets.join(*pt.iterated_by_calls(facts))
    e_src, e_dst = _distinct(
        np.concatenate([e_src, u_src, g_src, w_src]), np.concatenate([e_dst, u_dst, g_dst, w_dst])
    )
    edges.append(_edges(e_src, e_dst, EdgeKind.CALL))
    xedges.append(_xedges(x_src, x_dst, EdgeKind.CALL))
    call_edges = len(e_src) + len(x_src)
    resolved = usort(np.concatenate([e_src, x_src]))
    # caller of every resolved call (distinct callid, caller)
    de = pc.dictionary_encode(calls.column("caller").combine_chunks())
    code = de.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)
    m = isin_sorted(callid, resolved)
    cr_id, cr_code = _distinct(callid[m], code[m])
    cr_name = de.dictionary.take(pa.array(cr_code, mask=cr_code < 0))  # -1: null caller
    props.append(_props(cr_id, "caller", cr_name))
    unresolved = 0
    nodes = inp.nodes
    if nodes.num_rows:
        # select before filtering: only two of the node table's columns are needed
        cn = nodes.select(["node_id", "name", "kind"])
        calls_n = cn.filter(
            pc.and_(pc.equal(cn.column("kind"), NodeKind.CALL), pc.is_valid(cn.column("name")))
        ).select(["node_id", "name"])
        keep = ~isin_sorted(_ints(calls_n.column("node_id")), resolved)
        unres = calls_n.filter(pa.array(keep))
        props.append(_props(unres.column("node_id"), "callee", unres.column("name")))
        unresolved = unres.num_rows

    # IMPORTS
    s = pt.seeds
    edges.append(_edges(s.mod_src, s.mod_dst, EdgeKind.IMPORTS))
    xedges.append(_xedges(s.mod_ext_src, s.mod_ext_dst, EdgeKind.IMPORTS))
    edges.append(_edges(s.stmt_src, s.stmt_dst, EdgeKind.IMPORTS))
    xedges.append(_xedges(s.stmt_ext_src, s.stmt_ext_dst, EdgeKind.IMPORTS))
    imp = facts[RS_IMPORT]
    imp = imp.filter(pc.fill_null(pc.equal(imp.column("kind"), ImportKind.FROM), False))
    i_src, i_v = _uses(pt, _ints(imp.column("stmt_id")), imp.column("akey"))
    (e_src, e_dst), (x_src, x_dst) = _resolved_to(S, targets, i_src, i_v, None)
    edges.append(_edges(e_src, e_dst, EdgeKind.IMPORTS))
    xedges.append(_xedges(x_src, x_dst, EdgeKind.IMPORTS))

    # REF across modules
    use = facts[RS_USE]
    u_src, u_v = _uses(pt, _ints(use.column("node_id")), use.column("akey"))
    (e_src, e_dst), (x_src, x_dst) = _resolved_to(S, targets, u_src, u_v, None)
    edges.append(_edges(e_src, e_dst, EdgeKind.REF))
    xedges.append(_xedges(x_src, x_dst, EdgeKind.REF))

    # INHERITS (the raw values: a base is a class, not a bound method) and MRO
    base = facts[RS_BASE]
    bi, bv = pt.values_of(S.lookup(base.column("key")))
    ok = _kind_in(S, bv, (K_C, K_X))
    bi, bv = bi[ok], bv[ok]
    # the CLASS node(s) of each base row's class: definitions with value ``c:<cls>``
    cls_val = S.lookup(pc.binary_join_element_wise(Val.CLASS, base.column("cls"), ""))
    row, node = targets.join(np.arange(len(bi)), cls_val[bi])
    src, v = node, bv[row]
    (e_src, e_dst), (x_src, x_dst) = _resolved_to(S, targets, src, v, (K_C,))
    edges.append(_edges(e_src, e_dst, EdgeKind.INHERITS))
    xedges.append(_xedges(x_src, x_dst, EdgeKind.INHERITS))
    cdefs = facts[RS_DEF].filter(pc.starts_with(facts[RS_DEF].column("val"), Val.CLASS))
    mro_n: list[int] = []
    mro_v: list[str] = []
    err_n: list[int] = []
    err_v: list[str] = []
    for nid, q in zip(
        cdefs.column("node_id").to_pylist(), cdefs.column("qual").to_pylist(), strict=False
    ):
        seq = [v[PREFIX_LEN:] for v in h.mro.get(q, [Val.CLASS + q])]
        if "builtins.object" not in seq:
            seq.append("builtins.object")
        mro_n.append(nid)
        mro_v.append(",".join(seq))
        if q in h.errors:
            err_n.append(nid)
            err_v.append(h.errors[q])
    props.append(_props(mro_n, "mro", mro_v))
    props.append(_props(err_n, "mro_error", err_v))

    out = ResolveOutput(
        edges=pa.concat_tables(edges),
        xedges=pa.concat_tables(xedges),
        props=pa.concat_tables(props),
    )
    out.stats.update(
        {"call_edges": call_edges, "unresolved_calls": unresolved, "classes": len(h.mro)}
    )
    return out
