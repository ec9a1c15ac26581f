"""The points-to fixed point (``PointsTo``): the relations interned and indexed once,
the rounds of semi-naive evaluation, the stages (A, then B with class lookups), the
widening bounds, and the query API the stages after it read.

Query API (for ``resolve.classes``, ``output``, ``valueflow``, ``kept_interner``,
``pipeline``): ``interner`` (ids <-> strings and value metadata, ``interner.Interner``),
``values_of`` (the values each key may hold), ``callee_values`` (what each call key
may call, with what keys past ``HARD_KEY_CAP`` held but did not pass on),
``column_values`` / ``column_callees`` (those of an input column's keys, read once),
``fact_counts``, ``column_ids`` (the ids of an interned input column), ``params_of``
(parameters of functions), ``mro_owner`` (attribute lookup along the MRO), ``seeds``
(the import seeds), ``kept_state`` (what a later build starts from), ``stats`` and
``drop_rule_state`` (frees what only the rounds read, once they are over). Everything
else is the engine's own state (glossary in ``resolve.points_to``).
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from codeanatomy_hamilton.core.arrays import MASK32, expand, isin_sorted, ucount, usort
from codeanatomy_hamilton.core.vocabulary import (
    RS_ANN,
    RS_ARG,
    RS_ASTORE,
    RS_ATTR,
    RS_CALL,
    RS_DEF,
    RS_FLOW,
    RS_INIT,
    RS_PARAM,
    RS_PROP,
    RS_SSTORE,
    RS_SUB,
    RS_SUPER,
    CallMode,
    Key,
    MethodKind,
    Val,
)
from codeanatomy_hamilton.extract.fact_keys import INDEX_MARK
from codeanatomy_hamilton.resolve.kept_strings import KeptStrings
from codeanatomy_hamilton.resolve.points_to.interner import (
    K_B,
    MK_C,
    MK_M,
    MK_NEW,
    MK_S,
    NO_BIND,
    Interner,
)
from codeanatomy_hamilton.resolve.points_to.levels import CsrIndex, FactSet, Flows, IntMap, PairSet
from codeanatomy_hamilton.resolve.points_to.lookups import Lookups

# Widening: a key that may hold this many values stops growing (and values of
# external objects do not cross calls, flows marked ``P``: parameters and returns).
# Context-insensitive points-to sets of widely shared parameters
# (``inspect.isfunction(object)``) otherwise grow with the whole program; a call
# reaching that many targets is noise anyway.
KEY_CAP = 16
# ``KEY_CAP`` is checked against the facts known before a round, so a key may take
# many values in the round that saturates it (a parameter of ``assertEqual`` fed by
# thousands of call sites). On ordinary code that overshoot stays small (at most 113
# values on the standard library without tests), but on the whole standard library
# it fed a cascade (keys with thousands of values flowing into keys with thousands of
# values: 12M facts after 15 rounds and >20 GB). ``HARD_KEY_CAP`` bounds what a key
# passes on within the round too: it keeps every value that reaches it, but only its
# first ``HARD_KEY_CAP`` (``_within_cap``) enter the delta and ``pt``, so the rules
# propagate only those; the others are held apart (``held``) and read by the query
# API (``values_of``) after the fixed point. The bound lies well above what ordinary
# code reaches, and keys past it are counted (``points_to_keys_bounded``).
HARD_KEY_CAP = 256
# Global budget on points-to facts: past it the fixed point stops widening (the
# facts so far are kept, the run is reported as truncated). ~16 bytes per fact in
# the sorted array and its per-round copies; 30M facts keep resolution in a few GiB.
FACT_BUDGET = 30_000_000
# a call key past ``KEY_CAP`` still takes the methods the call runs implicitly, up
# to this many values (a call of 16 classes also runs their ``__init__``, ``__new__``;
# a key that grew far past the cap in one round stays where it is)
IMPLICIT_CAP = 4 * KEY_CAP
# the methods a call runs implicitly on the value it calls (``_implicit_past_cap``)
_IMPLICIT_METHODS = (".__call__", ".__init__", ".__new__")
# ``rs_def.mkind`` -> method-kind bit
_MK = {MethodKind.STATIC: MK_S, MethodKind.CLASS: MK_C, MethodKind.METHOD: MK_M}

# External callables whose result calls (or is) their first argument: calling the
# result calls it; called without a positional argument (``lru_cache(maxsize=8)``)
# the result is a decorator of that kind, which keeps the decorated function
WRAPPERS = (
    "functools.partial", "functools.lru_cache", "functools.cache",
    "functools.cached_property", "functools.update_wrapper", "functools.singledispatch",
    "contextlib.contextmanager", "contextlib.asynccontextmanager", "builtins.staticmethod",
    "builtins.classmethod", "builtins.property", "typing.final", "typing.overload",
    "abc.abstractmethod",
)  # fmt: skip

log = logging.getLogger(__name__)


def _rss_mib() -> float:
    """Resident set size of this process (Linux; 0 elsewhere), for debug traces."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _fact_ranges(facts: np.ndarray, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(first, end) positions of the facts (sorted ``key << 32 | val``) of each key of
    ``keys`` (ids, -1: none, an empty range)."""
    k = np.where(keys >= 0, keys, 0)
    lo = np.searchsorted(facts, k << 32)
    hi = np.where(keys >= 0, np.searchsorted(facts, (k + 1) << 32), lo)
    return lo, hi


def _facts_of(facts: np.ndarray, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(row, value id) of the facts (sorted ``key << 32 | val``) of ``keys`` (ids,
    -1: none), by row."""
    lo, hi = _fact_ranges(facts, keys)
    li, pi = expand(lo, hi - lo, None)
    return li, facts[pi] & MASK32


