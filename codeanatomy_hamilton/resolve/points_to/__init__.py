"""The points-to fixed point: semi-naive evaluation as vectorised joins over integer
columns (numpy). No SQL engine is involved: the queries around the fixed point
(``resolve.classes``, ``output``, ``valueflow``) are numpy joins over the same ids.

Modules, in import order:

* ``arrays``: numpy primitives (distinct values, stable orders, sorted insertion,
  range expansion, membership), shared with the stages around the engine;
* ``levels``: sorted-level structures (``IntMap``, ``CsrIndex``, ``PairSet``,
  ``FactSet``, ``Flows``);
* ``interner``: the string interner (``Interner``) and the value kinds ``K_*``;
* ``containers``: the keyed-container rules; ``rules``: the other rules of a round;
  ``lookups``: the stage-B rules beyond the MRO (reads by name prefix, container
  classes, external bases);
* ``core``: ``PointsTo``, the relations, the rounds and stages, the widening bounds
  and the query API (the only names the stages after the fixed point read).

Every string (variable/expression/call keys, values, attribute names) is interned once
into a dense int id (``Interner``); values carry parsed metadata per id (kind, the
qualname after the prefix, the two halves of ``b:``/``s:`` values, dot count, method
kind). Static relations (``attr``, ``astore``, ``sub``, ``sstore``, ``calls``, ``args``,
``params``, ``ann``, ``sup``) are indexed by their join key once (CSR over the id
space), so a round is a few gathers of the *delta* against those indexes: no hash
table of a static relation is rebuilt per round (that, plus planning, was ~40 ms per
DataFusion query even for a delta of 4 facts, in the SQL version).

Relations and rules are those of the SQL version (see git history):

* ``pt(key, val)``: accumulated as sorted int64 ``key << 32 | val`` in two levels (a
  base and a small recent level merged into it now and then, ``FactSet``): dedupe of
  new facts and ``nf x pt`` are binary searches into them;
* ``flow(dst, src, bind)``: ``pt(dst) >= transform(bind, pt(src))``; ``bind`` is a
  receiver value (``i:Q``/``c:Q``: methods read through it become bound methods
  ``b:<fkey>|Q``), ``P`` (parameters and returns: external objects do not cross) or
  none; indexed by ``src`` (``Flows``), deduplicated by ``PairSet``;
* per round: new flows from the delta (attribute loads/stores along the MRO, call
  results, constructors, ``__call__``, arguments -> parameters, containers), then new
  facts (old flows x delta, new flows x all facts, and rules creating values). Each
  rule probes only the delta facts of the value kinds it reads.

Strings are built only by the few value/key constructors (``Q.attr``, ``Q[]``,
``f.<ret>``, ``i:Q``, ``b:f|Q``, ...), memoised per input id, so Python touches each
distinct derived string once over the whole run. Distinct values and orders come from
numpy's SIMD sort (``arrays.usort``, ``arrays.stable_order``), never from
``np.unique``/``lexsort`` (hash-based / stable sorts, one to two orders of magnitude
slower on these arrays).

The output does not depend on which id a string gets: the per-key bound
``HARD_KEY_CAP`` (which values a key passes on; it keeps the others, ``held``) ranks
values by their strings, and every other rule is a join. So an interner kept from an
earlier build (``kept_strings``), whose ids follow that build's order, gives the same
result as a fresh one.

Glossary of the engine's state
------------------------------
Ids are int64, dense from 0 (one per distinct string); -1 means null / none. A packed
fact or pair is ``a << 32 | b`` (ids stay below 2**31). Arrays "per id" are indexed by
id, hold at least ``S.n`` entries and grow by doubling; arrays "per row" follow the
rows of their ``rs_*`` fact table in input order.

The interner ``S`` (``Interner``; ``PointsTo.interner``):

* ``ids`` (dict str -> id: the strings this run numbered), ``strs`` (id -> str, a
  list or a ``StrList`` over a kept interner), ``n`` (strings so far), ``kept``;
* ``vk`` int8 per id: value kind ``K_*`` (``K_NONE``: not a value: a key or a name);
* ``vq`` int64 per id: id of what follows the prefix (``f:a.b`` -> ``a.b``; the first
  half of ``b:<fkey>|Q`` / ``s:K|Q``), -1 for non-values;
* ``v2`` int64 per id: id of the second half of ``b:``/``s:`` values, else -1;
* ``dots`` int16 per id: dot count of a value (bounds external attribute chains);
* ``bi`` bool per id: the value's qualname starts with ``builtins.``;
* ``mk`` int8 per id: method-kind bits ``MK_*`` of ``f:`` values and of their fkeys
  (per build: not kept);
* ``memo1`` / ``memo2``: per constructor name an ``IntMap`` from the input id (or
  ``a << 32 | b``) to the built string's id.

The fixed point (``PointsTo``):

* ``pt`` (``FactSet``): every fact ``key << 32 | val``, two sorted distinct disjoint
  levels; ``ptk``: all of them as one sorted array; ``delta``: the facts new in the
  last round (sorted, distinct); ``counts`` int64 per key id: facts of ``pt``
  counted for the caps; ``rounds``; ``held``: the facts past ``HARD_KEY_CAP``
  (sorted, distinct, never in ``pt`` nor the delta: their keys hold them for the
  query API, no rule reads them), ``bounded_keys`` (key ids holding some);
  ``budget_hit``: whether ``FACT_BUDGET`` stopped the fixed point;
* ``flows`` (``Flows``): ``d``, ``s``, ``b`` int64 per flow (dst, src, bind; in the
  order derived), indexed by ``s``; ``flow_seen`` (``PairSet``): every
  (``dst << 32 | src``, bind) derived; binds are value ids, ``NO_BIND`` or ``P_BIND``;
* ``ix_<rel>`` (``CsrIndex``): a static relation's rows by join key: ``ix_attr``,
  ``ix_astore``, ``ix_sub``, ``ix_sstore`` by base, ``ix_calls`` and ``ix_args`` by
  call key, ``ix_params`` by fkey, ``ix_ann`` by src, ``ix_sup`` by self key;
* per-row columns (int64 ids unless said): ``a_e``, ``a_base``, ``a_attr``,
  ``a_proto`` (bool: a protocol read) of ``rs_attr``; ``as_base``, ``as_attr``,
  ``as_src`` of ``rs_astore``; ``sb_e``, ``sb_base``, ``sb_pos`` (id of a constant
  index token), ``sb_tid`` / ``sb_tstr`` / ``sb_tint`` (the token parsed) of
  ``rs_sub``; ``ss_base``, ``ss_src``, ``ss_slot``, ``ss_how`` (int8: 1 append, 2
  shift), ``ss_eq`` (local id of the token of ``=<tok>``) of ``rs_sstore``;
  ``c_key``, ``c_res``, ``c_mode_*`` (bool) of ``rs_call``; ``g_key``, ``g_src``,
  ``g_kw``, ``g_pos``, ``g_star`` (ints) of ``rs_arg``; ``p_fkey``, ``p_key``,
  ``p_name``, ``p_pos``, ``p_kind_p/k/v/w`` (bool), ``p_npos`` (positional parameters
  of the row's function) of ``rs_param``; ``an_key``, ``an_src`` of ``rs_ann``;
  ``su_e``, ``su_self``, ``su_cls`` of ``rs_super``; ``encoded``: (table, column) ->
  ids of every column of ``core.ENCODED_COLUMNS``;
* ``p_named``: sorted distinct ``fkey << 32 | name`` of the named parameters;
  ``has_arg0``: sorted distinct call keys with a positional first argument;
  ``wrap_ids``: sorted ids of the ``x:`` values of ``core.WRAPPERS``;
  ``init_attr``, ``call_attr``, ``class_attr``, ``new_attr``: ids of those names;
  ``accessors``: sorted ids of the ``rs_prop`` fkeys; ``ckey_ids``: sorted distinct
  call keys and ``_implicit_memo`` (int8 per fkey id: 1 a call runs it implicitly, 0
  not, -1 untested) (``_implicit_past_cap``);
* ``f_cls`` (``IntMap``): fkey id -> id of the class defining the method;
* stage B: ``lk_keys`` (sorted ``cls << 32 | attr``) and ``lk_owner`` (the first class
  on the MRO defining it, ``mro_owner``); ``sl_keys`` (sorted ``pair << 32 | attr``,
  ``pair`` a small id of (k, cls) in ``sl_pair``) and ``sl_owner`` for ``super()``;
  ``_pending``: facts added between the stages, counted after B's first round;
  ``_all_rules``: the facts that go through every rule in B's first round;
  ``ext_base`` (``IntMap``): class -> its first external base (``x:`` payload id);
  ``cc_base`` (``IntMap``): container class -> its instances' element key;
  ``px_keys`` (sorted ``cls << 32 | prefix attr``), ``px_attr``, ``px_owner``: the
  attributes read by name prefix; ``_builtin_ok``: (builtin type, attr) -> a method;
* containers: ``_ckind`` / ``_clen`` per container id, ``_tok_ids`` / ``_tok_strs``
  (slot tokens' local ids), ``_slot_memo`` (``container << 32 | token`` -> slot id).
* ``**kwargs`` by name (``Rules._kw_init``, built on first use): ``kw_params`` (sorted
  ``**`` parameter keys), ``kw_operand`` (``IntMap``: ``**d`` argument key -> key of
  ``d``), ``kw_req`` (``**d`` argument key -> its (name, request key) pairs) and
  ``kw_cids`` (its keys, sorted); the reduce protocol (``Rules._reconstructor_flows``):
  ``_reduce_rets`` (``<ret>`` keys of ``__reduce__``/``__reduce_ex__``),
  ``_reduce_watch`` (sorted keys whose delta triggers a recompute), ``_reduce_stage``.

In the rules, ``dk`` / ``dv`` are the keys / values of the delta facts, ``vk`` / ``vq``
their values' kinds / qualnames, and a probe returns ``li`` (delta row) and ``ri``
(relation row) pairs.
"""
