"""One repo's CPG in memory, shaped for the security analysis: node columns as numpy
arrays indexed by position in the sorted node ids, adjacency of the edge kinds the
rules need, the props that constant folding reads, and constant folding itself.

Only what the analysis reads is loaded (projected columns, filtered kinds), straight
from the Delta tables through DataFusion. The analysed code is never imported or run.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from codeanatomy_hamilton.core.vocabulary import VALUE_FLOW_KINDS, EdgeKind, NodeKind

NO = object()  # "not a constant"
_FOLD_DEPTH = 12

_BIN: dict[str, Any] = {
    "Add": operator.add,
    "Sub": operator.sub,
    "Mult": operator.mul,
    "FloorDiv": operator.floordiv,
    "Mod": operator.mod,
    "Div": operator.truediv,
    "BitAnd": operator.and_,
    "BitOr": operator.or_,
    "BitXor": operator.xor,
}
_CMP: dict[str, Any] = {
    "Eq": operator.eq,
    "NotEq": operator.ne,
    "Lt": operator.lt,
    "LtE": operator.le,
    "Gt": operator.gt,
    "GtE": operator.ge,
    "Is": operator.is_,
    "IsNot": operator.is_not,
    "In": lambda a, b: a in b,
    "NotIn": lambda a, b: a not in b,
}
_SCALAR = (int, float, str, bytes, bool, type(None))


def lit(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


class Col:
    """A string column, dictionary-encoded: ``col[i]`` is the string (or None) at
    position ``i``, ``col[array]`` an object array; ``eq``/``isin`` compare through
    the codes (millions of rows cost one integer pass, not a Python object each)."""

    def __init__(self, codes: np.ndarray, values: np.ndarray) -> None:
        self.codes = codes
        self.values = values  # the dictionary, then None (code -1)

    @classmethod
    def of(cls, arr: Any) -> Col:
        if isinstance(arr, pa.ChunkedArray):
            arr = arr.combine_chunks() if arr.num_chunks else pa.array([], pa.string())
        d = pc.dictionary_encode(arr)
        codes = np.asarray(d.indices.fill_null(-1).to_numpy(zero_copy_only=False), np.int64)
        vals = np.asarray(d.dictionary.to_numpy(zero_copy_only=False), object)
        return cls(codes, np.append(vals, np.array([None], object)))

    def take(self, order: np.ndarray) -> Col:
        return Col(self.codes[order], self.values)

    def __getitem__(self, i: Any) -> Any:
        return self.values[self.codes[i]]

    def __len__(self) -> int:
        return len(self.codes)

    def eq(self, s: str) -> np.ndarray:
        return self.isin([s])

    def isin(self, strings: Iterable[str]) -> np.ndarray:
        want = set(strings)
        table = np.fromiter((v in want for v in self.values.tolist()), bool, len(self.values))
        table[-1] = False  # null
        return table[self.codes]


def _col(t: pa.Table, name: str) -> Col:
    return Col.of(t.column(name))


def _ints(t: pa.Table, name: str, fill: int = -1) -> np.ndarray:
    c = t.column(name)
    return np.asarray(c.fill_null(fill).to_numpy(zero_copy_only=False), np.int64)


def _has_table(ctx: Any, name: str) -> bool:
    try:
        ctx.table(name)
    except Exception:  # noqa: BLE001 - DataFusion raises plain Exceptions
        return False
    return True


class Adj:
    """Edges grouped by source position (CSR), with extra per-edge columns."""

    def __init__(self, n: int, src: np.ndarray, dst: np.ndarray, **cols: np.ndarray) -> None:
        o = np.argsort(src, kind="stable")
        self.src = src[o]
        self.dst = dst[o]
        self.cols = {k: v[o] for k, v in cols.items()}
        self.ptr = np.searchsorted(self.src, np.arange(n + 1))

    def of(self, i: int) -> range:
        return range(int(self.ptr[i]), int(self.ptr[i + 1]))

    def targets(self, i: int) -> np.ndarray:
        return self.dst[self.ptr[i] : self.ptr[i + 1]]


class Cpg:
    """The CPG of one repo (see module docstring)."""

    def __init__(self, ctx: Any, repo: str) -> None:
        self.repo = repo
        r = lit(repo)
        t = ctx.sql(
            "SELECT node_id, kind, ast_type, name, qualname, path, start_line, end_line "
            f"FROM cpg_nodes WHERE repo = {r}"
        ).to_arrow_table()
        ids = _ints(t, "node_id", 0)
        o = np.argsort(ids, kind="stable")
        self.ids = ids[o]
        self.n = len(self.ids)
        self.kind = _col(t, "kind").take(o)
        self.ast = _col(t, "ast_type").take(o)
        self.name = _col(t, "name").take(o)
        self.qual = _col(t, "qualname").take(o)
        self.path = _col(t, "path").take(o)
        self.line = _ints(t, "start_line")[o]
        self.end_line = _ints(t, "end_line")[o]
        del t

        # the copy clustered by source id, where present: sources arrive in order, so
        # their positions are found (and grouped) in cache-friendly passes
        etable = "cpg_edges_by_src" if _has_table(ctx, "cpg_edges_by_src") else "cpg_edges"

        def edges(kinds: Iterable[str], cols: str) -> pa.Table:
            ks = ", ".join(lit(k) for k in kinds)
            return ctx.sql(
                f"SELECT src_id, dst_id{cols} FROM {etable} WHERE repo = {r} AND kind IN ({ks})"
            ).to_arrow_table()

        n = self.n
        # AST edges, less those to expression contexts and operators (a third of
        # them, never read here: operators are props)
        a = ctx.sql(
            f'SELECT src_id, dst_id, field, "index" FROM {etable} WHERE repo = {r} '
            f"AND kind = '{EdgeKind.AST}' AND field NOT IN ('ctx', 'op', 'ops')"
        ).to_arrow_table()
        s, d = self.pos(_ints(a, "src_id", 0)), self.pos(_ints(a, "dst_id", 0))
        field = _col(a, "field")
        index = _ints(a, "index")
        self.children = Adj(n, s, d, field=field[np.arange(len(s))], index=index)
        self.parent = np.full(n, -1, np.int64)
        self.parent[d] = s
        codes = np.full(n, -1, np.int64)
        codes[d] = field.codes
        self.pfield = Col(codes, field.values)
        del a

        f = edges(VALUE_FLOW_KINDS, ", kind, label, variable")
        fs, fd = self.pos(_ints(f, "src_id", 0)), self.pos(_ints(f, "dst_id", 0))
        fkind = _col(f, "kind")[np.arange(f.num_rows)]
        var = _col(f, "variable")[np.arange(f.num_rows)]
        label = _col(f, "label")[np.arange(f.num_rows)]
        self.flow = Adj(n, fs, fd, kind=fkind, variable=var, label=label)
        self.flow_back = Adj(n, fd, fs, kind=fkind, label=label)
        del f

        x = edges([EdgeKind.REF, EdgeKind.CALL, EdgeKind.INHERITS, EdgeKind.RECEIVER], ", kind")
        xs, xd = self.pos(_ints(x, "src_id", 0)), self.pos(_ints(x, "dst_id", 0))
        xk = _col(x, "kind")
        self.ref = Adj(n, xs[xk.eq(EdgeKind.REF)], xd[xk.eq(EdgeKind.REF)])
        self.calls = Adj(n, xs[xk.eq(EdgeKind.CALL)], xd[xk.eq(EdgeKind.CALL)])
        self.inherits = Adj(n, xs[xk.eq(EdgeKind.INHERITS)], xd[xk.eq(EdgeKind.INHERITS)])
        self.receiver = Adj(n, xs[xk.eq(EdgeKind.RECEIVER)], xd[xk.eq(EdgeKind.RECEIVER)])
        g = edges([EdgeKind.ARGUMENT], ', label, "index"')
        self.args = Adj(
            n,
            self.pos(_ints(g, "src_id", 0)),
            self.pos(_ints(g, "dst_id", 0)),
            label=_col(g, "label")[np.arange(g.num_rows)],
            index=_ints(g, "index"),
        )
        p = ctx.sql(
            "SELECT node_id, key, value, value_type FROM cpg_props WHERE repo = "
            f"{r} AND key IN ('value', 'operator', 'operators', 'unreachable')"
        ).to_arrow_table()
        pid = self.pos(_ints(p, "node_id", 0))
        key = p.column("key").to_numpy(zero_copy_only=False)
        val = p.column("value").to_numpy(zero_copy_only=False)
        vt = p.column("value_type").to_numpy(zero_copy_only=False)
        self.value: dict[int, tuple[str, str]] = {}
        self.op: dict[int, str] = {}
        self.dead: set[int] = set()
        for i, k, v, ty in zip(pid.tolist(), key.tolist(), val.tolist(), vt.tolist(), strict=True):
            if k == "value":
                self.value[i] = (v, ty)
            elif k == "unreachable":
                self.dead.add(i)
            else:
                self.op[i] = v
        self._fold: dict[int, Any] = {}
        self._callee: dict[int, list[str]] = {}
        self._module_of_path: dict[str, str] | None = None
        self._ctx = ctx

    def add_flow(self, src: list[int], dst: list[int], kind: str) -> None:
        """Extra value-flow edges (positions) the analysis derives on top of the CPG's."""
        if not src:
            return
        fl = self.flow
        s = np.concatenate([fl.src, np.asarray(src, np.int64)])
        d = np.concatenate([fl.dst, np.asarray(dst, np.int64)])
        extra = np.array([kind] * len(src), object)
        none = np.array([None] * len(src), object)
        kinds = np.concatenate([fl.cols["kind"], extra])
        var = np.concatenate([fl.cols["variable"], none])
        label = np.concatenate([fl.cols["label"], none])
        self.flow = Adj(self.n, s, d, kind=kinds, variable=var, label=label)
        self.flow_back = Adj(self.n, d, s, kind=kinds, label=label)

    # -- positions ----------------------------------------------------------------
    def pos(self, node_ids: np.ndarray) -> np.ndarray:
        p = np.searchsorted(self.ids, node_ids)
        p = np.minimum(p, max(self.n - 1, 0))
        bad = self.ids[p] != node_ids if self.n else np.ones(len(node_ids), bool)
        if bad.any():  # an endpoint outside this repo's nodes: park it on itself-less -1
            p = p.copy()
            p[bad] = -1
        return p

    def child(self, i: int, field: str, index: int | None = None) -> int:
        ch = self.children
        for e in ch.of(i):
            if ch.cols["field"][e] == field and (index is None or ch.cols["index"][e] == index):
                return int(ch.dst[e])
        return -1

    def kids(self, i: int, field: str) -> list[int]:
        ch = self.children
        out = [
            (int(ch.cols["index"][e]), int(ch.dst[e]))
            for e in ch.of(i)
            if ch.cols["field"][e] == field
        ]
        return [d for _k, d in sorted(out)]

    def walk(self, i: int) -> Iterator[int]:
        """``i`` and its AST descendants."""
        stack = [i]
        ch = self.children
        while stack:
            j = stack.pop()
            yield j
            stack.extend(ch.targets(j).tolist())

    def ancestors(self, i: int) -> Iterator[tuple[int, int]]:
        """(ancestor, the child of it on the way up) from the parent of ``i`` upward."""
        c = i
        p = int(self.parent[i])
        while p >= 0:
            yield p, c
            c, p = p, int(self.parent[p])

    def function_of(self, i: int) -> int:
        for p, _c in self.ancestors(i):
            if self.kind[p] in (NodeKind.FUNCTION, NodeKind.MODULE, NodeKind.CLASS):
                return p
        return -1

    # -- names --------------------------------------------------------------------
    def callees(self, i: int) -> list[str]:
        """What the CALL node ``i`` invokes: qualnames of its CALL targets, else the
        callee text."""
        got = self._callee.get(i)
        if got is None:
            got = [q for q in (self.qual[j] for j in self.calls.targets(i).tolist()) if q]
            if not got and self.name[i]:
                got = [str(self.name[i])]
            self._callee[i] = got
        return got

    def dotted(self, i: int, depth: int = 0) -> str | None:
        """The dotted external name an expression denotes: an identifier that refers to
        an EXTERNAL, an attribute chain on one, or a call's resolved callee + "()"."""
        if i < 0 or depth > 8:
            return None
        k = self.kind[i]
        if k == NodeKind.IDENTIFIER:
            for j in self.ref.targets(i).tolist():
                if self.kind[j] == NodeKind.EXTERNAL and self.qual[j]:
                    return str(self.qual[j])
            return None
        if k == NodeKind.ATTRIBUTE:
            base = self.dotted(self.child(i, "value"), depth + 1)
            return None if base is None else base + "." + str(self.name[i])
        if k == NodeKind.EXTERNAL:
            return self.qual[i]
        return None

    def arg(self, call: int, spec: Any) -> int:
        """The argument node of ``call`` for a spec (``0`` / ``"kw:NAME"``), or -1."""
        a = self.args
        if isinstance(spec, str) and spec.startswith("kw:"):
            want = spec[3:]
            for e in a.of(call):
                if a.cols["label"][e] == want:
                    return int(a.dst[e])
            return -1
        pos = int(spec)
        for e in a.of(call):
            if a.cols["label"][e] is None and a.cols["index"][e] == pos:
                return int(a.dst[e])
        return -1

    def kwargs_splat(self, call: int) -> list[int]:
        a = self.args
        return [int(a.dst[e]) for e in a.of(call) if a.cols["label"][e] == "**"]

    # -- constant folding -------------------------------------------------------------
    def literal(self, i: int) -> Any:
        v = self.value.get(i)
        if v is None:
            return NO
        text, ty = v
        try:
            if ty == "str":
                return text
            if ty == "int":
                return int(text)
            if ty == "float":
                return float(text)
            if ty == "bool":
                return text == "True"
            if ty == "none":
                return None
            if ty == "bytes":
                return ast.literal_eval(text)  # a bytes repr: data, never code
        except (ValueError, SyntaxError):
            return NO
        return NO

    def fold(self, i: int, depth: int = 0) -> Any:
        """The constant value of the expression at ``i`` over the CPG, else ``NO``:
        literals, arithmetic, comparisons, ``not``/``and``/``or``, conditional
        expressions, subscripts of constant strings and dicts, and variables, module
        attributes, imported names and container elements whose every definition that
        reaches them is such a constant."""
        if i < 0:
            return NO
        if i in self._fold:
            return self._fold[i]
        if depth > _FOLD_DEPTH:
            return NO
        self._fold[i] = NO  # cycles fold to "unknown"
        v = self._fold_uncached(i, depth + 1)
        if v is not NO and not isinstance(v, _SCALAR + (dict, tuple, frozenset)):
            v = NO
        self._fold[i] = v
        return v

    def _fold_uncached(self, i: int, depth: int) -> Any:  # noqa: C901 - one dispatch
        at = self.ast[i]
        if at == "Constant":
            return self.literal(i)
        if at == "BinOp":
            f = _BIN.get(self.op.get(i, ""))
            a, b = self.fold(self.child(i, "left"), depth), self.fold(self.child(i, "right"), depth)
            if f is None or a is NO or b is NO:
                return NO
            if isinstance(a, (int, float)) and isinstance(b, (int, float)):
                if abs(a) > 1e12 or abs(b) > 1e12:
                    return NO
            elif not (isinstance(a, str) and isinstance(b, str) and f is operator.add):
                return NO
            try:
                return f(a, b)
            except (ArithmeticError, TypeError, ValueError):
                return NO
        if at == "UnaryOp":
            v = self.fold(self.child(i, "operand"), depth)
            op = self.op.get(i)
            if v is NO:
                return NO
            if op == "Not":
                return not v
            if op == "USub" and isinstance(v, (int, float)):
                return -v
            if op == "UAdd" and isinstance(v, (int, float)):
                return v
            return NO
        if at == "Compare":
            ops = (self.op.get(i) or "").split(",")
            left = self.fold(self.child(i, "left"), depth)
            rights = [self.fold(c, depth) for c in self.kids(i, "comparators")]
            if left is NO or any(r is NO for r in rights) or len(ops) != len(rights):
                return NO
            result = True
            for op, right in zip(ops, rights, strict=True):
                f = _CMP.get(op)
                if f is None:
                    return NO
                try:
                    result = result and bool(f(left, right))
                except TypeError:
                    return NO
                left = right
            return result
        if at == "BoolOp":
            vals = [self.fold(c, depth) for c in self.kids(i, "values")]
            if not vals or any(v is NO for v in vals):
                return NO
            if self.op.get(i) == "And":
                for v in vals:
                    if not v:
                        return v
                return vals[-1]
            for v in vals:
                if v:
                    return v
            return vals[-1]
        if at == "IfExp":
            c = self.fold(self.child(i, "test"), depth)
            if c is NO:
                return NO
            return self.fold(self.child(i, "body" if c else "orelse"), depth)
        if at == "Dict":
            keys = [self.fold(k, depth) for k in self.kids(i, "keys")]
            vals = self.kids(i, "values")
            if len(keys) != len(vals) or any(k is NO or not isinstance(k, str) for k in keys):
                return NO
            return {k: v for k, v in zip(keys, vals, strict=True)}  # values stay nodes
        if at in ("Tuple", "Set", "List"):
            vals = [self.fold(c, depth) for c in self.kids(i, "elts")]
            if any(v is NO for v in vals):
                return NO
            return tuple(vals) if at != "Set" else frozenset(vals)
        if at == "Subscript":
            base = self.fold(self.child(i, "value"), depth)
            key = self.fold(self.child(i, "slice"), depth)
            if key is not NO and isinstance(base, dict) and isinstance(key, str):
                node = base.get(key)
                return NO if node is None else self.fold(node, depth)
            if key is not NO and isinstance(base, (str, tuple)) and isinstance(key, int):
                try:
                    return base[key]
                except IndexError:
                    return NO
            return self._fold_defs(i, depth, (EdgeKind.FLOW_ELEM,))
        if at == "Name" and self.kind[i] == NodeKind.IDENTIFIER:
            v = self._fold_defs(i, depth, (EdgeKind.REACHING_DEF, EdgeKind.FLOW_GLOBAL))
            if v is NO:
                v = self._fold_import(i, depth)
            return v
        if at == "Attribute":
            return self._fold_defs(i, depth, (EdgeKind.FLOW_ATTR,))
        return NO

    def _fold_defs(self, i: int, depth: int, kinds: tuple[str, ...]) -> Any:
        """The common constant of every definition reaching ``i`` over ``kinds``."""
        fb = self.flow_back
        srcs = [
            int(fb.dst[e])
            for e in fb.of(i)
            if fb.cols["kind"][e] in kinds and fb.cols["label"][e] != "base"
        ]
        if any(fb.cols["label"][e] == "base" for e in fb.of(i) if fb.cols["kind"][e] in kinds):
            return NO
        if not srcs:
            return NO
        vals = []
        for s in srcs:
            if s in self.dead:
                continue
            vals.append(self._fold_def(s, depth))
        if not vals or any(v is NO for v in vals):
            return NO
        first = vals[0]
        if any(type(v) is not type(first) or v != first for v in vals[1:]):
            return NO
        return first

    def _fold_def(self, d: int, depth: int) -> Any:
        """The value a definition node holds: a store target gets its one FLOW source."""
        if self.kind[d] in (NodeKind.PARAMETER, NodeKind.ALIAS, NodeKind.FUNCTION, NodeKind.CLASS):
            return NO
        if self.ast[d] in ("Name", "Attribute", "Subscript") or self.kind[d] == NodeKind.IDENTIFIER:
            fb = self.flow_back
            srcs = [int(fb.dst[e]) for e in fb.of(d) if fb.cols["kind"][e] == EdgeKind.FLOW]
            if len(srcs) == 1 and self.pfield[d] in ("targets", "target"):
                return self.fold(srcs[0], depth)
            return NO
        return self.fold(d, depth)

    def _fold_import(self, i: int, depth: int) -> Any:
        """A name imported with ``from .mod import NAME``: the module's constant."""
        for a in self.ref.targets(i).tolist():
            if self.kind[a] != NodeKind.ALIAS:
                continue
            imp = int(self.parent[a])
            if imp < 0 or self.ast[imp] != "ImportFrom":
                return NO
            target = self._resolve_module(str(self.path[imp]), str(self.name[imp] or ""))
            if target is None:
                return NO
            return self._module_constant(target, str(self.name[a]), depth)
        return NO

    def _resolve_module(self, path: str, spec: str) -> str | None:
        if self._module_of_path is None:
            t = self._ctx.sql(
                f"SELECT path, module FROM file_index WHERE repo = {lit(self.repo)}"
            ).to_arrow_table()
            self._module_of_path = dict(
                zip(t.column("path").to_pylist(), t.column("module").to_pylist(), strict=True)
            )
        mod = self._module_of_path.get(path)
        if mod is None:
            return None
        level = len(spec) - len(spec.lstrip("."))
        rest = spec[level:]
        if level:
            parts = mod.split(".")
            if not path.endswith("__init__.py"):
                parts = parts[:-1]
            parts = parts[: len(parts) - (level - 1)] if level > 1 else parts
            full = ".".join([*parts, rest] if rest else parts)
        else:
            full = rest
        for p, m in self._module_of_path.items():
            if m == full:
                return p
        return None

    def _module_constant(self, path: str, name: str, depth: int) -> Any:
        stores = [
            j
            for j in np.flatnonzero(self.path.eq(path) & self.name.eq(name)).tolist()
            if self.kind[j] == NodeKind.IDENTIFIER
            and self.pfield[j] == "targets"
            and self.kind[int(self.parent[int(self.parent[j])])] == NodeKind.MODULE
        ]
        if len(stores) != 1:
            return NO
        return self._fold_def(stores[0], depth)

    # -- dead code ------------------------------------------------------------------
    def is_dead(self, i: int) -> bool:
        """``i`` lies in code that cannot run: a branch of an ``if``/``while``/``match``
        or an arm of a conditional expression whose condition folds to a constant."""
        if i in self.dead:
            return True
        for p, c in self.ancestors(i):
            at = self.ast[p]
            if at in ("If", "While", "IfExp"):
                fld = self.pfield[c]
                if fld not in ("body", "orelse"):
                    continue
                v = self.fold(self.child(p, "test"))
                if v is NO:
                    continue
                if (fld == "body" and not v) or (fld == "orelse" and v and at != "While"):
                    return True
            elif at == "match_case" and self._dead_case(p):
                return True
        return False

    def _dead_case(self, case: int) -> bool:
        match = int(self.parent[case])
        subject = self.fold(self.child(match, "subject"))
        if subject is NO:
            return False
        for c in self.kids(match, "cases"):
            hit = self._case_hits(c, subject)
            if hit is None:
                return False
            if hit:
                return c != case
            if c == case:
                return True
        return False

    def _case_hits(self, case: int, subject: Any) -> bool | None:
        """Does the case's pattern take ``subject``? None when it cannot be told."""
        if self.child(case, "guard") >= 0:
            return None
        pat = self.child(case, "pattern")
        return self._pattern_hits(pat, subject)

    def _pattern_hits(self, pat: int, subject: Any) -> bool | None:
        at = self.ast[pat]
        if at == "MatchValue":
            v = self.fold(self.child(pat, "value"))
            return None if v is NO else v == subject
        if at == "MatchAs" and self.child(pat, "pattern") < 0:
            return True  # `case _` / `case name`
        if at == "MatchOr":
            hits = [self._pattern_hits(p, subject) for p in self.kids(pat, "patterns")]
            if any(h is None for h in hits):
                return None
            return any(hits)
        return None