def _eq(col: Any, value: str) -> np.ndarray:
    """Mask of the rows of a string column equal to ``value`` (null: False), in Arrow
    (no Python strings)."""
    m = pc.fill_null(pc.equal(col, value), False)
    return np.asarray(m.to_numpy(zero_copy_only=False), bool)


# the input columns interned in one pass (their ids are what ``kept_strings`` keeps)
ENCODED_COLUMNS: list[tuple[str, str]] = [
    (RS_INIT, "key"), (RS_INIT, "val"), (RS_FLOW, "dst"), (RS_FLOW, "src"),
    (RS_ATTR, "e"), (RS_ATTR, "base"), (RS_ATTR, "attr"),
    (RS_ASTORE, "base"), (RS_ASTORE, "attr"), (RS_ASTORE, "src"),
    (RS_SUB, "e"), (RS_SUB, "base"), (RS_SSTORE, "base"), (RS_SSTORE, "src"),
    (RS_CALL, "ckey"), (RS_CALL, "res"), (RS_ARG, "ckey"), (RS_ARG, "src"),
    (RS_ARG, "kw"), (RS_PARAM, "fkey"), (RS_PARAM, "key"), (RS_PARAM, "name"),
    (RS_ANN, "key"), (RS_ANN, "src"), (RS_SUPER, "e"), (RS_SUPER, "selfkey"),
    (RS_SUPER, "cls"),
]  # fmt: skip


