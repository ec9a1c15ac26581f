"""Turn the points-to facts into contract edges and props (joins in DataFusion).

* CALL: every value a call key may hold that is a FUNCTION (bound methods included),
  CLASS or EXTERNAL, from the node performing the call (explicit or implicit);
* IMPORTS: MODULE -> imported module / EXTERNAL; IMPORT -> imported module or symbol;
* INHERITS: CLASS -> base CLASS / EXTERNAL; props ``mro`` and ``mro_error``;
* REF: a use of an imported name -> the definition it denotes in the other module;
* props ``caller`` (qualname of the FUNCTION/MODULE performing a resolved call) and
  ``callee`` (callee text of a CALL node with no resolved target).
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from ..schema import EDGE_SCHEMA, PROP_SCHEMA, XEDGE_SCHEMA
from . import ResolveInput, ResolveOutput
from .classes import Hierarchy
from .modules import ModuleMap

_NORM = """CASE WHEN substr(val, 1, 2) = 'b:' THEN 'f:' || split_part(substr(val, 3), '|', 1)
  ELSE val END"""


def _column(values: Any, type_: pa.DataType) -> Any:
    if isinstance(values, pa.ChunkedArray):
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


def build_outputs(
    inp: ResolveInput, pt: Any, facts: dict[str, pa.Table], mm: ModuleMap, h: Hierarchy
) -> ResolveOutput:
    mods = sorted(mm.path_of)
    from .. import ids

    pt.register(
        "__mods",
        pa.table(
            {
                "val": ["m:" + m for m in mods],
                "node_id": pa.array([ids.file_base(mm.path_of[m]) for m in mods], pa.int64()),
            }
        ),
    )
    pt.register(
        "__calls",
        facts["rs_call"],
    )
    pt.register("__imp", facts["rs_import"])
    pt.register("__use", facts["rs_use"])
    pt.register("__base", facts["rs_base"])
    targets = """(SELECT val, node_id FROM __defs UNION ALL SELECT val, node_id FROM __mods)"""
    edges: list[pa.Table] = []
    xedges: list[pa.Table] = []
    props: list[pa.Table] = []

    # CALL
    pt.register(
        "__cv",
        pt.sql(
            f"""SELECT DISTINCT c.callid, {_NORM} AS v
                FROM __calls c JOIN pt p ON p.key = c.ckey"""
        ),
    )
    call_e = pt.sql(
        f"""SELECT DISTINCT c.callid AS src, t.node_id AS dst FROM __cv c
            JOIN {targets} t ON t.val = c.v
            WHERE substr(c.v, 1, 2) IN ('f:', 'c:')"""
    )
    edges.append(_edges(call_e.column("src"), call_e.column("dst"), "CALL"))
    call_x = pt.sql(
        """SELECT DISTINCT callid AS src, substr(v, 3) AS dst FROM __cv
           WHERE substr(v, 1, 2) = 'x:'"""
    )
    xedges.append(_xedges(call_x.column("src"), call_x.column("dst"), "CALL"))
    pt.register(
        "__resolved",
        pa.table(
            {
                "callid": pa.concat_arrays(
                    [
                        pc.cast(call_e.column("src").combine_chunks(), pa.int64()),
                        pc.cast(call_x.column("src").combine_chunks(), pa.int64()),
                    ]
                )
            }
        ),
    )
    caller = pt.sql(
        """SELECT DISTINCT c.callid, c.caller FROM __calls c
           WHERE c.callid IN (SELECT callid FROM __resolved)"""
    )
    props.append(_props(caller.column("callid"), "caller", caller.column("caller")))
    nodes = inp.nodes
    if nodes.num_rows:
        calls_n = nodes.filter(pc.equal(nodes.column("kind"), "CALL")).select(["node_id", "name"])
        pt.register("__calln", calls_n)
        unres = pt.sql(
            """SELECT node_id, name FROM __calln
               WHERE name IS NOT NULL AND node_id NOT IN (SELECT callid FROM __resolved)"""
        )
        props.append(_props(unres.column("node_id"), "callee", unres.column("name")))

    # IMPORTS
    s = pt.seeds
    edges.append(_edges(s.mod_src, s.mod_dst, "IMPORTS"))
    xedges.append(_xedges(s.mod_ext_src, s.mod_ext_dst, "IMPORTS"))
    edges.append(_edges(s.stmt_src, s.stmt_dst, "IMPORTS"))
    xedges.append(_xedges(s.stmt_ext_src, s.stmt_ext_dst, "IMPORTS"))
    imp_v = f"""SELECT DISTINCT i.stmt_id AS src, {_NORM} AS v
                FROM __imp i JOIN pt p ON p.key = i.akey WHERE i.kind = 'from'"""
    ie = pt.sql(
        f"SELECT DISTINCT src, t.node_id AS dst FROM ({imp_v}) x JOIN {targets} t ON t.val = x.v"
    )
    edges.append(_edges(ie.column("src"), ie.column("dst"), "IMPORTS"))
    ix = pt.sql(
        f"SELECT DISTINCT src, substr(v, 3) AS dst FROM ({imp_v}) x WHERE substr(v, 1, 2) = 'x:'"
    )
    xedges.append(_xedges(ix.column("src"), ix.column("dst"), "IMPORTS"))

    # REF across modules
    ref_v = f"""SELECT DISTINCT u.node_id AS src, {_NORM} AS v
                FROM __use u JOIN pt p ON p.key = u.akey"""
    re_ = pt.sql(
        f"SELECT DISTINCT src, t.node_id AS dst FROM ({ref_v}) x JOIN {targets} t ON t.val = x.v"
    )
    edges.append(_edges(re_.column("src"), re_.column("dst"), "REF"))
    rx = pt.sql(
        f"SELECT DISTINCT src, substr(v, 3) AS dst FROM ({ref_v}) x WHERE substr(v, 1, 2) = 'x:'"
    )
    xedges.append(_xedges(rx.column("src"), rx.column("dst"), "REF"))

    # INHERITS and MRO
    inh = pt.sql(
        f"""SELECT DISTINCT d.node_id AS src, t.node_id AS dst, p.val AS v
            FROM __base b JOIN pt p ON p.key = b.key
            JOIN __defs d ON d.val = 'c:' || b.cls
            LEFT JOIN {targets} t ON t.val = p.val
            WHERE substr(p.val, 1, 2) IN ('c:', 'x:')"""
    )
    inh_c = inh.filter(pc.is_valid(inh.column("dst")))
    edges.append(_edges(inh_c.column("src"), inh_c.column("dst"), "INHERITS"))
    inh_x = inh.filter(pc.starts_with(inh.column("v"), "x:"))
    xedges.append(
        _xedges(inh_x.column("src"), pc.utf8_slice_codeunits(inh_x.column("v"), 2), "INHERITS")
    )
    cdefs = facts["rs_def"].filter(pc.starts_with(facts["rs_def"].column("val"), "c:"))
    mro_n: list[int] = []
    mro_v: list[str] = []
    err_n: list[int] = []
    err_v: list[str] = []
    for nid, q in zip(
        cdefs.column("node_id").to_pylist(), cdefs.column("qual").to_pylist(), strict=False
    ):
        seq = [v[2:] for v in h.mro.get(q, ["c:" + q])]
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
        {
            "call_edges": call_e.num_rows + call_x.num_rows,
            "unresolved_calls": int(
                sum(
                    p.num_rows
                    for p in props
                    if p.num_rows and p.column("key")[0].as_py() == "callee"
                )
            ),
            "classes": len(h.mro),
        }
    )
    return out
