"""The points-to fixed point as semi-naive iterations of DataFusion SQL.

Relations (all strings; see ``extract.facts`` for the key and value encodings):

* ``pt(key, val)``: the values a key may hold; ``d`` is the delta of the last round.
* ``flow(dst, src, bind)``: ``pt(dst) >= transform(bind, pt(src))``; ``nf`` are the
  flows derived in the last round. ``bind`` is the receiver value (``i:Q``/``c:Q``)
  of an attribute loaded from a class or instance: methods read through it become
  bound methods ``b:<fkey>|Q`` (per ``mkind``: static, class or instance method).
* static facts: ``attr``, ``astore``, ``sub``, ``sstore``, ``calls``, ``args``,
  ``params``, ``ann``, ``sup``; after stage A also ``lookup(cls, attr, owner)`` (first
  class along the MRO defining ``attr``) and ``mro(cls, pos, owner)``.

Each round runs two queries: new flows derived from the delta (attribute loads and
stores through the MRO, call results, argument -> parameter flow, container
elements, constructors and ``__call__``), then new points-to facts (flows x delta,
new flows x all facts, and the rules that create values directly). Both subtract
what is already known (EXCEPT), so the loop stops when a round derives nothing.
"""

from __future__ import annotations

from typing import Any

import datafusion
import pyarrow as pa

_KV = pa.schema([("key", pa.string()), ("val", pa.string())])
_FLOW = pa.schema([("dst", pa.string()), ("src", pa.string()), ("bind", pa.string())])

# transform of a value read through a flow with a receiver binding
_TRANSFORM = """CASE
  WHEN {f}.bind IS NULL THEN {v}
  WHEN {f}.bind = 'P' THEN CASE WHEN substr({v}, 1, 1) = 'x' THEN NULL ELSE {v} END
  WHEN substr({v}, 1, 2) <> 'f:' THEN {v}
  WHEN mk.mkind = 'c' OR (mk.mkind = 'm' AND substr({f}.bind, 1, 2) = 'i:')
    THEN 'b:' || substr({v}, 3) || '|' || substr({f}.bind, 3)
  ELSE {v} END"""

