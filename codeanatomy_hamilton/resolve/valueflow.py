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

from codeanatomy_hamilton.core.schema import EDGE_SCHEMA
from codeanatomy_hamilton.core.vocabulary import (
    PREFIX_LEN,
    RS_CALL,
    RS_DEF,
    VF_ARG,
    VF_ATTR,
    VF_ELEM,
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
from codeanatomy_hamilton.resolve.points_to.arrays import (
    distinct_pairs,
    expand,
    isin_sorted,
    usort,
)
from codeanatomy_hamilton.resolve.points_to.interner import K_B, K_C, K_F, K_I, K_L, K_M, K_X

_OBJ = np.zeros(16, bool)
_OBJ[[K_I, K_C, K_M]] = True
_CONT = np.zeros(16, bool)
_CONT[K_L] = True


def _ints(col: Any) -> np.ndarray:
    if isinstance(col, pa.ChunkedArray):
        col = col.combine_chunks() if col.num_chunks else pa.array([], pa.int64())
    return np.asarray(col.fill_null(0).to_numpy(zero_copy_only=False), np.int64)


def _edges(
    src: np.ndarray, dst: np.ndarray, kind: str, label: Any = None, var: Any = None
) -> pa.Table:
    src, dst, first = distinct_pairs(np.asarray(src, np.int64), np.asarray(dst, np.int64))
    keep = src != dst
    n = int(keep.sum())
    cols: dict[str, Any] = {"src_id": src[keep], "dst_id": dst[keep]}
    arrays = []
    for f in EDGE_SCHEMA:
        if f.name in cols:
            arrays.append(pa.array(cols[f.name], f.type))
        elif f.name == "kind":
            arrays.append(pa.array([kind] * n, f.type))
        elif f.name == "label" and label is not None:
            arrays.append(_pick(label, first, keep, n, f.type))
        elif f.name == "variable" and var is not None:
            arrays.append(_pick(var, first, keep, n, f.type))
        else:
            arrays.append(pa.nulls(n, f.type))
    return pa.table(arrays, schema=EDGE_SCHEMA)


def _pick(v: Any, first: np.ndarray, keep: np.ndarray, n: int, t: pa.DataType) -> pa.Array:
    if isinstance(v, str):
        return pa.array([v] * n, t)
    return pa.array(np.asarray(v, object)[first][keep], t)


def _chars(col: Any) -> np.ndarray:
    """A column of one-letter codes (null: empty) as a fixed-width numpy array, whose
    comparisons run in C rather than per Python object."""
    return np.asarray(pc.fill_null(col, "").to_numpy(zero_copy_only=False), "U1")


def _strings(cols: list[Any]) -> pa.Array:
    """One string array of the given (chunked) columns, in order."""
    chunks: list[pa.Array] = []
    for c in cols:
        chunks.extend(c.chunks if isinstance(c, pa.ChunkedArray) else [c])
    return pa.chunked_array(chunks, pa.string()).combine_chunks()


def _values(pt: Any, keys: Any, bval: Any = None) -> tuple[np.ndarray, np.ndarray]:
    """(row, value id) of the objects each row's base key may hold, plus the value
    named directly in ``bval``."""
    S = pt.interner
    li, v = pt.values_of(S.lookup(keys))
    if bval is not None:
        direct = S.lookup(bval)
        ok = direct >= 0
        li = np.concatenate([li, np.nonzero(ok)[0]])
        v = np.concatenate([v, direct[ok]])
    return li, v


class _Calls:
    """(callid, FUNCTION node, shift, ctor) of every explicit call with a resolved
    function or constructor in the repository, and (callid, qualname) of external
    callees."""

    def __init__(self, pt: Any, facts: dict[str, pa.Table], targets: Any, hier: Any) -> None:
        S = pt.interner
        calls = facts[RS_CALL]
        callid = _ints(calls.column("callid"))
        explicit = np.asarray(
            pc.fill_null(pc.equal(calls.column("mode"), CallMode.CALL), False).to_numpy(
                zero_copy_only=False
            ),
            bool,
        )
        li, v = pt.values_of(pt.column_ids(RS_CALL, "ckey"))
        m = explicit[li]
        li, v = li[m], v[m]
        kind = S.kinds(v)
        bound = kind == K_B
        fval = v.copy()
        if bound.any():
            fval[bound] = S.prefixed(Val.FUNC, S.quals(v[bound]))
        # plain functions and bound methods
        fm = (kind == K_F) | bound
        row, node = targets.join(np.nonzero(fm)[0], fval[fm])
        c = [callid[li[row]]]
        f = [node]
        sh = [bound[row].astype(np.int64)]
        ct = [np.zeros(len(row), np.int8)]
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
        li2, v2 = pt.values_of(pt.column_ids(RS_CALL, "ckey"))
        self.i_callid, self.i_fnode, self.i_bound = self._bound(
            pt, targets, callid, li2, v2, pc.equal(calls.column("mode"), "implicit")
        )
        hof = pc.is_in(calls.column("mode"), value_set=pa.array(["hof", "deco"]))
        self.h_callid, self.h_fnode, self.h_bound = self._bound(pt, targets, callid, li2, v2, hof)
        x = kind == K_X
        self.x_call = callid[li[x]]
        self.x_qual = S.decode(S.quals(v[x])).to_pylist() if x.any() else []

    @staticmethod
    def _bound(
        pt: Any, targets: Any, callid: np.ndarray, li: np.ndarray, v: np.ndarray, mode: Any
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(callid, FUNCTION node, bound method?) of the rows of ``mode``."""
        S = pt.interner
        sel = np.asarray(pc.fill_null(mode, False).to_numpy(zero_copy_only=False), bool)[li]
        li, v = li[sel], v[sel]
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
        *_attr_edges(pt, facts, hier),
        *_elem_edges(pt, facts, calls),
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
    ppk = _chars(pp.column("kind"))
    uf, npos = np.unique(_ints(pp.column("fnode"))[ppk == "p"], return_counts=True)
    # (argument, callee) rows a slice at a time, each joined to all the callee's
    # parameters (every decision below is about one argument row and its own
    # parameter rows, which a slice keeps together), so memory stays bounded
    found = []
    for off in range(0, j.num_rows, ARG_CHUNK):
        jp = j.slice(off, ARG_CHUNK).join(params, "fnode", join_type="inner")
        found.append(_arg_pairs(jp, uf, npos))
    return _edges(*_pairs(found), EdgeKind.FLOW_ARG)


# (argument, callee) rows joined to their callee's parameters at once (``_arg_edges``)
ARG_CHUNK = 500_000


def _arg_pairs(jp: pa.Table, uf: np.ndarray, npos: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct (argument, PARAMETER) pairs of the (argument, callee, parameter) rows."""
    kind = _chars(jp.column("kind"))
    pkind = _chars(jp.column("pkind"))
    pos = _ints(jp.column("pos"))
    ppos = _ints(jp.column("ppos"))
    shift = _ints(jp.column("shift"))
    # a classmethod always gets its class first, a staticmethod never gets a receiver,
    # however the points-to value of the callee says it was reached
    mk = _chars(jp.column("mkind"))
    shift = np.where(mk == MethodKind.CLASS, 1, np.where(mk == MethodKind.STATIC, 0, shift))
    ctor = _ints(jp.column("ctor")) != 0
    # keyword and parameter names as codes of one dictionary (null never matches)
    nk = jp.num_rows
    names = pc.dictionary_encode(_strings([jp.column("kw"), jp.column("name")]))
    codes = names.indices
    kw = _ints(codes.slice(0, nk).fill_null(-1))
    name = _ints(codes.slice(nk).fill_null(-2))
    fnode = _ints(jp.column("fnode"))
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
    src = _ints(jp.column("node_id"))[m]
    dst = _ints(jp.column("pnode"))[m]
    return distinct_pairs(src, dst)[:2]


def _return_edges(facts: dict[str, pa.Table], calls: _Calls) -> pa.Table:
    ret = facts[VF_RET]
    t = calls.table()
    t = t.filter(pc.not_equal(t.column("ctor"), INIT))
    j = ret.join(t, "fnode", join_type="inner")
    out = [_edges(_ints(j.column("node_id")), _ints(j.column("callid")), EdgeKind.FLOW_RETURN)]
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
    out.append(_edges(_ints(jr.column("rnode")), _ints(jr.column("target")), EdgeKind.FLOW_RETURN))
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
    out.append(_edges(_ints(jb.column("recv")), _ints(jb.column("node_id")), EdgeKind.FLOW_ARG))
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
    mk = _chars(jp.column("mkind"))
    shift = np.where(
        mk == MethodKind.CLASS, 1, np.where(mk == MethodKind.STATIC, 0, _ints(jp.column("bound")))
    )
    pkind = _chars(jp.column("pkind"))
    pos = _ints(jp.column("pos"))
    nk = jp.num_rows
    names = pc.dictionary_encode(_strings([jp.column("kw"), jp.column("name")])).indices
    kw = _ints(names.slice(0, nk).fill_null(-1))
    name = _ints(names.slice(nk).fill_null(-2))
    m = ((pkind == "p") & (kw < 0) & (pos >= 0) & (_ints(jp.column("ppos")) == pos + shift)) | (
        ((pkind == "p") | (pkind == "k")) & (kw == name)
    )
    out = [_edges(_ints(jp.column("node_id"))[m], _ints(jp.column("pnode"))[m], EdgeKind.FLOW_ARG)]
    r = j.filter(pc.equal(j.column("ret"), 1)).select(["callid", "fnode"])
    ret = facts[VF_RET]
    ret = ret.filter(pc.equal(ret.column("kind"), "r")).select(["fnode", "node_id"])
    jr = r.join(ret, "fnode", join_type="inner")
    out.append(
        _edges(_ints(jr.column("node_id")), _ints(jr.column("callid")), EdgeKind.FLOW_RETURN)
    )
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
    li, lv = _values(pt, r.column("key"))
    has = np.zeros(r.num_rows, bool)
    has[li] = True
    other = np.zeros(r.num_rows, bool)
    other[li[~_CONT[S.kinds(lv)]]] = True
    return set(_ints(r.column("callid"))[has & ~other].tolist())


def _call_edges(
    pt: Any, facts: dict[str, pa.Table], calls: _Calls, models: dict[str, Model]
) -> pa.Table:
    args = facts[VF_ARG]
    if not args.num_rows:
        return EDGE_SCHEMA.empty_table()
    callid = _ints(args.column("callid"))
    node = _ints(args.column("node_id"))
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
    parts = [_edges(node[d], callid[d], EdgeKind.FLOW_CALL, label="*")]
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
    callid = _ints(args.column("callid"))
    meth = args.column("meth").to_pylist()
    kind = args.column("kind").to_pylist()
    apos = args.column("pos").to_pylist()
    kw = args.column("kw").to_pylist()
    node = _ints(args.column("node_id"))
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
    return _edges(
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


# -- FLOW_ATTR ------------------------------------------------------------------------
# load x store pairs FLOW_ATTR materialises at once (see ``_attr_edges``)
PAIR_CHUNK = 4_000_000


def _attr_edges(pt: Any, facts: dict[str, pa.Table], hier: Any) -> list[pa.Table]:
    S = pt.interner
    t = facts[VF_ATTR]
    if not t.num_rows:
        return []
    store = _ints(t.column("store")) == 1
    st, ld = t.filter(pa.array(store)), t.filter(pa.array(~store))
    # stores: (value, attr) of each store node
    si, sv = _values(pt, st.column("base"), st.column("bval"))
    ok = _OBJ[S.kinds(sv)]
    si, sv = si[ok], sv[ok]
    # loads: their objects, plus the classes on the MRO of each (class attributes)
    li, lv = _values(pt, ld.column("base"), ld.column("bval"))
    obj = _OBJ[S.kinds(lv)]
    li_o, lv_o = li[obj], lv[obj]
    # loads from objects the analysis does not track (see the end), decided now so
    # that the (row, value) pairs are freed before the stores are joined
    untracked = np.ones(ld.num_rows, bool)
    untracked[li_o] = False
    other = np.zeros(ld.num_rows, bool)
    other[li[~obj]] = True
    del li, lv, obj
    # attribute names as ints (one dictionary for both sides)
    names = _strings([st.column("attr"), ld.column("attr")])
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
    k_own, k_store = distinct_pairs(*_pairs(found))[:2]
    del found, lo, cnt, owner, okey
    k_lo = np.searchsorted(k_own, key_of_pair, "left")
    k_cnt = np.searchsorted(k_own, key_of_pair, "right") - k_lo
    s_node, l_node = _ints(st.column("node_id")), _ints(ld.column("node_id"))
    s_alloc, l_alloc = _ints(st.column("alloc")), _ints(ld.column("alloc"))
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
    out = [_edges(src, dst, EdgeKind.FLOW_ATTR)]
    # loads from objects the analysis does not track: the base's value -> the load
    # (a ``from m import X`` alias has no base node: a module outside the repository)
    base_node = _ints(ld.column("base_node"))
    fb = (untracked | other) & (base_node != 0)
    out.append(_edges(base_node[fb], l_node[fb], EdgeKind.FLOW_ATTR, label="base"))
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


def _pairs(parts: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    empty = np.zeros(0, np.int64)
    if not parts:
        return empty, empty
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])


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
def _elem_edges(pt: Any, facts: dict[str, pa.Table], calls: _Calls) -> list[pa.Table]:
    S = pt.interner
    t = facts[VF_ELEM]
    if not t.num_rows:
        return []
    store = _ints(t.column("store")) == 1
    st, ld = t.filter(pa.array(store)), t.filter(pa.array(~store))
    si, sv = _values(pt, st.column("base"), st.column("bval"))
    ok = _CONT[S.kinds(sv)]
    si, sv = si[ok], sv[ok]
    li, lv = _values(pt, ld.column("base"))
    cont = _CONT[S.kinds(lv)]
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
    slots = _strings([pc.utf8_slice_codeunits(st.column("slot"), 1), ld.column("slot")])
    de = pc.dictionary_encode(slots)
    code = de.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)
    s_slot, l_slot = code[: st.num_rows], code[st.num_rows :]
    o = np.argsort(sv, kind="stable")
    sv_s, si_s = sv[o], si[o]
    lrow, lval = li[cont], lv[cont]
    del li, lv, cont
    lo = np.searchsorted(sv_s, lval, "left")
    hi = np.searchsorted(sv_s, lval, "right")
    s_node, l_node = _ints(st.column("node_id")), _ints(ld.column("node_id"))
    found = []
    for a, b in _runs(lo, hi - lo):  # store x load pairs, a run of loads at a time
        s_row, l_row = si_s[b], lrow[a]
        ss, ls = s_slot[s_row], l_slot[l_row]
        keep = (ss < 0) | (ls < 0) | (ss == ls)
        found.append(distinct_pairs(s_node[s_row][keep], l_node[l_row][keep])[:2])
    out = [_edges(*_pairs(found), EdgeKind.FLOW_ELEM)]
    out.append(
        _edges(_ints(ld.column("base_node"))[fb], l_node[fb], EdgeKind.FLOW_ELEM, label="base")
    )
    # a container handed whole to a call outside the repository (``list(xs)``,
    # ``d.values()``, ``", ".join(xs)``): its elements flow into that operand
    args = facts[VF_ARG]
    ext = ~isin_sorted(_ints(args.column("callid")), usort(calls.callid))
    ext |= isin_sorted(_ints(args.column("callid")), usort(calls.x_call))
    a = args.filter(pa.array(ext))
    ai, av = _values(pt, a.column("key"))
    c = _CONT[S.kinds(av)]
    ai, av = ai[c], av[c]
    lo = np.searchsorted(sv_s, av, "left")
    hi = np.searchsorted(sv_s, av, "right")
    a_node = _ints(a.column("node_id"))
    found = [distinct_pairs(s_node[si_s[y]], a_node[ai[x]])[:2] for x, y in _runs(lo, hi - lo)]
    out.append(_edges(*_pairs(found), EdgeKind.FLOW_ELEM, label="whole"))
    return out


# -- FLOW_EXC -------------------------------------------------------------------------
def _exc_edges(facts: dict[str, pa.Table], calls: _Calls) -> pa.Table:
    tr, rz = facts[VF_TRY], facts[VF_RAISE]
    if not tr.num_rows or not rz.num_rows:
        return EDGE_SCHEMA.empty_table()
    j = tr.rename_columns(["callid", "handler"]).join(calls.table(), "callid", join_type="inner")
    j = j.join(rz.rename_columns(["fnode", "exc"]), "fnode", join_type="inner")
    return _edges(_ints(j.column("exc")), _ints(j.column("handler")), EdgeKind.FLOW_EXC)
