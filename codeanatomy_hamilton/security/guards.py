"""Code that cannot carry taint: dead nodes, branches whose condition folds to a
constant (``infeasible_edge``) and allow-list checks on a variable that return early
or hold the use (``guarded``). Methods of ``engine.Analysis``."""

from __future__ import annotations

from typing import Any

from codeanatomy_hamilton.core.vocabulary import EdgeKind, NodeKind
from codeanatomy_hamilton.security.graph import Cpg
from codeanatomy_hamilton.security.rules import Matcher, RuleSet

_STORE_FIELDS = ("targets", "target")
_EXITS = ("Return", "Raise", "Continue", "Break")


class Guards:
    """Mixed into ``engine.Analysis``, whose state (``g``: the Cpg, ``rules``, the
    per-rule indexes set up in ``__init__``) these methods read."""

    g: Cpg
    rules: RuleSet

    # -- dead code and guards --------------------------------------------------------
    def dead(self, i: int) -> bool:
        v = self._dead.get(i)
        if v is None:
            v = self.g.is_dead(i)
            self._dead[i] = v
        return v

    def guarded(self, i: int) -> bool:
        """An allow-list check on the variable read at ``i`` protects this use."""
        v = self._guard.get(i)
        if v is None:
            v = self._guarded(i)
            self._guard[i] = v
        return v

    def _guarded(self, i: int) -> bool:
        g = self.g
        if g.kind[i] != NodeKind.IDENTIFIER or g.pfield[i] in _STORE_FIELDS:
            return False
        name = str(g.name[i])
        for p, c in g.ancestors(i):
            at = g.ast[p]
            if at == "If" and g.pfield[c] == "body" and self._checks(g.child(p, "test"), name) > 0:
                return True
            # earlier statements of the block holding c: `if <fails>: return`
            fld = g.pfield[c]
            if fld in ("body", "orelse", "finalbody"):
                for s in g.kids(p, fld):
                    if s == c:
                        break
                    if g.ast[s] == "If" and self._exits(s):
                        if self._checks(g.child(s, "test"), name) < 0:
                            return True
            if g.kind[p] in (NodeKind.FUNCTION, NodeKind.CLASS, NodeKind.MODULE):
                break
        return False

    def infeasible_edge(self, u: int, v: int) -> int:
        """The FLOW_ELEM edge ``u -> v`` when it cannot carry a value, else -1: ``u``
        is appended to a local list at a position other than the constant index ``v``
        reads (the list made empty once, only appended to, in straight-line code)."""
        g = self.g
        fl = g.flow
        e = next(
            (e for e in fl.of(u) if fl.dst[e] == v and fl.cols["kind"][e] == EdgeKind.FLOW_ELEM), -1
        )
        if e < 0 or g.ast[v] != "Subscript":
            return -1
        call = int(g.parent[u])
        if call < 0 or g.kind[call] != NodeKind.CALL or g.pfield[u] != "args":
            return -1
        recv = g.receiver.targets(call).tolist()
        base = g.child(v, "value")
        k = g.fold(g.child(v, "slice"))
        if len(recv) != 1 or base < 0 or not isinstance(k, int) or isinstance(k, bool):
            return -1
        defs = self._single_def(recv[0])
        if defs < 0 or defs != self._single_def(base):
            return -1
        fb = g.flow_back
        init = [int(fb.dst[x]) for x in fb.of(defs) if fb.cols["kind"][x] == EdgeKind.FLOW]
        if len(init) != 1 or g.ast[init[0]] != "List" or g.kids(init[0], "elts"):
            return -1
        block = int(g.parent[defs])  # the Assign statement
        owner, fld = int(g.parent[block]), g.pfield[block]
        ops: list[tuple[int, int, str, Any]] = []  # (line, call, method, index)
        vline = int(g.line[v])
        for use in g.flow.targets(defs).tolist():  # REACHING_DEF to every use of the list
            if use == base or use < 0:
                continue
            p = int(g.parent[use])
            if g.ast[p] != "Attribute" or g.pfield[use] != "value":
                return -1
            c = int(g.parent[p])
            meth = g.name[p]
            if g.kind[c] != NodeKind.CALL or meth not in ("append", "pop", "insert"):
                return -1
            stmt = int(g.parent[c])
            if int(g.parent[stmt]) != owner or g.pfield[stmt] != fld:
                return -1  # inside a loop or a branch: positions are not constant
            at: Any = None
            if meth in ("pop", "insert"):
                a0 = g.arg(c, 0)
                at = g.fold(a0) if a0 >= 0 else -1
                if not isinstance(at, int) or isinstance(at, bool):
                    return -1
            if int(g.line[c]) < vline:
                ops.append((int(g.line[c]), c, meth, at))
        items: list[int] = []
        for _line, c, meth, at in sorted(ops):
            try:
                if meth == "append":
                    items.append(c)
                elif meth == "insert":
                    items.insert(at, c)
                else:
                    items.pop(at)
            except IndexError:
                return -1
        if call not in items:
            return e  # popped before the read
        try:
            return e if items[k] != call else -1
        except IndexError:
            return -1

    def _single_def(self, use: int) -> int:
        fb = self.g.flow_back
        d = [int(fb.dst[x]) for x in fb.of(use) if fb.cols["kind"][x] == EdgeKind.REACHING_DEF]
        return d[0] if len(d) == 1 else -1

    def _exits(self, if_node: int) -> bool:
        g = self.g
        body = g.kids(if_node, "body")
        if not body:
            return False
        last = body[-1]
        if g.ast[last] in _EXITS or g.kind[last] == NodeKind.RETURN:
            return True
        if g.ast[last] == "Expr":
            v = g.child(last, "value")
            return (
                v >= 0
                and g.kind[v] == NodeKind.CALL
                and any(n.rpartition(".")[2] in ("abort", "exit") for n in g.callees(v))
            )
        return False

    def _mentions(self, i: int, name: str) -> bool:
        g = self.g
        return any(g.kind[j] == NodeKind.IDENTIFIER and g.name[j] == name for j in g.walk(i))

    def _checks(self, t: int, name: str) -> int:
        """+1 when the test passing means ``name`` was validated, -1 when the test
        passing means it failed validation, 0 when the test is no check of it."""
        g = self.g
        if t < 0:
            return 0
        at = g.ast[t]
        if at == "UnaryOp" and g.op.get(t) == "Not":
            return -self._checks(g.child(t, "operand"), name)
        if at == "BoolOp":
            parts = [self._checks(c, name) for c in g.kids(t, "values")]
            if g.op.get(t) == "And":
                return 1 if 1 in parts else 0
            return -1 if -1 in parts else 0
        if at == "Compare":
            ops = (g.op.get(t) or "").split(",")
            if len(ops) != 1 or not self._mentions(g.child(t, "left"), name):
                return 0
            if ops[0] in ("In", "Eq", "Is"):
                return 1
            if ops[0] in ("NotIn", "NotEq", "IsNot"):
                return -1
            return 0
        if g.kind[t] == NodeKind.CALL:
            gd = self.rules.guards
            meths = {str(m) for m in gd.get("methods", [])}
            funcs = Matcher([str(f) for f in gd.get("functions", [])])
            names = g.callees(t)
            recv = g.receiver.targets(t).tolist()
            if any(n.rpartition(".")[2] in meths for n in names) and any(
                self._mentions(r, name) for r in recv
            ):
                return 1
            if any(funcs(n) for n in names):
                a = g.args
                if any(self._mentions(int(a.dst[e]), name) for e in a.of(t)):
                    return 1
        return 0
