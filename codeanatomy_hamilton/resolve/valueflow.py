"""Cross-file value-flow edges, from the points-to fixed point, the call graph and the
per-file ``vf_*`` facts of ``extract.valueflow`` (kinds in docs/tables.md):

* FLOW_ARG: argument -> PARAMETER of every resolved callee (positional, keyword,
  ``*args``/``**kwargs`` packing, ``*x``/``**x`` unpacking, the receiver -> ``self`` /
  ``cls`` of a bound method, constructors through ``__init__`` / ``__new__`` found on
  the class's MRO; values handed to a function called back: ``map``/``filter``/
  ``sorted(key=)``/... iterables, ``functools.partial`` arguments, a decorated def);
* FLOW_RETURN: returned or yielded value -> the CALL node of every resolved call site
  (also a ``map``/``reduce`` callback's -> that call, a decorator's -> its expression);
* FLOW_CALL: an input of a call with no callee in the repository (external or
  unresolved) -> its result, receiver or another argument, as the models say
  (``codeanatomy_hamilton.models``; no model: every input -> the result; an element
  read such as ``d.get(k)`` on a tracked container: not the receiver). ``label``
  names the model (``*`` for the default), ``variable`` holds ``sanitizes:<tags>``;
* FLOW_ATTR: attribute store -> loads of the same attribute on an object that may be
  the same (points-to values; instances are per class, refined by the allocation site
  of locals bound once), class attributes through the MRO, module variables read as
  ``mod.x``; ``label`` ``base`` for a load from an object the analysis does not track
  (external, unknown): the base's value -> the load;
* FLOW_ELEM: container element store -> element loads of the same container, by
  constant index / key when both sides have one; ``label`` ``base`` for reads from a
  container whose stores are not all known: the base's value -> the load;
* FLOW_EXC: a value raised in a callee -> the ``except ... as e`` handlers of the
  ``try`` around the call (one call level; the same function is per-file).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from codeanatomy_hamilton.core.arrays import (
    distinct_pairs,
    isin_sorted,
    usort,
)
from codeanatomy_hamilton.core.schema import EDGE_SCHEMA
from codeanatomy_hamilton.core.vocabulary import (
    PREFIX_LEN,
    RS_CALL,
    RS_DEF,
    VF_ARG,
    VF_HOF,
    VF_IMPLICIT,
    VF_PARAM,
    VF_RAISE,
    VF_RET,
    VF_TRY,
    CallMode,
    EdgeKind,
    MethodKind,
    Val,
)
from codeanatomy_hamilton.models import Model, load_models
from codeanatomy_hamilton.resolve.flow_tables import (
    CONTAINER_KINDS,
    chars,
    concat_pairs,
    edges,
    ints,
    strings,
    values_of_keys,
)
from codeanatomy_hamilton.resolve.points_to.interner import K_B, K_C, K_F, K_X
from codeanatomy_hamilton.resolve.valueflow_heap import attr_edges, elem_edges


def _of_mode(li: np.ndarray, v: np.ndarray, mode: Any) -> tuple[np.ndarray, np.ndarray]:
    """The (call row, value) pairs whose call row is selected by the boolean ``mode``
    column (nulls unselected)."""
    sel = np.asarray(pc.fill_null(mode, False).to_numpy(zero_copy_only=False), bool)[li]
    return li[sel], v[sel]


class _Calls:
    """(callid, FUNCTION node, shift, ctor) of every explicit call with a resolved
    function or constructor in the repository, and (callid, qualname) of external
    callees."""

    def __init__(self, pt: Any, facts: dict[str, pa.Table], targets: Any, hier: Any) -> None:
        S = pt.interner
        calls = facts[RS_CALL]
        callid = ints(calls.column("callid"))
        mode = calls.column("mode")
        # what every call key may hold, read once for the explicit, implicit and
        # called-back calls below
        li_all, v_all = pt.values_of(pt.column_ids(RS_CALL, "ckey"))
        li, v = _of_mode(li_all, v_all, pc.equal(mode, CallMode.CALL))
        kind = S.kinds(v)
        # plain functions and bound methods (the receiver shifts the parameters)
        c0, f0, b0 = self._bound(pt, targets, callid, li, v)
        c = [c0]
        f = [f0]
        sh = [b0.astype(np.int64)]
        ct = [np.zeros(len(c0), np.int8)]
        # constructors: __init__ / __new__ of the first class on the MRO defining them
        cm = np.nonzero(kind == K_C)[0]
        if len(cm):
            init = _constructors(facts, hier)
            quals = S.decode(S.quals(v[cm])).to_pylist()
            cc: list[int] = []
            cf: list[int] = []
            ck: list[int] = []
            for r, q in zip(cm.tolist(), quals, strict=True):
                for fnode, how in init.get(q, ()):
                    cc.append(int(callid[li[r]]))
                    cf.append(fnode)
                    ck.append(how)
            c.append(np.array(cc, np.int64))
            f.append(np.array(cf, np.int64))
            sh.append(np.ones(len(cc), np.int64))
            ct.append(np.array(ck, np.int8))
        self.callid = np.concatenate(c)
        self.fnode = np.concatenate(f)
        self.shift = np.concatenate(sh)
        self.ctor = np.concatenate(ct)
        # implicit calls (iteration, ``with``) and functions called back (builtins
        # calling a function argument, ``functools.partial``, decorators): (callid,
        # function, bound) of their resolved functions and methods
        self.i_callid, self.i_fnode, self.i_bound = self._bound(
            pt, targets, callid, *_of_mode(li_all, v_all, pc.equal(mode, CallMode.IMPLICIT))
        )
        hof = pc.is_in(mode, value_set=pa.array([CallMode.HOF, CallMode.DECO]))
        self.h_callid, self.h_fnode, self.h_bound = self._bound(
            pt, targets, callid, *_of_mode(li_all, v_all, hof)
        )
        x = kind == K_X
        self.x_call = callid[li[x]]
        self.x_qual = S.decode(S.quals(v[x])).to_pylist() if x.any() else []

    @staticmethod
    def _bound(
        pt: Any, targets: Any, callid: np.ndarray, li: np.ndarray, v: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(callid, FUNCTION node, bound method?) of the functions and bound methods
        among the (call row, value) pairs ``li``, ``v``."""
        S = pt.interner
        k = S.kinds(v)
        b = k == K_B
        f = v.copy()
        if b.any():
            f[b] = S.prefixed(Val.FUNC, S.quals(v[b]))
        m = np.nonzero((k == K_F) | b)[0]
        r, n = targets.join(m, f[m])
        return callid[li[r]], n, b[r]

    def table(self) -> pa.Table:
        return pa.table(
            {
                "callid": pa.array(self.callid, pa.int64()),
                "fnode": pa.array(self.fnode, pa.int64()),
                "shift": pa.array(self.shift, pa.int32()),
                "ctor": pa.array(self.ctor, pa.int8()),
            }
        )