class PointsTo(Lookups):
    """Holds the relations and runs rounds until nothing new is derived (state names:
    see the glossary of ``resolve.points_to``; the rules: ``rules``, ``containers``,
    ``lookups``)."""

    def __init__(
        self,
        facts: dict[str, pa.Table],
        seeds: Any,
        kept: KeptStrings | None = None,
        hints: dict[tuple[str, str], np.ndarray] | None = None,
    ) -> None:
        """``kept``: start from an earlier run's interner; ``hints``: the kept ids of
        the rows of ``ENCODED_COLUMNS`` (-1 where unknown), see ``kept_strings``."""
        self.rounds = 0
        self.seeds = seeds
        S = self.S = Interner(kept)
        init_seed, flow_seed = seeds.tables()
        # one interning pass over every string column; ``enc`` then reads the result
        spec = ENCODED_COLUMNS
        cols = [facts[t][c] for t, c in spec]
        cols += [init_seed["key"], init_seed["val"], flow_seed["dst"], flow_seed["src"]]
        known = None
        if kept is not None and hints is not None:
            known = [hints.get(k) for k in spec] + [None] * 4
        got = S.encode_many(cols, known)
        done = self.encoded = dict(zip(spec, got, strict=False))

        def enc(t: str, c: str) -> np.ndarray:
            return done[(t, c)]

        ik = np.concatenate([enc(RS_INIT, "key"), got[-4]])
        iv = np.concatenate([enc(RS_INIT, "val"), got[-3]])
        fd = np.concatenate([enc(RS_FLOW, "dst"), got[-2]])
        fs = np.concatenate([enc(RS_FLOW, "src"), got[-1]])
        ok = (fd >= 0) & (fs >= 0)
        # flows: (dst, src, bind), deduplicated; indexed by src (appended per round)
        pairs = usort((fd[ok] << 32) | fs[ok])  # distinct (dst, src), sorted
        flow_dst = fd[ok]
        # static relations
        self.a_e, self.a_base, self.a_attr = (
            enc(RS_ATTR, "e"),
            enc(RS_ATTR, "base"),
            enc(RS_ATTR, "attr"),
        )
        self.ix_attr = CsrIndex(self.a_base)
        # protocol reads (``extract.facts.proto``: keys ending in ``p``) look for
        # methods of the repository only: no external ``x.__add__`` values
        a_e = facts[RS_ATTR]["e"]
        self.a_proto = (
            pc.ends_with(a_e, "p").to_numpy(zero_copy_only=False).astype(bool)
            if len(a_e)
            else np.zeros(0, bool)
        )
        self.as_base, self.as_attr, self.as_src = (
            enc(RS_ASTORE, "base"),
            enc(RS_ASTORE, "attr"),
            enc(RS_ASTORE, "src"),
        )
        self.ix_astore = CsrIndex(self.as_base)
        self.sb_e, self.sb_base = enc(RS_SUB, "e"), enc(RS_SUB, "base")
        self.ix_sub = CsrIndex(self.sb_base)
        # positional reads (``e`` ends with ``~i<N>``): the interned id of "N", else -1
        e_str = facts[RS_SUB]["e"]
        if isinstance(e_str, pa.ChunkedArray):
            e_str = e_str.combine_chunks() if e_str.num_chunks else pa.array([], pa.string())
        e_str = e_str.cast(pa.string())
        pos = pc.extract_regex(e_str, INDEX_MARK + r"(?P<n>-?[0-9]+|s[0-9a-f]*)$")
        self.sb_pos = S.intern(pc.struct_field(pos, [0]) if len(e_str) else e_str)
        self.ss_base, self.ss_src = enc(RS_SSTORE, "base"), enc(RS_SSTORE, "src")
        self.ss_slot = S.intern(facts[RS_SSTORE]["slot"])
        self._init_containers()
        self.ix_sstore = CsrIndex(self.ss_base)
        c = facts[RS_CALL]
        self.c_key, self.c_res = enc(RS_CALL, "ckey"), enc(RS_CALL, "res")
        self.c_mode_deco = _eq(c["mode"], CallMode.DECO)
        self.c_mode_raise = _eq(c["mode"], CallMode.RAISE)
        # property accesses and protocol calls are keyed by the attribute read itself:
        # what it holds is called, and it never gets constructors or ``__call__``
        self.c_mode_attr = _eq(c["mode"], CallMode.PROP) | _eq(c["mode"], CallMode.PROTO)
        # a property read's value is what its getter returns (``rs_call.res`` of a
        # ``prop`` row is the attribute's own key): only accessors (``rs_prop``) read
        # through an instance give it; a plain function stored in an attribute is not
        # called by reading it
        self.c_mode_prop = _eq(c["mode"], CallMode.PROP)
        self.ix_calls = CsrIndex(self.c_key)
        # call keys, sorted: the methods a call runs implicitly (``__call__`` of the
        # instances it may call, ``__init__``/``__new__`` of the classes) enter the
        # call key past ``KEY_CAP`` (see ``_implicit_past_cap``)
        self.ckey_ids = usort(self.c_key[self.c_key >= 0])
        g = facts[RS_ARG]
        self.g_key, self.g_src, self.g_kw = (
            enc(RS_ARG, "ckey"),
            enc(RS_ARG, "src"),
            enc(RS_ARG, "kw"),
        )
        self.g_pos = g["pos"].fill_null(-1).to_numpy().astype(np.int64)
        self.g_star = g["star"].fill_null(0).to_numpy().astype(np.int64)
        self.ix_args = CsrIndex(self.g_key)
        p = facts[RS_PARAM]
        self.p_fkey, self.p_key, self.p_name = (
            enc(RS_PARAM, "fkey"),
            enc(RS_PARAM, "key"),
            enc(RS_PARAM, "name"),
        )
        self.p_pos = p["pos"].fill_null(-1).to_numpy().astype(np.int64)
        self.p_kind_p, self.p_kind_k = _eq(p["kind"], "p"), _eq(p["kind"], "k")
        self.p_kind_v, self.p_kind_w = _eq(p["kind"], "v"), _eq(p["kind"], "w")
        self.ix_params = CsrIndex(self.p_fkey)
        # npos of each parameter row's function (count of positional parameters)
        fk_p = self.p_fkey[self.p_kind_p]
        u, cnt = ucount(fk_p)
        pos = np.searchsorted(u, self.p_fkey)
        pos_c = np.minimum(pos, max(len(u) - 1, 0))
        hit = (len(u) > 0) & (u[pos_c] == self.p_fkey) if len(u) else np.zeros(len(pos), bool)
        self.p_npos = np.where(hit, cnt[pos_c] if len(u) else 0, 0)
        # (fkey, name) of non-*args/**kwargs parameters, for the **kwargs left join
        nv = ~(self.p_kind_v | self.p_kind_w)
        self.p_named = usort((self.p_fkey[nv] << 32) | self.p_name[nv])

        self.an_key, self.an_src = enc(RS_ANN, "key"), enc(RS_ANN, "src")
        self.ix_ann = CsrIndex(self.an_src)
        self.su_e, self.su_self, self.su_cls = (
            enc(RS_SUPER, "e"),
            enc(RS_SUPER, "selfkey"),
            enc(RS_SUPER, "cls"),
        )
        self.ix_sup = CsrIndex(self.su_self)
        d = facts[RS_DEF].filter(pc.is_valid(facts[RS_DEF]["mkind"]))
        vid = S.intern(d["val"])
        mk = d["mkind"].to_numpy(zero_copy_only=False)
        bits = np.zeros(len(mk), np.int8)
        for m, bit in _MK.items():
            bits[mk == m] = bit
        bits[pc.ends_with(d["val"], ".__new__").to_numpy(zero_copy_only=False)] |= MK_NEW
        np.bitwise_or.at(S.mk, vid, bits)
        np.bitwise_or.at(S.mk, S.vq[vid], bits)  # also per fkey, for bound methods
        # fkey -> the class defining the method: a bound method is keyed by that class
        # (``_transform``), since ``self`` of a method is every instance of its class
        # and subclasses anyway (``classes._self_init``)
        fk_ids, first = usort(S.vq[vid]), None
        cls_ids = S.intern(d["cls"])
        o = np.argsort(S.vq[vid], kind="stable")
        sv = S.vq[vid][o]
        first = np.ones(len(sv), bool)
        np.not_equal(sv[1:], sv[:-1], out=first[1:])
        self.f_cls = IntMap.of(fk_ids, cls_ids[o][first])
        self.accessors = usort(S.intern(facts[RS_PROP]["fkey"]))
        # pass-through parameters: their values reach each call's result, not the
        # function's shared ``<ret>`` (``_pass_through``)
        pairs, self.pass_keys = self._pass_through(pairs, ik[ik >= 0], flow_dst)
        fb = np.full(len(pairs), NO_BIND, np.int64)
        self.flows = Flows(pairs >> 32, pairs & MASK32, fb)
        self.flow_seen = PairSet(pairs, fb)
        # lookups become available in stage B
        self.lk_keys = np.zeros(0, np.int64)  # (cls << 32 | attr), sorted
        self.lk_owner = np.zeros(0, np.int64)
        self.sl_keys = np.zeros(0, np.int64)  # (k, cls, attr) packed, sorted
        self.sl_owner = np.zeros(0, np.int64)
        self.sl_pair: dict[tuple[int, int], int] = {}
        self.ext_base = IntMap()  # class -> first external base (stage B)
        self.cc_base = IntMap()  # container class -> its elements' key (stage B)
        self.px_keys = np.zeros(0, np.int64)  # reads by name prefix (stage B)
        self._builtin_ok: dict[tuple[int, int], bool] = {}
        self.init_attr = S.get("__init__")
        self.call_attr = S.get("__call__")
        self.wrap_ids = usort(np.array([S.get(Val.EXT + w) for w in WRAPPERS], np.int64))
        # call keys with a positional first argument
        self.has_arg0 = usort(self.g_key[(self.g_pos == 0) & (self.g_key >= 0)])
        self.class_attr = S.get("__class__")
        self.new_attr = S.get("__new__")
        # points-to facts
        ok = (ik >= 0) & (iv >= 0)
        self.pt = FactSet(usort((ik[ok] << 32) | iv[ok]))
        self.counts = np.zeros(0, np.int64)
        # the facts past ``HARD_KEY_CAP`` (sorted, distinct, never in ``pt``: no rule
        # reads them), their keys (see ``_hold``), and the ``FACT_BUDGET`` stop
        self.held = np.zeros(0, np.int64)
        self.bounded_keys: set[int] = set()
        self.budget_hit = False
        # the query API reads ``held`` once the rounds are over (``seal``)
        self.sealed = False
        self._count(self.pt.all())
        self.delta = self.pt.all().copy()
        self._pending = np.zeros(0, np.int64)
        # facts of the delta that go through every rule (None: all of them); the others
        # only through the rules that stage-B lookups change (see ``enable_classes``)
        self._all_rules: np.ndarray | None = None
        # per fkey id: 1 if a call runs it implicitly, 0 if not, -1 not tested yet
        self._implicit_memo = np.zeros(0, np.int8)

    def _pass_through(
        self, pairs: np.ndarray, init_keys: np.ndarray, flow_dst: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """The static flows (sorted ``dst << 32 | src``) without ``f.<ret> <- p`` for
        the pass-through parameters ``p`` of ``f``, and those parameters' keys (sorted).

        A function that returns one of its parameters as it came (``def _id(obj):
        return obj``, the inner ``decorator(test_item)`` of a decorator factory,
        ``lambda x: x``) gives each call the values of that call's own argument
        (``_pass_results``), not every argument any call ever passed: through a shared
        ``<ret>`` every function decorated by an identity decorator would hold every
        other one (context-insensitive returns), a false callee per decorated name and
        the main source of keys past ``HARD_KEY_CAP`` on the whole standard library.
        Only parameters whose values come from the calls alone qualify: positional or
        keyword parameters with no default, annotation or other binding (those values
        would have no call to go to), of functions that are not property accessors
        (read through ``prop`` rows, which take no arguments), and not the receiver
        of a method."""
        S = self.S
        cand = (self.p_kind_p | self.p_kind_k) & (self.p_key >= 0) & (self.p_fkey >= 0)
        cand &= ~isin_sorted(self.p_fkey, self.accessors)
        # a method's first parameter is bound to its receiver through ``b:`` values
        # keyed by the defining class, not by the instance's class (``_transform``):
        # passing that on would narrow a fluent ``return self`` to the base class
        cand &= ~((self.p_pos == 0) & (self.f_cls.get(self.p_fkey) >= 0))
        fixed = usort(np.concatenate([init_keys, self.an_key[self.an_key >= 0]]))
        cand &= ~isin_sorted(self.p_key, fixed) & ~isin_sorted(self.p_key, usort(flow_dst))
        if not cand.any():
            return pairs, np.zeros(0, np.int64)
        ret = S.unary("ret", self.p_fkey[cand], lambda s: s + Key.RET)
        pairs = self._through_locals(pairs, ret, self.p_fkey[cand], self.p_key[cand], fixed)
        edge = (ret << 32) | self.p_key[cand]
        hit = isin_sorted(edge, pairs)
        if not hit.any():
            return pairs, np.zeros(0, np.int64)
        drop = usort(edge[hit])
        return pairs[~isin_sorted(pairs, drop)], usort(self.p_key[cand][hit])

    def _through_locals(
        self,
        pairs: np.ndarray,
        ret: np.ndarray,
        fkey: np.ndarray,
        pkey: np.ndarray,
        fixed_keys: np.ndarray,
    ) -> np.ndarray:
        """``pairs`` with each ``f.<ret> <- X`` through which a candidate parameter of
        ``f`` reaches the return replaced by ``f.<ret> <- `` what ``X`` reads (up to
        three steps). ``X`` is a local variable of ``f`` (its key starts with ``f.``)
        that is not a parameter and holds nothing but what static flows bring (no
        initial value, annotation or ``except ... as``): its values are the union of
        its sources', so the return reads the same values, and a parameter returned
        through it (``return x`` where ``x`` may be the parameter or a value bound in
        a branch, one key of its own for both, ``extract.facts.load_key``) becomes a
        direct ``<ret> <- p`` flow that ``_pass_through`` can route per call."""
        S = self.S
        strs = S.strs
        d = pairs >> 32
        src = pairs & MASK32
        # membership of the few keys met below: Python sets of these ids are cheaper
        # than a sorted search per key
        params = set(self.p_key[self.p_key >= 0].tolist())
        fixed = set(fixed_keys.tolist())
        pk_of: dict[int, set[int]] = {}
        fk_of: dict[int, int] = {}
        for r, f, p in zip(ret.tolist(), fkey.tolist(), pkey.tolist(), strict=True):
            pk_of.setdefault(r, set()).add(p)
            fk_of[r] = f

        def sources(x: int) -> list[int]:
            return src[np.searchsorted(d, x) : np.searchsorted(d, x, "right")].tolist()

        def expandable(x: int, prefix: str) -> bool:
            return strs[x].startswith(prefix) and x not in params and x not in fixed

        drop: list[int] = []
        add: list[int] = []
        rets = list(pk_of)
        ra = np.array(rets, np.int64)
        lo = np.searchsorted(d, ra).tolist()
        hi = np.searchsorted(d, ra, "right").tolist()
        for r, a, b in zip(rets, lo, hi, strict=True):
            if b - a < 2 and (a == b or int(src[a]) in pk_of[r]):
                continue  # no return, or only the parameter itself
            ps = pk_of[r]
            prefix = strs[fk_of[r]] + "."
            for x in src[a:b].tolist():
                if x in ps or not expandable(x, prefix):
                    continue
                leaves: set[int] = set()
                seen = {x}
                frontier = [x]
                for _ in range(3):
                    nxt: list[int] = []
                    for y in frontier:
                        for z in sources(y):
                            if z in seen:
                                continue
                            seen.add(z)
                            if z not in ps and expandable(z, prefix):
                                nxt.append(z)
                            else:
                                leaves.add(z)
                    frontier = nxt
                leaves.update(frontier)  # still expandable after three steps: kept
                if leaves & ps:
                    drop.append((r << 32) | x)
                    add.extend((r << 32) | z for z in leaves)
        if not drop:
            return pairs
        kept = pairs[~isin_sorted(pairs, usort(np.array(drop, np.int64)))]
        return usort(np.concatenate([kept, np.array(add, np.int64)]))

    # -- plumbing ----------------------------------------------------------
    @property
    def ptk(self) -> np.ndarray:
        """Every points-to fact ``key << 32 | val`` the rules read (not the ``held``
        ones), sorted."""
        return self.pt.all()

    def _count(self, packed: np.ndarray) -> None:
        if not len(packed):
            return
        keys, n = ucount(packed >> 32, presorted=True)
        need = max(self.S.n, int(keys[-1]) + 1)
        if len(self.counts) < need:
            c = np.zeros(need * 2, np.int64)
            c[: len(self.counts)] = self.counts
            self.counts = c
        self.counts[keys] += n

    def values_of(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(row, value id) of every points-to fact of ``keys`` (ids, -1: none), the
        ``held`` ones included once ``seal``ed; by row, then by value id."""
        li, v = _facts_of(self.ptk, keys)
        if self.sealed and len(self.held):
            hi, hv = _facts_of(self.held, keys)
            if len(hi):
                # held values of a bounded key: merged into the order above
                both = usort(np.concatenate([(li << 32) | v, (hi << 32) | hv]))
                li, v = both >> 32, both & MASK32
        return li, v

    def column_values(self, table: str, column: str) -> tuple[np.ndarray, np.ndarray]:
        """``values_of`` the ids of an input column of ``ENCODED_COLUMNS``, row for row,
        read once per column: the stages after the fixed point (CALL edges, the
        iterating calls, value flow) all read what every call key may hold. Only for
        after the fixed point (the facts no longer change); the arrays are shared."""
        return self._per_column(self.values_of, table, column)

    def size(self) -> int:
        """Number of points-to facts, the ``held`` ones included."""
        return len(self.pt) + len(self.held)

    # -- query API (the stages after the fixed point) ----------------------------------
    @property
    def interner(self) -> Interner:
        """The string interner: ids of keys and values, their strings and metadata."""
        return self.S

    def fact_counts(self, keys: np.ndarray) -> np.ndarray:
        """Number of points-to facts of each key id (0 for -1 and ids it never saw),
        the ``held`` ones included once ``seal``ed."""
        cnt = self.counts
        out = np.zeros(len(keys), np.int64)
        inr = (keys >= 0) & (keys < len(cnt))
        out[inr] = cnt[keys[inr]]
        if self.sealed and len(self.held):
            lo, hi = _fact_ranges(self.held, keys)
            out += hi - lo
        return out

    def column_ids(self, table: str, column: str) -> np.ndarray:
        """The interned ids of an input column of ``ENCODED_COLUMNS``, row for row
        (-1: null)."""
        return self.encoded[(table, column)]

    def params_of(self, fkeys: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(row, position, key id) of every parameter of the functions ``fkeys`` (fkey
        ids, as ``rs_param.fkey``; -1: none), in ``rs_param`` order per row; position
        -1 for keyword-only, ``*args`` and ``**kwargs`` parameters."""
        li, pr = self.ix_params.probe(fkeys)
        return li, self.p_pos[pr], self.p_key[pr]

    def kept_state(self) -> tuple[dict[str, Any], dict[tuple[str, str], np.ndarray]]:
        """What a later build needs to start from this run's interner
        (``kept_strings.make_kept``): the interner's state and the ids of every
        interned input column."""
        return self.S.kept_state(), self.encoded

    def stats(self) -> dict[str, int]:
        """Rounds, facts and what the widening bounds did (``KEY_CAP`` is not counted:
        it is the analysis): the keys past ``HARD_KEY_CAP``, which pass on only part
        of their values, and the facts they hold but pass on not
        (``points_to_facts_not_propagated``, included in ``points_to_facts``); whether
        ``FACT_BUDGET`` stopped the fixed point (which drops what it would derive)."""
        return {
            "resolve_rounds": self.rounds,
            "points_to_facts": self.size(),
            "points_to_keys_bounded": len(self.bounded_keys),
            "points_to_facts_not_propagated": len(self.held),
            "points_to_budget_hit": int(self.budget_hit),
        }

    def column_callees(self, table: str, column: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``callee_values`` of the ids of an input column, read once per column (the
        CALL edges and value flow both read them); like ``column_values``, only after
        the fixed point, and the arrays are shared."""
        return self._per_column(self.callee_values, table, column)

    def _per_column(self, query: Any, table: str, column: str) -> Any:
        """``query`` of the ids of an input column, computed once per (query, column)
        and shared (the stages after the fixed point read the same columns)."""
        memo = self.__dict__.setdefault("_per_column_memo", {})
        key = (query.__name__, table, column)
        got = memo.get(key)
        if got is None:
            got = memo[key] = query(self.column_ids(table, column))
        return got

    def callee_values(self, ckeys: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(row, value id, held) of what each call key of ``ckeys`` (ids, -1: none)
        may call, by row then value: ``values_of``, plus the values held (past
        ``HARD_KEY_CAP``) by the keys that flow into it statically (``rs_flow``: the
        callee expression's key, a parameter in ``fn()``), so a call through a key
        that passed on only part of its values still gets an edge to each of them.
        ``held``: the value is one its key held but did not pass on, so the rules
        followed no argument into it nor its result out of it (``callee_bounded``)."""
        li, v = _facts_of(self.ptk, ckeys)
        held = np.zeros(len(li), bool)
        if not (self.sealed and self.bounded_keys):
            return li, v, held
        bk = usort(np.array(list(self.bounded_keys), np.int64))
        rows = [np.zeros(0, np.int64)]
        vals = [np.zeros(0, np.int64)]
        # the call keys' own held values, then those of their static flow sources
        own = np.flatnonzero(isin_sorted(ckeys, bk))
        hi, hv = _facts_of(self.held, ckeys[own])
        rows.append(own[hi])
        vals.append(hv)
        fd, fs = self.column_ids(RS_FLOW, "dst"), self.column_ids(RS_FLOW, "src")
        m = isin_sorted(fs, bk) & (fd >= 0)
        if m.any():
            o = np.argsort(fd[m], kind="stable")
            fd, fs = fd[m][o], fs[m][o]
            lo, hi_ = np.searchsorted(fd, ckeys, "left"), np.searchsorted(fd, ckeys, "right")
            ri, fi = expand(lo, hi_ - lo, None)
            hi, hv = _facts_of(self.held, fs[fi])
            rows.append(ri[hi])
            vals.append(hv)
        extra = usort(np.concatenate([(r << 32) | x for r, x in zip(rows, vals, strict=True)]))
        if not len(extra):
            return li, v, held
        known = (li << 32) | v
        # a held value the call key has anyway (passed on to it another way) is followed
        extra = extra[~isin_sorted(extra, known)]
        both = np.concatenate([known, extra])
        flag = np.concatenate([held, np.ones(len(extra), bool)])
        o = np.argsort(both, kind="stable")
        both, flag = both[o], flag[o]
        return both >> 32, both & MASK32, flag

    def seal(self) -> None:
        """The fixed point is over (both stages): from here on the query API reads the
        ``held`` facts too. Before, the stage between the two (the class hierarchy,
        whose MROs feed stage B's lookups) reads only what the rules read, so that
        held values reach nothing that the rounds derive."""
        self.sealed = True

    def drop_rule_state(self) -> None:
        """Frees what only the rounds read, once no round will run again: the flows and
        their dedupe set, the indexes of the static relations (but ``ix_params``, which
        ``params_of`` reads), the ``super()`` and prefix lookups and the container
        state (~0.8 GiB on the whole stdlib). The query API keeps working."""
        for name in ("flows", "flow_seen", "sl_keys", "sl_owner", "px_keys", "px_attr", "px_owner"):
            setattr(self, name, None)
        for name in ("ix_attr", "ix_astore", "ix_sub", "ix_sstore", "ix_calls", "ix_args"):
            setattr(self, name, None)
        for name in ("ix_ann", "ix_sup", "_clen", "_ckind", "_slot_memo"):
            setattr(self, name, None)
        self.delta = np.zeros(0, np.int64)

    # -- stages --------------------------------------------------------------
    def enable_classes(self, hier: Any) -> None:
        """Stage B: class lookups become available; every known fact is re-examined
        by the rules (the whole of ``pt`` becomes the delta once)."""
        S = self.S
        lk = hier.lookup
        c, a, o = S.encode(lk["cls"]), S.encode(lk["attr"]), S.encode(lk["owner"])
        packed = (c << 32) | a
        order = np.argsort(packed, kind="stable")
        self.lk_keys, self.lk_owner = packed[order], o[order]
        sl = hier.superlookup
        k, c, a, o = (S.encode(sl[n]) for n in ("k", "cls", "attr", "owner"))
        # (k, cls) pairs get a small id so the triple packs into one int64
        pair = np.array(
            [
                self.sl_pair.setdefault(t, len(self.sl_pair))
                for t in zip(k.tolist(), c.tolist(), strict=True)
            ],
            np.int64,
        )
        packed = (pair << 32) | a
        order = np.argsort(packed, kind="stable")
        self.sl_keys, self.sl_owner = packed[order], o[order]
        self._external_bases(hier)
        self._container_classes(hier)
        self._prefix_lookups()
        if hier.self_init.num_rows:
            ik, iv = S.encode(hier.self_init["key"]), S.encode(hier.self_init["val"])
            ok = (ik >= 0) & (iv >= 0)
            self._pending = self._add_facts(usort((ik[ok] << 32) | iv[ok]), count=False)
        # Every known fact is re-examined, but only by the rules that the lookups
        # change (attribute loads/stores on classes and instances, ``super()``
        # attributes, constructors and ``__call__``): stage A ended at its fixed point,
        # so the other rules already derived all they can from those facts (what they
        # re-derive is known, or blocked by a key cap: counts only grow). The facts
        # added here (``self_init``) are new to every rule. Same result as the whole of
        # ``pt`` through every rule, without re-deriving stage A (a third of the work).
        # If stage A stopped early (round limit), everything goes through every rule.
        converged = not len(self.delta) and not self.budget_hit
        self._all_rules = self._pending.copy() if converged else None
        self.delta = self.ptk.copy()

    def _add_derived(self, k: np.ndarray, v: np.ndarray) -> np.ndarray:
        """Adds the derived facts (k, v) (ids >= 0) whose key is not saturated and that
        are not known yet, within ``HARD_KEY_CAP``; returns the facts added."""
        # saturated keys (as of the facts before this round) take nothing new
        cnt = self.counts
        sat = np.zeros(len(k), bool)
        inr = k < len(cnt)
        sat[inr] = cnt[k[inr]] >= KEY_CAP
        if sat.any():
            sat[sat] = ~self._implicit_past_cap(k[sat], v[sat], cnt)
        k, v = k[~sat], v[~sat]
        return self._add_facts(usort((k << 32) | v))

    def _implicit_past_cap(self, k: np.ndarray, v: np.ndarray, cnt: np.ndarray) -> np.ndarray:
        """Mask of the facts (k, v) of saturated keys that still enter: a bound method
        into a call key. A call key saturated by the instances (classes) it may call
        would otherwise block their ``__call__`` (``__init__``) methods, which the
        call runs; there is at most one per value already held, and the key stays
        below ``IMPLICIT_CAP``."""
        m = self.S.vk[v] == K_B  # the cheap test first: most facts are no bound method
        if not m.any():
            return m
        i = np.flatnonzero(m)
        ki = k[i]
        i = i[isin_sorted(ki, self.ckey_ids) & (cnt[np.minimum(ki, len(cnt) - 1)] < IMPLICIT_CAP)]
        m[:] = False
        if len(i):
            # only the methods the call itself runs, not other bound methods that
            # flow into the key (those stay within the cap)
            m[i] = self._runs_implicitly(self.S.vq[v[i]])
        return m

    def _runs_implicitly(self, fk: np.ndarray) -> np.ndarray:
        """Mask of the fkey ids ``fk`` naming a method a call runs implicitly
        (``_IMPLICIT_METHODS``); each id's string is tested once per run."""
        memo = self._implicit_memo
        if len(memo) < self.S.n:
            grown = np.full(2 * self.S.n, -1, np.int8)
            grown[: len(memo)] = memo
            memo = self._implicit_memo = grown
        new = usort(fk[memo[fk] < 0])
        if len(new):
            strs = self.S.strs
            memo[new] = [strs[f].endswith(_IMPLICIT_METHODS) for f in new.tolist()]
        return memo[fk] == 1

    def _add_facts(self, cand: np.ndarray, count: bool = True) -> np.ndarray:
        """Adds the facts of ``cand`` (sorted, unique) not yet known; returns those that
        enter ``pt`` (and so the delta). With ``count``, a fresh fact past its key's
        ``HARD_KEY_CAP`` is held (``_hold``) instead: known, but never propagated."""
        if not len(cand):
            return cand
        fresh = ~self.pt.known(cand)
        if count:
            if len(self.held):
                fresh &= ~self._is_held(cand)
            ok = self._within_cap(cand, fresh)
            over = fresh & ~ok
            if over.any():
                self._hold(cand[over])
            fresh &= ok
        new = cand[fresh]
        if len(new):
            self.pt.add(new)
            if count:
                self._count(new)
            elif len(self.held):
                # added past the caps (stage B's seeds): a held fact that enters ``pt``
                # propagates like any other and leaves the held set (the two stay
                # disjoint, as before holding: then it had been dropped)
                self.held = self.held[~isin_sorted(self.held, new)]
        return new

    def _is_held(self, cand: np.ndarray) -> np.ndarray:
        """Mask of the facts of ``cand`` that are held. Only keys that reached
        ``HARD_KEY_CAP`` can hold facts (``_within_cap`` lets a key's first values
        through), so the search runs on those rows alone."""
        k = cand >> 32
        cnt = self.counts
        m = np.zeros(len(cand), bool)
        inr = k < len(cnt)
        m[inr] = cnt[k[inr]] >= HARD_KEY_CAP
        if m.any():
            m[m] = isin_sorted(cand[m], self.held)
        return m

    def _hold(self, facts: np.ndarray) -> None:
        """Keeps ``facts`` (sorted, distinct, none known) apart from ``pt``: their
        keys hold them (``values_of``, ``fact_counts``), but no rule reads them, so
        a key past ``HARD_KEY_CAP`` passes on only its first values. That is what
        stops the cascade of keys with thousands of values feeding each other."""
        self.held = usort(np.concatenate([self.held, facts]))
        self.bounded_keys.update(usort(facts >> 32).tolist())

    def _within_cap(self, cand: np.ndarray, fresh: np.ndarray) -> np.ndarray:
        """Mask of the fresh facts of ``cand`` (sorted) that keep their key within
        ``HARD_KEY_CAP`` (known facts plus those fresh facts ranked before them, by
        value string: deterministic); the caller holds the others (``_hold``)."""
        k = cand >> 32
        cnt = self.counts
        base = np.zeros(len(k), np.int64)
        inr = k < len(cnt)
        base[inr] = cnt[k[inr]]
        # rank of each fresh fact among the fresh facts of its key (keys are contiguous)
        f = fresh.astype(np.int64)
        cum = np.cumsum(f) - f
        # first row of each key's run (k is sorted): the running max of run starts
        start = np.ones(len(k), bool)
        np.not_equal(k[1:], k[:-1], out=start[1:])
        first = np.maximum.accumulate(np.where(start, np.arange(len(k)), 0))
        rank = cum - cum[first]
        ok = base + rank < HARD_KEY_CAP
        if not (fresh & ~ok).any():
            return ok
        # A key overflows: its fresh values are ranked by their strings, not by id, so
        # that which values pass on does not depend on the order strings were interned
        # in (ids of an interner kept between builds differ from a fresh one's).
        over = usort(k[fresh & ~ok])
        rows = np.flatnonzero(fresh & isin_sorted(k, over))
        strs = self.S.strs
        vals = (cand[rows] & MASK32).tolist()
        order = sorted(range(len(rows)), key=lambda i: (int(k[rows[i]]), strs[vals[i]]))
        rows = rows[np.array(order, np.int64)]
        rk = k[rows]
        start = np.ones(len(rows), bool)
        np.not_equal(rk[1:], rk[:-1], out=start[1:])
        first = np.maximum.accumulate(np.where(start, np.arange(len(rows)), 0))
        ok[rows] = base[rows] + (np.arange(len(rows)) - first) < HARD_KEY_CAP
        return ok

    def _every_rule_mask(self) -> np.ndarray | None:
        """Mask of the delta facts that go through every rule (None: all)."""
        if self._all_rules is None:
            return None
        # the delta is sorted and distinct (every fact, see ``enable_classes``) and
        # much longer than ``a``: search the few facts of ``a`` in it, not the reverse
        a, d = self._all_rules, self.delta
        out = np.zeros(len(d), bool)
        if len(a) and len(d):
            pos = np.minimum(np.searchsorted(d, a), len(d) - 1)
            hit = d[pos] == a
            out[pos[hit]] = True
        return out

    def mro_owner(self, cls: np.ndarray, attr: np.ndarray) -> np.ndarray:
        """Owner along the MRO of (cls, attr), -1 where none."""
        if not len(self.lk_keys) or not len(cls):
            return np.full(len(cls), -1, np.int64)
        q = (cls << 32) | attr
        pos = np.minimum(np.searchsorted(self.lk_keys, q), len(self.lk_keys) - 1)
        return np.where(self.lk_keys[pos] == q, self.lk_owner[pos], -1)

    def run(self, max_rounds: int = 200) -> None:
        while len(self.delta) and max_rounds > 0:
            if len(self.pt) >= FACT_BUDGET:
                # stop widening: what is known stays, the run is reported truncated
                self.budget_hit = True
                log.warning(
                    "points-to budget of %d facts reached after %d rounds; "
                    "resolution stops widening (results incomplete)",
                    FACT_BUDGET, self.rounds,
                )  # fmt: skip
                self.delta = np.zeros(0, np.int64)
                break
            max_rounds -= 1
            self.rounds += 1
            every = self._every_rule_mask()
            self._all_rules = None
            nd, ns, nb = self._new_flows(every)
            new = self._new_facts(nd, ns, nb, every)
            if len(self._pending):
                # facts added between the stages count for the cap from the end of
                # the first round on (as the per-round refresh of the SQL version did)
                self._count(self._pending)
                self._pending = np.zeros(0, np.int64)
            if len(nd):
                self.flows.add(nd, ns, nb)
            self.delta = new
            if log.isEnabledFor(logging.DEBUG):
                log.debug(
                    "round %d: delta=%d pt=%d flows=%d new_flows=%d strings=%d rss=%.0fMiB",
                    self.rounds, len(new), len(self.pt), self.flows.n, len(nd), self.S.n,
                    _rss_mib(),
                )  # fmt: skip
