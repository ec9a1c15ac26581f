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
* FLOW_EXC: a raised value -> the ``except ... as e`` handlers that may catch it, by
  class (the MRO), in the same function or up to ``EXC_DEPTH`` call levels up.
"""

from __future__ import annotations

import builtins
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from codeanatomy_hamilton.core.arrays import (
    distinct_pairs,
    isin_sorted,
    usort,
)
from codeanatomy_hamilton.core.memory import release_memory
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
    Key,
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
from codeanatomy_hamilton.resolve.points_to.interner import K_B, K_C, K_F, K_I, K_L, K_X, K_XI
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
        # what every call key may call (as its CALL edges: ``callee_values``), read
        # once for the explicit, implicit and called-back calls below
        li_all, v_all, _ = pt.column_callees(RS_CALL, "ckey")
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
    ]
    # what the joins above freed in Arrow's pool (and the heap) goes back to the OS
    # before the two largest parts, whose numpy and Python objects could not reuse it
    release_memory()
    parts += attr_edges(pt, facts, hier)
    parts += elem_edges(pt, facts, calls.callid, calls.x_call)
    release_memory()
    parts.append(_exc_edges(pt, facts, calls, hier))
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
ARG_CHUNK = 131_072


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
# A raise is followed up this many call levels from the function raising it (1: a
# raise in the callee of a call inside the try; 3: in a callee of a callee of a callee)
EXC_DEPTH = 3
_BASE_EXC = Val.EXT + "builtins.BaseException"
_EXC = Val.EXT + "builtins.Exception"
# the builtin exception classes (the interpreter's own, never the analysed code's):
# canonical ``x:`` value of each builtin name (``IOError`` is ``OSError``), and the
# ``x:`` values of each class's MRO
_BUILTIN_CANON: dict[str, str] = {}
_BUILTIN_MRO: dict[str, frozenset[str]] = {}
for _n, _c in vars(builtins).items():
    if isinstance(_c, type) and issubclass(_c, BaseException):
        _v = Val.EXT + "builtins." + _c.__name__
        _BUILTIN_CANON[Val.EXT + "builtins." + _n] = _v
        _BUILTIN_MRO[_v] = frozenset(Val.EXT + "builtins." + m.__name__ for m in _c.__mro__[:-1])
UNKNOWN, BARE = "?", "*"
SUB = "<"  # prefix of a raised type: an instance of that class or of a subclass of it
NO, MAY, CATCH = 0, 1, 2  # what a handler does with a raised type


class _ExcTypes:
    """Subclass tests between raised and handler types: ``c:Q`` (a class of the
    repository, its MRO from ``resolve.classes``), ``x:Q`` (external; the builtin
    exceptions' MROs are known), ``?`` (unknown) and ``*`` (a bare ``except:``)."""

    def __init__(self, hier: Any) -> None:
        self.mro = hier.mro
        self.memo: dict[str, tuple[frozenset[str], bool]] = {}

    def ancestors(self, t: str) -> tuple[frozenset[str], bool]:
        """The classes ``t`` derives from (itself included) and whether some of them
        are external classes whose own bases are unknown (``open``)."""
        got = self.memo.get(t)
        if got is not None:
            return got
        seq = self.mro.get(t[PREFIX_LEN:], [t]) if t.startswith(Val.CLASS) else [t]
        out: set[str] = set()
        open_ = False
        for m in seq:
            if m.startswith(Val.EXT):
                m = _BUILTIN_CANON.get(m, m)
                b = _BUILTIN_MRO.get(m)
                if b is not None:
                    out |= b
                    continue
                open_ = open_ or m != Val.EXT + "builtins.object"
            out.add(m)
        got = (frozenset(out), open_)
        self.memo[t] = got
        return got

    def catches(self, raised: str, handler: str) -> int:
        """``CATCH`` when an ``except handler`` catches every instance of ``raised``,
        ``MAY`` when it may (unknown types on either side stay conservative), ``NO``
        when it cannot."""
        if handler == BARE or handler == _BASE_EXC:
            return CATCH
        if handler == UNKNOWN or raised == UNKNOWN:
            return MAY
        sub = raised.startswith(SUB)
        if sub:
            raised = raised[len(SUB) :]
        anc, open_ = self.ancestors(raised)
        if handler in anc:
            return CATCH
        if open_ and handler == _EXC:
            return CATCH  # an exception class of a library derives from Exception
        if open_ and handler.startswith(Val.EXT):
            return MAY  # a library's class may derive from it: not known here
        if sub:
            # a subclass of ``raised`` may be the handler's class or derive from it
            h_anc, h_open = self.ancestors(handler)
            if raised in h_anc or (h_open and raised.startswith(Val.EXT)):
                return MAY
        return NO


def _type_tokens(pt: Any, keys: list[str | None], elems: bool) -> list[set[str]]:
    """Per key, the classes its values name: a class or an instance of it (``c:Q``,
    ``x:Q``); with ``elems`` also the elements of a tuple it holds (``except T``
    where ``T = (A, B)``); ``?`` for anything else, or nothing known."""
    S = pt.interner
    out: list[set[str]] = [set() for _ in keys]
    li, v = values_of_keys(pt, pa.array([k or "" for k in keys], pa.string()))
    if len(v):
        kind = S.kinds(v)
        quals = S.decode(S.quals(v)).to_pylist()
        elem_rows: list[int] = []
        elem_keys: list[str] = []
        for r, k, q in zip(li.tolist(), kind.tolist(), quals, strict=True):
            if k == K_C or k == K_I:
                out[r].add(Val.CLASS + q)
            elif k == K_X or k == K_XI:
                out[r].add(_BUILTIN_CANON.get(Val.EXT + q, Val.EXT + q))
            elif elems and k == K_L:
                elem_rows.append(r)
                elem_keys.append(q + Key.ELEMS)
            else:
                out[r].add(UNKNOWN)
        if elem_keys:
            inner = _type_tokens(pt, elem_keys, False)
            for r, toks in zip(elem_rows, inner, strict=True):
                out[r] |= toks or {UNKNOWN}
    for toks in out:
        if not toks:
            toks.add(UNKNOWN)
    return out


def _exc_edges(pt: Any, facts: dict[str, pa.Table], calls: _Calls, hier: Any) -> pa.Table:
    """``raise X`` (and a bare ``raise`` re-raising ``e`` of ``except T as e``: the
    handler node, an instance of T or of a subclass) -> the named handlers (``except
    T as e``) that may catch it, by
    class: a handler catches a raised class C when C is T or a subclass of T (a tuple
    of types: any of them); a bare ``except:`` and ``BaseException`` catch everything,
    ``Exception`` everything that derives from it; unknown raised or handler types may
    be caught. The first handler (innermost try, then clause order) that surely
    catches a type ends its way; a raise in a function that no handler there surely
    catches goes on to the calls of that function (``EXC_DEPTH`` levels up)."""
    tr, rz = facts[VF_TRY], facts[VF_RAISE]
    if not tr.num_rows or not rz.num_rows:
        return EDGE_SCHEMA.empty_table()
    types = _ExcTypes(hier)
    # the raised types of each raise: what its statement's call key (``@site``: the
    # class raised or called) and the raised expression may hold, classes preferred
    site = rz.column("site").to_pylist()
    exc = rz.column("node_id").to_pylist()
    fnode = rz.column("fnode").to_pylist()
    t_site = _type_tokens(pt, ["@" + str(x) for x in site], False)
    t_expr = _type_tokens(pt, rz.column("key").to_pylist(), False)
    sub = rz.column("sub").to_pylist()
    sig: list[tuple[str, ...]] = []
    for a, b, s_ in zip(t_site, t_expr, sub, strict=True):
        known = (a | b) - {UNKNOWN}
        if s_ and known:
            known = {SUB + t for t in known}  # a re-raise: the handler's types
        sig.append(tuple(sorted(known)) if known else (UNKNOWN,))
    # the handler stack of each guarded site, in order: (handler, named, types)
    h_types = _type_tokens(pt, tr.column("tkey").to_pylist(), True)
    tkey = tr.column("tkey").to_pylist()
    stacks: dict[int, dict[int, tuple[int, int, set[str]]]] = {}
    for c, h, o, n, k, toks in zip(
        tr.column("callid").to_pylist(),
        tr.column("node_id").to_pylist(),
        tr.column("ord").to_pylist(),
        tr.column("named").to_pylist(),
        tkey,
        h_types,
        strict=True,
    ):
        slot = stacks.setdefault(c, {}).setdefault(o, (h, n, set()))
        slot[2].update({BARE} if k is None else toks)
    stack = {c: [by_ord[o] for o in sorted(by_ord)] for c, by_ord in stacks.items()}
    memo: dict[tuple[int, tuple[str, ...]], tuple[list[int], bool]] = {}

    def decide(c: int, sg: tuple[str, ...]) -> tuple[list[int], bool]:
        """(named handlers reached, surely caught?) of raised types ``sg`` at ``c``."""
        got = memo.get((c, sg))
        if got is None:
            reached: list[int] = []
            left = list(sg)
            for h, named, htoks in stack[c]:
                hit = False
                still: list[str] = []
                for t in left:
                    how = max(types.catches(t, x) for x in htoks)
                    hit = hit or how != NO
                    if how != CATCH:
                        still.append(t)
                if hit and named:
                    reached.append(h)
                left = still
                if not left:
                    break
            got = memo[(c, sg)] = (reached, not left)
        return got

    src: list[int] = []
    dst: list[int] = []
    # level 0: raises inside a try of their own function
    # what escapes a function, by raised types: (function, types) -> raise nodes
    # (raises of the same types take the same ways up, so they go up together)
    frontier: dict[tuple[int, tuple[str, ...]], set[int]] = {}
    for r, (s, f) in enumerate(zip(site, fnode, strict=True)):
        caught = False
        if s in stack:
            reached, caught = decide(s, sig[r])
            src.extend([exc[r]] * len(reached))
            dst.extend(reached)
        if not caught and f >= 0:
            frontier.setdefault((f, sig[r]), set()).add(exc[r])
    # call levels: a raise escaping a function reaches the calls of it (both maps are
    # built for the functions and calls of each level only: few raises escape)
    callers: dict[int, list[int]] = {}
    caller_fn: dict[int, list[int]] = {}
    seen = {k: set(v) for k, v in frontier.items()}
    if frontier:
        into = _ByKey(
            np.concatenate([calls.fnode, calls.i_fnode, calls.h_fnode]),
            np.concatenate([calls.callid, calls.i_callid, calls.h_callid]),
        )
        rc = facts[RS_CALL]
        made_in = _ByKey(ints(rc.column("callid")), np.arange(rc.num_rows, dtype=np.int64))
        by_qual = _functions_by_qual(facts)
    for _level in range(EXC_DEPTH):
        if not frontier:
            break
        into.lists({f for f, _ in frontier} - callers.keys(), callers)
        want = {c for f, _ in frontier for c in callers.get(f, ())} - caller_fn.keys()
        _caller_functions(rc, made_in, by_qual, want, caller_fn)
        nxt: dict[tuple[int, tuple[str, ...]], set[int]] = {}
        seen_get, nxt_get = seen.get, nxt.get
        for (f, sg), raised in frontier.items():
            for c in callers[f]:
                if c in stack:
                    reached, caught = decide(c, sg)
                    for h in reached:
                        src.extend(raised)
                        dst.extend([h] * len(raised))
                    if caught:
                        continue
                for g in caller_fn[c]:
                    key = (g, sg)
                    done = seen_get(key)
                    if done is None:
                        # first time up to ``g``: every raise is new there
                        seen[key] = set(raised)
                        new = raised
                    else:
                        new = raised - done
                        if not new:
                            continue
                        done |= new
                    got = nxt_get(key)
                    if got is None:
                        nxt[key] = set(new)
                    else:
                        got |= new
        frontier = nxt
    if not src:
        return EDGE_SCHEMA.empty_table()
    s_, d_, _ = distinct_pairs(np.array(src, np.int64), np.array(dst, np.int64))
    return edges(s_, d_, EdgeKind.FLOW_EXC)


class _ByKey:
    """Values grouped by key, for many lookups of a few keys: the pairs sorted by key
    once (stably: a key's values keep their order), a lookup is two binary searches."""

    def __init__(self, keys: np.ndarray, values: np.ndarray) -> None:
        order = np.argsort(keys, kind="stable")
        self.keys = keys[order]
        self.values = values[order]

    def lists(self, want: set[int], out: dict[int, list[int]]) -> None:
        """Adds to ``out`` the values of each key of ``want``, in their input order
        (``[]`` where none)."""
        if not want:
            return
        k = np.fromiter(want, np.int64, len(want))
        lo = np.searchsorted(self.keys, k, "left").tolist()
        hi = np.searchsorted(self.keys, k, "right").tolist()
        vals = self.values
        for key, a, b in zip(k.tolist(), lo, hi, strict=True):
            out[key] = vals[a:b].tolist()


def _functions_by_qual(facts: dict[str, pa.Table]) -> dict[str, list[int]]:
    """Qualname -> the FUNCTION node(s) of that name (a redefined name has several)."""
    defs = facts[RS_DEF]
    q = defs.column("qual")
    # the function definitions picked in Arrow first: turning every definition into
    # Python objects was FLOW_EXC's memory peak on the whole standard library
    keep = pc.and_(pc.not_equal(q, ""), pc.starts_with(defs.column("val"), Val.FUNC))
    fdefs = defs.filter(pc.fill_null(keep, False))
    by_qual: dict[str, list[int]] = {}
    for nid, qual in zip(
        fdefs.column("node_id").to_pylist(), fdefs.column("qual").to_pylist(), strict=True
    ):
        by_qual.setdefault(qual, []).append(nid)
    return by_qual


def _caller_functions(
    rc: pa.Table,
    rows: _ByKey,
    by_qual: dict[str, list[int]],
    cids: set[int],
    out: dict[int, list[int]],
) -> None:
    """Adds to ``out``, for each call node of ``cids``, the FUNCTION node(s) whose body
    makes it (by the caller's qualname in ``rc``, the ``rs_call`` rows, which ``rows``
    groups by call node); ``[]`` where none."""
    if not cids:
        return
    got: dict[int, list[int]] = {}
    rows.lists(cids, got)
    # the first row (in ``rc`` order) of each call whose caller names a function
    flat = [r for c in cids for r in got[c]]
    quals = dict(
        zip(flat, rc.column("caller").take(pa.array(flat, pa.int64())).to_pylist(), strict=True)
    )
    for c in cids:
        out[c] = []
        for r in got[c]:
            q = quals[r]
            fs = by_qual.get(q) if q else None
            if fs:
                out[c] = fs
                break