INIT, NEW = 1, 2  # ``_Calls.ctor``: 0 a plain call, else how a constructor call runs it


def _constructors(facts: dict[str, pa.Table], hier: Any) -> dict[str, list[tuple[int, int]]]:
    """class qualname -> (node, INIT or NEW) of its ``__init__`` and ``__new__`` (a
    dataclass without them: the class node, whose parameters are its fields). The
    value of the call is what ``__new__`` returns, never what ``__init__`` does."""
    defs = facts[RS_DEF]
    class_quals = {
        v[PREFIX_LEN:]
        for v in defs.column("val").to_pylist()
        if v is not None and v.startswith(Val.CLASS)
    }
    by_qual: dict[str, list[int]] = {}
    for nid, q in zip(
        defs.column("node_id").to_pylist(), defs.column("qual").to_pylist(), strict=True
    ):
        if q and (q.endswith(".__init__") or q.endswith(".__new__")):
            by_qual.setdefault(q, []).append(nid)
    vp = facts[VF_PARAM]
    fields = {
        q: f
        for q, f, m in zip(
            vp.column("qual").to_pylist(),
            vp.column("fnode").to_pylist(),
            vp.column("mkind").to_pylist(),
            strict=True,
        )
        if q and m is None and q in class_quals
    }
    out: dict[str, list[tuple[int, int]]] = {}
    for cls in set(hier.mro) | class_quals:
        mro = [
            m[PREFIX_LEN:] for m in hier.mro.get(cls, [Val.CLASS + cls]) if m.startswith(Val.CLASS)
        ]
        found: list[tuple[int, int]] = []
        for meth, how in (("__init__", INIT), ("__new__", NEW)):
            for k in mro:
                hit = by_qual.get(k + "." + meth)
                if hit:
                    found.extend((h, how) for h in hit)
                    break
        if not found:
            # a dataclass: its generated __init__ is the class node's own parameters
            for k in mro:
                hit = fields.get(k)
                if hit:
                    found.append((hit, INIT))
                    break
        if found:
            out[cls] = found
    return out