_NEW_FLOWS = """
WITH dd AS (
  SELECT key, val, substr(val, 1, 2) AS vk, substr(val, 3) AS vq FROM d
),
fn AS (
  SELECT key, val,
    CASE WHEN vk = 'f:' THEN vq ELSE split_part(vq, '|', 1) END AS fkey,
    CASE WHEN vk = 'f:' THEN 0 ELSE 1 END AS shift
  FROM dd WHERE vk = 'f:' OR vk = 'b:'
),
cand AS (
  -- attribute loads on modules
  SELECT a.e AS dst, dd.vq || '.' || a.attr AS src, CAST(NULL AS VARCHAR) AS bind
  FROM attr a JOIN dd ON a.base = dd.key WHERE dd.vk = 'm:'
  UNION ALL
  -- attribute loads on classes and instances, along the MRO
  SELECT a.e, coalesce(l.owner, dd.vq) || '.' || a.attr, dd.val
  FROM attr a JOIN dd ON a.base = dd.key
  LEFT JOIN lookup l ON l.cls = dd.vq AND l.attr = a.attr
  WHERE dd.vk = 'c:' OR dd.vk = 'i:'
  UNION ALL
  -- super(): the MRO of the instance's class after the defining class
  SELECT a.e, sl.owner || '.' || a.attr, 'i:' || split_part(dd.vq, '|', 2)
  FROM attr a JOIN dd ON a.base = dd.key
  JOIN superlookup sl ON sl.k = split_part(dd.vq, '|', 1)
    AND sl.cls = split_part(dd.vq, '|', 2) AND sl.attr = a.attr
  WHERE dd.vk = 's:'
  UNION ALL
  -- attribute stores
  SELECT coalesce(l.owner, dd.vq) || '.' || s.attr, s.src, CAST(NULL AS VARCHAR)
  FROM astore s JOIN dd ON s.base = dd.key
  LEFT JOIN lookup l ON l.cls = dd.vq AND l.attr = s.attr
  WHERE dd.vk = 'c:' OR dd.vk = 'i:'
  UNION ALL
  SELECT dd.vq || '.' || s.attr, s.src, CAST(NULL AS VARCHAR)
  FROM astore s JOIN dd ON s.base = dd.key WHERE dd.vk = 'm:'
  UNION ALL
  -- container elements
  SELECT s.e, dd.vq || '[]', CAST(NULL AS VARCHAR)
  FROM sub s JOIN dd ON s.base = dd.key WHERE dd.vk = 'l:'
  UNION ALL
  SELECT dd.vq || '[]', s.src, CAST(NULL AS VARCHAR)
  FROM sstore s JOIN dd ON s.base = dd.key WHERE dd.vk = 'l:'
  UNION ALL
  -- call results of functions and bound methods
  SELECT c.res, fn.fkey || '.<ret>', 'P'
  FROM calls c JOIN fn ON c.ckey = fn.key WHERE c.res IS NOT NULL
  UNION ALL
  -- decorators outside the repo keep the decorated function
  SELECT c.res, a.src, CAST(NULL AS VARCHAR)
  FROM calls c JOIN dd ON c.ckey = dd.key JOIN args a ON a.ckey = c.ckey AND a.pos = 0
  WHERE c.mode = 'deco' AND (dd.vk = 'x:' OR substr(dd.val, 1, 3) = 'xi:')
  UNION ALL
  -- constructors call __init__, instances their __call__ (found along the MRO)
  SELECT c.ckey, l.owner || '.' || l.attr, 'i:' || dd.vq
  FROM calls c JOIN dd ON c.ckey = dd.key
  JOIN lookup l ON l.cls = dd.vq
    AND l.attr = CASE WHEN dd.vk = 'c:' THEN '__init__' ELSE '__call__' END
  WHERE (dd.vk = 'c:' AND c.mode <> 'hof') OR (dd.vk = 'i:' AND c.mode <> 'raise')
  UNION ALL
  -- arguments -> parameters: positional, keyword, *args/**kwargs both sides
  SELECT p.key, a.src, 'P'
  FROM fn JOIN args a ON a.ckey = fn.key
  JOIN params p ON p.fkey = fn.fkey AND p.kind = 'p' AND p.pos = a.pos + fn.shift
  WHERE a.pos >= 0 AND a.star = 0
  UNION ALL
  SELECT p.key, a.src, 'P'
  FROM fn JOIN args a ON a.ckey = fn.key JOIN params p ON p.fkey = fn.fkey AND p.name = a.kw
  WHERE a.kw IS NOT NULL AND (p.kind = 'p' OR p.kind = 'k')
  UNION ALL
  SELECT v.key || '[]', a.src, 'P'
  FROM fn JOIN args a ON a.ckey = fn.key JOIN varg v ON v.fkey = fn.fkey AND v.kind = 'v'
  WHERE (a.pos >= 0 AND a.star = 0 AND a.pos + fn.shift >= v.npos) OR a.star = 1
  UNION ALL
  SELECT v.key || '[]', a.src, 'P'
  FROM fn JOIN args a ON a.ckey = fn.key JOIN varg v ON v.fkey = fn.fkey AND v.kind = 'w'
  LEFT JOIN params p ON p.fkey = fn.fkey AND p.name = a.kw AND p.kind <> 'v' AND p.kind <> 'w'
  WHERE (a.kw IS NOT NULL AND p.key IS NULL) OR a.star = 2
  UNION ALL
  SELECT p.key, a.src, 'P'
  FROM fn JOIN args a ON a.ckey = fn.key JOIN params p ON p.fkey = fn.fkey
  WHERE (a.star = 1 AND p.kind = 'p' AND p.pos >= fn.shift)
     OR (a.star = 2 AND (p.kind = 'p' OR p.kind = 'k') AND p.pos >= fn.shift)
)
SELECT dst, src, bind FROM cand WHERE dst IS NOT NULL AND src IS NOT NULL
EXCEPT SELECT dst, src, bind FROM flow
"""