def value_flow_edges(
    pt: Any, facts: dict[str, pa.Table], targets: Any, hier: Any
) -> tuple[pa.Table, dict[str, int]]:
    """Every cross-file value-flow edge (see module docstring) and counts per kind."""
    models = load_models()
    calls = _Calls(pt, facts, targets, hier)
    parts = [
        _arg_edges(facts, calls),
        _return_edges(facts, calls),
        *_callback_edges(facts, calls),
        _call_edges(pt, facts, calls, models),
        *attr_edges(pt, facts, hier),
        *elem_edges(pt, facts, calls.callid, calls.x_call),
        _exc_edges(facts, calls),
    ]
    out = pa.concat_tables(parts)
    kinds = pc.value_counts(out.column("kind")).to_pylist() if out.num_rows else []
    stats = {"flow_" + d["values"].lower(): d["counts"] for d in kinds}
    return out, stats


# -- FLOW_ARG / FLOW_RETURN ---------------------------------------------------------
def _arg_edges(facts: dict[str, pa.Table], calls: _Calls) -> pa.Table:
    args = facts[VF_ARG].select(["callid", "kind", "pos", "kw", "node_id"])
    params = facts[VF_PARAM].select(["fnode", "kind", "pos", "name", "node_id", "mkind"])
    params = params.rename_columns(["fnode", "pkind", "ppos", "name", "pnode", "mkind"])
    j = args.join(calls.table(), "callid", join_type="inner")
    if not j.num_rows or not params.num_rows:
        return EDGE_SCHEMA.empty_table()
    # positional parameters of each function (for packing into *args)
    pp = facts[VF_PARAM]
    ppk = chars(pp.column("kind"))
    uf, npos = np.unique(ints(pp.column("fnode"))[ppk == "p"], return_counts=True)
    # (argument, callee) rows a slice at a time, each joined to all the callee's
    # parameters (every decision below is about one argument row and its own
    # parameter rows, which a slice keeps together), so memory stays bounded
    found = []
    for off in range(0, j.num_rows, ARG_CHUNK):
        jp = j.slice(off, ARG_CHUNK).join(params, "fnode", join_type="inner")
        found.append(_arg_pairs(jp, uf, npos))
    return edges(*concat_pairs(found), EdgeKind.FLOW_ARG)


# (argument, callee) rows joined to their callee's parameters at once (``_arg_edges``)
ARG_CHUNK = 500_000


def _arg_pairs(jp: pa.Table, uf: np.ndarray, npos: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct (argument, PARAMETER) pairs of the (argument, callee, parameter) rows."""
    kind = chars(jp.column("kind"))
    pkind = chars(jp.column("pkind"))
    pos = ints(jp.column("pos"))
    ppos = ints(jp.column("ppos"))
    shift = ints(jp.column("shift"))
    # a classmethod always gets its class first, a staticmethod never gets a receiver,
    # however the points-to value of the callee says it was reached
    mk = chars(jp.column("mkind"))
    shift = np.where(mk == MethodKind.CLASS, 1, np.where(mk == MethodKind.STATIC, 0, shift))
    ctor = ints(jp.column("ctor")) != 0
    # keyword and parameter names as codes of one dictionary (null never matches)
    nk = jp.num_rows
    names = pc.dictionary_encode(strings([jp.column("kw"), jp.column("name")]))
    codes = names.indices
    kw = ints(codes.slice(0, nk).fill_null(-1))
    name = ints(codes.slice(nk).fill_null(-2))
    fnode = ints(jp.column("fnode"))
    nparam = np.zeros(len(fnode), np.int64)
    if len(uf):
        idx = np.minimum(np.searchsorted(uf, fnode), len(uf) - 1)
        hit = uf[idx] == fnode
        nparam[hit] = npos[idx[hit]]
    apos = pos + shift
    # keyword arguments matched by name; a keyword no parameter takes goes to **kwargs
    isk = kind == "k"
    kw_taken = np.zeros(len(kind), bool)
    if isk.any():
        # (function, keyword) pairs some named parameter takes, as one int key
        _u, finv = np.unique(fnode, return_inverse=True)
        key = finv.astype(np.int64) * (len(names.dictionary) + 1) + kw + 1
        match = isk & ((pkind == "p") | (pkind == "k")) & (kw == name)
        kw_taken = isk & isin_sorted(key, usort(key[match]))
    m = (
        ((kind == "p") & (pkind == "p") & (ppos == apos))
        | ((kind == "p") & (pkind == "v") & (apos >= nparam))
        | ((kind == "k") & ((pkind == "p") | (pkind == "k")) & (kw == name))
        | ((kind == "k") & (pkind == "w") & ~kw_taken)
        | ((kind == "s") & (((pkind == "p") & (ppos >= apos)) | (pkind == "v")))
        | ((kind == "w") & (((pkind == "p") & (ppos >= shift)) | (pkind == "k") | (pkind == "w")))
        | ((kind == "r") & (shift == 1) & ~ctor & (pkind == "p") & (ppos == 0))
    )
    src = ints(jp.column("node_id"))[m]
    dst = ints(jp.column("pnode"))[m]
    return distinct_pairs(src, dst)[:2]


def _return_edges(facts: dict[str, pa.Table], calls: _Calls) -> pa.Table:
    ret = facts[VF_RET]
    t = calls.table()
    t = t.filter(pc.not_equal(t.column("ctor"), INIT))
    j = ret.join(t, "fnode", join_type="inner")
    out = [edges(ints(j.column("node_id")), ints(j.column("callid")), EdgeKind.FLOW_RETURN)]
    # implicit calls: what __iter__/__next__/__enter__ return reaches the loop / with
    # target; the iterated object / context manager is their self
    imp = pa.table(
        {
            "callid": pa.array(calls.i_callid, pa.int64()),
            "fnode": pa.array(calls.i_fnode, pa.int64()),
            "bound": pa.array(calls.i_bound, pa.bool_()),
        }
    )
    vi = facts[VF_IMPLICIT].rename_columns(["callid", "target", "recv"])
    ji = imp.join(vi, "callid", join_type="inner")
    jr = ji.join(ret.rename_columns(["fnode", "rkind", "rnode"]), "fnode", join_type="inner")
    out.append(edges(ints(jr.column("rnode")), ints(jr.column("target")), EdgeKind.FLOW_RETURN))
    pp = (
        facts[VF_PARAM]
        .filter(
            pc.and_(
                pc.equal(facts[VF_PARAM].column("kind"), "p"),
                pc.equal(facts[VF_PARAM].column("pos"), 0),
            )
        )
        .select(["fnode", "node_id"])
    )
    jb = ji.filter(ji.column("bound")).join(pp, "fnode", join_type="inner")
    out.append(edges(ints(jb.column("recv")), ints(jb.column("node_id")), EdgeKind.FLOW_ARG))
    return pa.concat_tables(out)


def _callback_edges(facts: dict[str, pa.Table], calls: _Calls) -> list[pa.Table]:
    """Functions called back (``map(f, xs)``, ``sorted(xs, key=f)``,
    ``functools.partial(f, a)``, decorators): the values ``vf_hof`` names -> the
    parameters of every resolved callback (after ``self`` for a bound method), and
    what the callback returns -> the calling node where the result holds it."""
    h = facts[VF_HOF]
    if not h.num_rows or not len(calls.h_callid):
        return []
    t = pa.table(
        {
            "callid": pa.array(calls.h_callid, pa.int64()),
            "fnode": pa.array(calls.h_fnode, pa.int64()),
            "bound": pa.array(calls.h_bound.astype(np.int64), pa.int64()),
        }
    )
    j = h.join(t, "callid", join_type="inner")
    params = facts[VF_PARAM].select(["fnode", "kind", "pos", "name", "node_id", "mkind"])
    params = params.rename_columns(["fnode", "pkind", "ppos", "name", "pnode", "mkind"])
    jp = j.join(params, "fnode", join_type="inner")
    mk = chars(jp.column("mkind"))
    shift = np.where(
        mk == MethodKind.CLASS, 1, np.where(mk == MethodKind.STATIC, 0, ints(jp.column("bound")))
    )
    pkind = chars(jp.column("pkind"))
    pos = ints(jp.column("pos"))
    nk = jp.num_rows
    names = pc.dictionary_encode(strings([jp.column("kw"), jp.column("name")])).indices
    kw = ints(names.slice(0, nk).fill_null(-1))
    name = ints(names.slice(nk).fill_null(-2))
    m = ((pkind == "p") & (kw < 0) & (pos >= 0) & (ints(jp.column("ppos")) == pos + shift)) | (
        ((pkind == "p") | (pkind == "k")) & (kw == name)
    )
    out = [edges(ints(jp.column("node_id"))[m], ints(jp.column("pnode"))[m], EdgeKind.FLOW_ARG)]
    r = j.filter(pc.equal(j.column("ret"), 1)).select(["callid", "fnode"])
    ret = facts[VF_RET]
    ret = ret.filter(pc.equal(ret.column("kind"), "r")).select(["fnode", "node_id"])
    jr = r.join(ret, "fnode", join_type="inner")
    out.append(edges(ints(jr.column("node_id")), ints(jr.column("callid")), EdgeKind.FLOW_RETURN))
    return out


# -- FLOW_CALL ------------------------------------------------------------------------
# method models that read an element of their receiver (``d.get(k)``, ``d.pop(k)``):
# on a container the analysis tracks, FLOW_ELEM reads the element by its key, so the
# model's "receiver -> result" would only add every other element
_ELEM_READS = frozenset({".get", ".pop", ".setdefault", ".popitem", ".popleft"})


def _tracked_receivers(pt: Any, args: pa.Table) -> set[int]:
    """Calls whose receiver may only be containers the analysis tracks (allocation
    sites in the repository, whose element stores FLOW_ELEM follows)."""
    S = pt.interner
    r = args.filter(pc.equal(args.column("kind"), "r"))
    if not r.num_rows:
        return set()
    li, lv = values_of_keys(pt, r.column("key"))
    has = np.zeros(r.num_rows, bool)
    has[li] = True
    other = np.zeros(r.num_rows, bool)
    other[li[~CONTAINER_KINDS[S.kinds(lv)]]] = True
    return set(ints(r.column("callid"))[has & ~other].tolist())


def _call_edges(
    pt: Any, facts: dict[str, pa.Table], calls: _Calls, models: dict[str, Model]
) -> pa.Table:
    args = facts[VF_ARG]
    if not args.num_rows:
        return EDGE_SCHEMA.empty_table()
    callid = ints(args.column("callid"))
    node = ints(args.column("node_id"))
    # calls with a callee in the repository and none outside it pass nothing here
    ext = isin_sorted(callid, usort(calls.x_call))
    todo = ~isin_sorted(callid, usort(calls.callid)) | ext
    # external callees with a model, per call
    by_call: dict[int, list[Model]] = {}
    if calls.x_qual:
        # one model lookup per distinct qualname, a Python loop only over modelled calls
        xq = pc.dictionary_encode(pa.array(calls.x_qual, pa.string()))
        found = [models.get(q) for q in xq.dictionary.to_pylist()]
        has = np.array([m is not None for m in found], bool)
        qcode = xq.indices.to_numpy(zero_copy_only=False)
        for r in np.flatnonzero(has[qcode]).tolist():
            by_call.setdefault(int(calls.x_call[r]), []).append(found[qcode[r]])
    q_model = isin_sorted(callid, usort(np.array(list(by_call), np.int64)))
    de = pc.dictionary_encode(args.column("meth").combine_chunks())
    has_m = np.array([("." + m) in models for m in de.dictionary.to_pylist()] + [False])
    mcode = de.indices.fill_null(len(has_m) - 1).to_numpy(zero_copy_only=False)
    m_model = has_m[mcode]
    # no model: every input -> the result (vectorised: most calls)
    d = todo & ~q_model & ~m_model
    parts = [edges(node[d], callid[d], EdgeKind.FLOW_CALL, label="*")]
    # the calls with a model, one at a time
    sel = np.flatnonzero(todo & (q_model | m_model))
    if len(sel):
        sel = sel[np.argsort(callid[sel], kind="stable")]  # a call's rows together
        sub = args.take(pa.array(sel))
        parts.append(_model_edges(sub, by_call, models, _tracked_receivers(pt, sub)))
    return pa.concat_tables(parts)


def _model_edges(
    args: pa.Table,
    by_call: dict[int, list[Model]],
    models: dict[str, Model],
    tracked: set[int],
) -> pa.Table:
    callid = ints(args.column("callid"))
    meth = args.column("meth").to_pylist()
    kind = args.column("kind").to_pylist()
    apos = args.column("pos").to_pylist()
    kw = args.column("kw").to_pylist()
    node = ints(args.column("node_id"))
    srcs: list[int] = []
    dsts: list[int] = []
    labels: list[str] = []
    tags: list[str | None] = []
    starts = np.flatnonzero(np.r_[True, callid[1:] != callid[:-1]])
    ends = np.r_[starts[1:], len(callid)]
    for a, b in zip(starts.tolist(), ends.tolist(), strict=True):
        c = int(callid[a])
        mdls = by_call.get(c)
        if mdls is None:
            mdls = [models["." + meth[a]]]
        recv = next((int(node[i]) for i in range(a, b) if kind[i] == "r"), None)
        for mdl in mdls:
            tag = "sanitizes:" + ",".join(mdl.sanitizes) if mdl.sanitizes else None
            elem_read = mdl.key in _ELEM_READS and c in tracked
            for s_spec, d_spec in mdl.flows:
                if elem_read and s_spec == "receiver" and d_spec == "result":
                    continue
                if d_spec == "result":
                    dst = c
                elif d_spec == "receiver":
                    dst = recv
                else:
                    want = int(d_spec[3:])
                    dst = next(
                        (int(node[i]) for i in range(a, b) if kind[i] == "p" and apos[i] == want),
                        None,
                    )
                if dst is None:
                    continue
                for i in range(a, b):
                    if _matches(s_spec, kind[i], apos[i], kw[i]):
                        srcs.append(int(node[i]))
                        dsts.append(dst)
                        labels.append(mdl.key)
                        tags.append(tag)
    return edges(
        np.array(srcs, np.int64), np.array(dsts, np.int64), EdgeKind.FLOW_CALL, labels, tags
    )


def _matches(spec: str, kind: str, pos: int, kw: str | None) -> bool:
    if spec == "any":
        return True
    if spec == "receiver":
        return kind == "r"
    if spec == "args":
        return kind in ("p", "s")
    if spec == "kwargs":
        return kind in ("k", "w")
    if spec.startswith("kw:"):
        return kind == "k" and kw == spec[3:]
    # argN: that position (or a *x that may cover it)
    return (kind == "p" and pos == int(spec[3:])) or (kind == "s" and pos <= int(spec[3:]))


# -- FLOW_EXC -------------------------------------------------------------------------
def _exc_edges(facts: dict[str, pa.Table], calls: _Calls) -> pa.Table:
    tr, rz = facts[VF_TRY], facts[VF_RAISE]
    if not tr.num_rows or not rz.num_rows:
        return EDGE_SCHEMA.empty_table()
    j = tr.rename_columns(["callid", "handler"]).join(calls.table(), "callid", join_type="inner")
    j = j.join(rz.rename_columns(["fnode", "exc"]), "fnode", join_type="inner")
    return edges(ints(j.column("exc")), ints(j.column("handler")), EdgeKind.FLOW_EXC)