_NEW_PT = """
WITH dd AS (
  SELECT key, val, substr(val, 1, 2) AS vk, substr(val, 3) AS vq FROM d
),
cand AS (
  SELECT f.dst AS key, {t1} AS val
  FROM flow f JOIN d ON f.src = d.key LEFT JOIN mk ON mk.fval = d.val
  UNION ALL
  SELECT f.dst, {t2}
  FROM nf f JOIN pt p ON f.src = p.key LEFT JOIN mk ON mk.fval = p.val
  UNION ALL
  -- annotated parameters and except-as names hold instances of the class
  SELECT a.key, 'i:' || dd.vq FROM ann a JOIN dd ON a.src = dd.key WHERE dd.vk = 'c:'
  UNION ALL
  -- calling a class makes an instance; calling something external, an external
  -- (results of builtins are left out: nothing is resolved through them)
  SELECT c.res, CASE WHEN dd.vk = 'c:' THEN 'i:' || dd.vq ELSE 'xi:' || dd.vq END
  FROM calls c JOIN dd ON c.ckey = dd.key
  WHERE c.res IS NOT NULL
    AND (dd.vk = 'c:' OR (dd.vk = 'x:' AND substr(dd.vq, 1, 9) <> 'builtins.'))
  UNION ALL
  -- attributes of external objects are external objects
  SELECT a.e, 'x:' || CASE WHEN dd.vk = 'x:' THEN dd.vq ELSE substr(dd.val, 4) END
    || '.' || a.attr
  FROM attr a JOIN dd ON a.base = dd.key
  WHERE (dd.vk = 'x:' OR (substr(dd.val, 1, 3) = 'xi:' AND substr(dd.val, 4, 9) <> 'builtins.'))
    -- bound the dotted depth: ``n = n.next`` loops would grow names forever
    AND length(dd.val) - length(replace(dd.val, '.', '')) < 5
  UNION ALL
  -- the receiver of a bound method call is its first parameter
  SELECT p.key, CASE WHEN mk.mkind = 'c' THEN 'c:' ELSE 'i:' END
    || split_part(dd.vq, '|', 2)
  FROM calls c JOIN dd ON c.ckey = dd.key
  JOIN params p ON p.fkey = split_part(dd.vq, '|', 1) AND p.pos = 0
  LEFT JOIN mk ON mk.fval = 'f:' || split_part(dd.vq, '|', 1)
  WHERE dd.vk = 'b:'
  UNION ALL
  -- super() inside a method of class K, for each class C of self
  SELECT s.e, 's:' || s.cls || '|' || dd.vq
  FROM sup s JOIN dd ON s.selfkey = dd.key WHERE dd.vk = 'i:' OR dd.vk = 'c:'
)
SELECT DISTINCT key, val FROM cand
WHERE key IS NOT NULL AND val IS NOT NULL AND key NOT IN (SELECT key FROM sat)
EXCEPT SELECT key, val FROM pt
"""


# Widening: a key that may hold this many values stops growing (and values of
# external objects do not cross calls, flows marked ``P``: parameters and returns). Context-insensitive
# points-to sets of widely shared parameters (``inspect.isfunction(object)``) otherwise
# grow with the whole program; a call reaching that many targets is noise anyway.
KEY_CAP = 16


class PointsTo:
    """Holds the relations and runs rounds until nothing new is derived."""

    def __init__(self, facts: dict[str, pa.Table], seeds: Any) -> None:
        cfg = datafusion.SessionConfig().with_target_partitions(2)
        self.ctx = datafusion.SessionContext(cfg)
        self.rounds = 0
        self.seeds = seeds
        init_seed, flow_seed = seeds.tables()
        init = pa.concat_tables([facts["rs_init"].select(["key", "val"]).cast(_KV), init_seed])
        flows = pa.concat_tables([facts["rs_flow"].select(["dst", "src"]), flow_seed])
        self.flow = pa.table(
            {
                "dst": flows.column("dst"),
                "src": flows.column("src"),
                "bind": pa.nulls(flows.num_rows, pa.string()),
            },
            schema=_FLOW,
        )
        self._reg("flow", self.flow)
        self._reg("nf", _FLOW.empty_table())
        init = self._q("SELECT DISTINCT key, val FROM __init", __init=init)
        self.pt = init
        self.delta = init
        self._reg("pt", self.pt)
        self._reg("d", self.delta)
        self._update_saturated()
        calls = facts["rs_call"]
        self._reg("calls", calls.select(["callid", "ckey", "res", "mode"]))
        self._reg("args", facts["rs_arg"])
        self._reg("params", facts["rs_param"])
        self._reg("attr", facts["rs_attr"])
        self._reg("astore", facts["rs_astore"])
        self._reg("sub", facts["rs_sub"])
        self._reg("sstore", facts["rs_sstore"])
        self._reg("ann", facts["rs_ann"])
        self._reg("sup", facts["rs_super"])
        self._reg("__defs", facts["rs_def"])
        self._reg(
            "mk",
            self._q("SELECT DISTINCT val AS fval, mkind FROM __defs WHERE mkind IS NOT NULL"),
        )
        self._reg(
            "varg",
            self._q(
                """SELECT v.fkey, v.key, v.kind,
                   (SELECT count(*) FROM params p WHERE p.fkey = v.fkey AND p.kind = 'p') AS npos
                   FROM params v WHERE v.kind = 'v' OR v.kind = 'w'"""
            ),
        )
        empty3 = pa.schema([("cls", pa.string()), ("attr", pa.string()), ("owner", pa.string())])
        self._reg("lookup", empty3.empty_table())
        self._reg(
            "superlookup",
            pa.schema(
                [
                    ("k", pa.string()),
                    ("cls", pa.string()),
                    ("attr", pa.string()),
                    ("owner", pa.string()),
                ]
            ).empty_table(),
        )
        self._sql_flows = _NEW_FLOWS
        self._sql_pt = _NEW_PT.format(
            t1=_TRANSFORM.format(f="f", v="d.val"), t2=_TRANSFORM.format(f="f", v="p.val")
        )

    # -- plumbing ----------------------------------------------------------
    def _reg(self, name: str, table: pa.Table) -> None:
        try:
            self.ctx.deregister_table(name)
        except Exception:  # noqa: BLE001 - not registered yet
            pass
        self.ctx.from_arrow(table, name=name)

    def _q(self, sql: str, **tables: pa.Table) -> pa.Table:
        for n, t in tables.items():
            self._reg(n, t)
        return self.ctx.sql(sql).to_arrow_table()

    def sql(self, sql: str) -> pa.Table:
        return self.ctx.sql(sql).to_arrow_table()

    def register(self, name: str, table: pa.Table) -> None:
        self._reg(name, table)

    def _update_saturated(self) -> None:
        self.saturated = self.ctx.sql(
            f"SELECT key FROM pt GROUP BY key HAVING count(*) >= {KEY_CAP}"
        ).to_arrow_table()
        self._reg("sat", self.saturated)

    def size(self) -> int:
        return self.pt.num_rows

    # -- stages --------------------------------------------------------------
    def enable_classes(self, hier: Any) -> None:
        """Stage B: class lookups become available; every known fact is re-examined
        by the rules (the whole of ``pt`` becomes the delta once)."""
        self._reg("lookup", hier.lookup)
        self._reg("superlookup", hier.superlookup)
        if hier.self_init.num_rows:
            extra = self._q(
                "SELECT DISTINCT key, val FROM __si EXCEPT SELECT key, val FROM pt",
                __si=hier.self_init,
            )
            self.pt = pa.concat_tables([self.pt, extra])
            self._reg("pt", self.pt)
        self.delta = self.pt
        self._reg("d", self.delta)

    def run(self, max_rounds: int = 200) -> None:
        while self.delta.num_rows and max_rounds > 0:
            max_rounds -= 1
            self.rounds += 1
            nf = self.ctx.sql(self._sql_flows).to_arrow_table().cast(_FLOW)
            self._reg("nf", nf)
            new = self.ctx.sql(self._sql_pt).to_arrow_table().cast(_KV)
            if nf.num_rows:
                self.flow = pa.concat_tables([self.flow, nf])
                self._reg("flow", self.flow)
            self.pt = pa.concat_tables([self.pt, new])
            self.delta = new
            self._reg("pt", self.pt)
            self._reg("d", new)
            self._update_saturated()
        self._reg("nf", _FLOW.empty_table())
