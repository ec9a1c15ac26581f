"""Security findings over a built CPG: taint tracking from sources to sinks over the
value-flow graph, and API misuse (weak hashes, insecure randomness, insecure cookies).

Taint moves along the CPG's value-flow edges (``VALUE_FLOW_KINDS``: REACHING_DEF and
the FLOW* kinds of docs/tables.md, built by ``extract.valueflow`` and
``resolve.valueflow``), one breadth-first search per rule over positions in numpy. A
value stops at:

* a sanitizer call for that CWE (the rule's ``sanitizers``, ``sanitizers_all``, or a
  value-flow model edge tagged ``sanitizes: [cwe-N]``);
* code that cannot run: a branch or conditional-expression arm whose condition folds
  to a constant over the CPG (``Cpg.fold``: literals, arithmetic, comparisons,
  variables and imported constants whose every reaching definition is constant), a
  ``match`` case a constant subject cannot take, and the CPG's ``unreachable`` nodes;
* an allow-list check on the variable (``guards``): an ``if`` whose failing branch
  leaves the function, or whose passing branch holds the use.

Overwrites, other list elements and other dict keys need no code here: REACHING_DEF
kills overwritten definitions and FLOW_ELEM is precise for constant indices and keys.
Dead code and guards are checked on each path found; a path through such a node
blocks it and the search runs again, so a finding always has a live path.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from codeanatomy_hamilton.core.vocabulary import EdgeKind, NodeKind
from codeanatomy_hamilton.security.graph import NO, Cpg
from codeanatomy_hamilton.security.rules import Matcher, Rule, RuleSet

_MAX_ROUNDS = 40
_STORE_FIELDS = ("targets", "target")
_EXITS = ("Return", "Raise", "Continue", "Break")
_SHELL_FLAGS = ("-c", "/c", "/C")


@dataclass
class Step:
    node_id: int
    path: str | None
    line: int | None
    kind: str
    name: str | None


@dataclass
class Finding:
    rule_id: str
    cwe: int
    severity: str
    message: str
    repo: str
    path: str | None
    line: int | None
    sink_id: int
    source_id: int | None
    steps: list[Step] = field(default_factory=list)

    @property
    def kind(self) -> str:
        return "taint" if self.source_id is not None else "misuse"


class Analysis:
    """Evaluates a RuleSet over one repo's Cpg."""

    def __init__(self, cpg: Cpg, rules: RuleSet) -> None:
        self.g = cpg
        self.rules = rules
        g = cpg
        self.is_call = g.kind.eq(NodeKind.CALL)
        # (CALL position, callee code) pairs: resolved targets' qualnames, else the
        # callee text; codes index ``self._callee_names`` (each distinct string once)
        cs, cd = g.calls.src, g.calls.dst
        ok = (cs >= 0) & (cd >= 0)
        cs, cd = cs[ok], cd[ok]
        qcodes = g.qual.codes[cd]
        has_q = qcodes >= 0
        resolved = np.zeros(g.n, bool)
        resolved[cs[has_q]] = True
        un = np.flatnonzero(self.is_call & ~resolved)
        ncodes = g.name.codes[un]
        keep = ncodes >= 0
        names = np.concatenate([g.qual.values[qcodes[has_q]], g.name.values[ncodes[keep]]])
        uq, inv = np.unique(names.astype(str), return_inverse=True)
        self._callee_names = uq
        self._callee_method = np.array([x.rpartition(".")[2] for x in uq.tolist()], dtype=str)
        self._callee_dotted = np.char.find(uq, ".") >= 0 if len(uq) else np.zeros(0, bool)
        self._call_pos = np.concatenate([cs[has_q], un[keep]])
        self._call_code = inv.astype(np.int64)
        self._match_cache: dict[tuple[str, ...], np.ndarray] = {}
        self._dead: dict[int, bool] = {}
        self._container_edges()
        # value-flow edges whose model sanitizes some CWEs: (edge, {"cwe-N", ...});
        # after the container edges, which renumber the edges
        var = g.flow.cols["variable"]
        tagged = np.flatnonzero(np.array([v is not None for v in var], bool)) if len(var) else []
        self._tags = [
            (int(e), set(str(var[e]).partition(":")[2].split(",")))
            for e in tagged
            if str(var[e]).startswith("sanitizes:")
        ]
        self._guard: dict[int, bool] = {}
        self._edge_base = self._precise_element_reads()
        self.views = self._views()

    # -- selection -------------------------------------------------------------------
    def calls_matching(self, patterns: list[str]) -> np.ndarray:
        """CALL positions whose callee matches any pattern (see rules.yaml): exact
        names and ``.method`` patterns vectorised over the distinct callee strings,
        globs by regex over those that hold the glob's literal parts."""
        key = tuple(sorted(str(p) for p in patterns))
        got = self._match_cache.get(key)
        if got is not None:
            return got
        uq = self._callee_names
        hit = np.zeros(len(uq), bool)
        exact = [p for p in key if not p.startswith(".") and not any(c in p for c in "*?[")]
        methods = [p[1:] for p in key if p.startswith(".")]
        globs = [p for p in key if not p.startswith(".") and any(c in p for c in "*?[")]
        if len(uq):
            if exact:
                hit |= np.isin(uq, exact)
            if methods:
                hit |= np.isin(self._callee_method, methods) & self._callee_dotted
            for gpat in globs:
                rx = re.compile(fnmatch.translate(gpat))
                cand = np.ones(len(uq), bool)
                for part in re.split(r"[*?\[\]]", gpat):
                    if part:
                        cand &= np.char.find(uq, part) >= 0
                for k in np.flatnonzero(cand & ~hit).tolist():
                    if rx.match(str(uq[k])):
                        hit[k] = True
        out = np.unique(self._call_pos[hit[self._call_code]]) if len(uq) else np.zeros(0, np.int64)
        self._match_cache[key] = out
        return out

    def _container_edges(self) -> None:
        """Edges the per-call models cannot give, added before any search:

        * a value put into a local container (``x.append(v)``, ``x.add``, ``x.insert``,
          ``x.extend``, ``x.update``, ``x[k] = v``) -> each later use of that
          container as a call argument or returned value (``" ".join(x)``,
          ``subprocess.run(x)``): the call receives the whole container;
        * ``c.set(section, key, v)`` -> ``c.get(section, key)`` on the same object
          (configparser), when the constant section and key agree (or are unknown).
        """
        g = self.g
        src: list[int] = []
        dst: list[int] = []
        arg_nodes = set(g.args.dst[g.args.dst >= 0].tolist())
        muts = ("append", "add", "insert", "extend", "update", "appendleft", "extendleft")
        mcalls = self.calls_matching(["." + m for m in muts])
        sets: list[tuple[int, int, tuple[Any, Any], int]] = []
        gets: list[tuple[int, int, tuple[Any, Any]]] = []
        for c in self.calls_matching([".set", ".get"]).tolist():
            recv = g.receiver.targets(c).tolist()
            if len(recv) != 1 or g.kind[recv[0]] != NodeKind.IDENTIFIER:
                continue
            d = self._single_def(recv[0])
            meth = str(g.name[c]).rpartition(".")[2]
            a0, a1, a2 = g.arg(c, 0), g.arg(c, 1), g.arg(c, 2)
            if meth == "set" and a2 >= 0 and d >= 0:
                sets.append((d, a2, (g.fold(a0), g.fold(a1)), c))
            elif meth == "get" and a1 >= 0 and d >= 0:
                gets.append((d, c, (g.fold(a0), g.fold(a1))))
        for d, v, key, _c in sets:
            for gd, gc, gkey in gets:
                if gd == d and all(
                    x is NO or y is NO or x == y for x, y in zip(key, gkey, strict=True)
                ):
                    src.append(v)
                    dst.append(gc)
        stores: list[tuple[int, int]] = []  # (value node, receiver / base name node)
        for c in mcalls.tolist():
            recv = g.receiver.targets(c).tolist()
            if len(recv) == 1 and g.kind[recv[0]] == NodeKind.IDENTIFIER:
                for e in g.args.of(c):
                    stores.append((int(g.args.dst[e]), recv[0]))
        for i in np.flatnonzero(g.ast.eq("Subscript")).tolist():
            if g.pfield[i] in _STORE_FIELDS:
                base = g.child(i, "value")
                if base >= 0 and g.kind[base] == NodeKind.IDENTIFIER:
                    stores.append((i, base))  # the stored value flows into the target
        fl = g.flow
        for v, base in stores:
            d = self._single_def(base)
            if d < 0:
                continue
            for e in fl.of(d):
                u = int(fl.dst[e])
                if (
                    u != base
                    and fl.cols["kind"][e] == EdgeKind.REACHING_DEF
                    and (u in arg_nodes or g.kind[int(g.parent[u])] == NodeKind.RETURN)
                ):
                    src.append(v)
                    dst.append(u)
        g.add_flow(src, dst, "FLOW_CONTAINER")

    def _precise_element_reads(self) -> np.ndarray:
        """Edges every search may use: all but the "whole container" edges
        (FLOW_ELEM labelled ``whole``) into the receiver of ``d.get(k)``,
        ``d.pop(k)`` or ``d.setdefault(k, ...)`` with a constant key: that read is an
        element load, whose precise FLOW_ELEM edges already bring the value of key
        ``k`` (and of unknown keys), so the other keys' values must not arrive through
        the container as a whole."""
        g = self.g
        fl = g.flow
        ok = np.ones(len(fl.dst), bool)
        whole = np.flatnonzero(
            (fl.cols["kind"] == EdgeKind.FLOW_ELEM) & (fl.cols["label"] == "whole")
        )
        if not len(whole):
            return ok
        reads = self.calls_matching([".get", ".pop", ".setdefault"])
        recv_of: dict[int, int] = {}
        for c in reads.tolist():
            if g.fold(g.arg(c, 0)) is not NO:
                for r in g.receiver.targets(c).tolist():
                    recv_of[r] = c
        for e in whole.tolist():
            if int(fl.dst[e]) in recv_of:
                ok[e] = False
        return ok

    def _views(self) -> set[int]:
        """FUNCTION positions that handle requests (see ``views`` in rules.yaml)."""
        g = self.g
        vcfg = self.rules.views
        out: set[int] = set()
        ch = g.children
        dec = ch.cols["field"] == "decorator_list"
        dec_fn, dec_node = ch.src[dec], ch.dst[dec]
        hits = set(self.calls_matching(list(vcfg.get("decorators", []))).tolist())
        for f, d in zip(dec_fn.tolist(), dec_node.tolist(), strict=True):
            if d in hits:
                out.add(f)
        bases = Matcher([str(b) for b in vcfg.get("bases", [])])
        methods = {str(m) for m in vcfg.get("methods", [])}
        if bases and methods:
            view_classes = self._classes_deriving(bases)
            for c in view_classes:
                for e in ch.of(c):
                    j = int(ch.dst[e])
                    if g.kind[j] == NodeKind.FUNCTION and g.name[j] in methods:
                        out.add(j)
        return out

    def _classes_deriving(self, bases: Matcher) -> set[int]:
        g = self.g
        inh = g.inherits
        src = inh.src[inh.src >= 0]
        found: set[int] = set()
        changed = True
        cand = np.unique(src).tolist()
        while changed:
            changed = False
            for c in cand:
                if c in found:
                    continue
                for b in inh.targets(c).tolist():
                    if b in found or bases(g.qual[b]):
                        found.add(c)
                        changed = True
                        break
        return found

    def params(self, fn: int) -> list[int]:
        g = self.g
        a = g.child(fn, "args")
        if a < 0:
            return []
        out: list[int] = []
        for fld in ("posonlyargs", "args", "kwonlyargs"):
            out.extend(g.kids(a, fld))
        for fld in ("vararg", "kwarg"):
            j = g.child(a, fld)
            if j >= 0:
                out.append(j)
        return out

    def returns_of(self, fn: int) -> list[int]:
        """Values of the ``return`` statements of ``fn`` (not of nested functions)."""
        g = self.g
        out = []
        stack = g.kids(fn, "body")
        while stack:
            j = stack.pop()
            k = g.kind[j]
            if k in (NodeKind.FUNCTION, NodeKind.CLASS):
                continue
            if k == NodeKind.RETURN:
                v = g.child(j, "value")
                if v >= 0:
                    out.append(v)
                continue
            if g.kind[j] in (
                NodeKind.STATEMENT,
                NodeKind.CONTROL_STRUCTURE,
                NodeKind.EXCEPT_HANDLER,
                NodeKind.MATCH_CASE,
            ):
                stack.extend(g.children.targets(j).tolist())
        return out

    def sources(self) -> np.ndarray:
        g = self.g
        src = self.rules.sources
        out: list[int] = []
        attrs = {str(a) for a in src.get("attributes", [])}
        last = {a.rpartition(".")[2] for a in attrs}
        cand = np.flatnonzero(
            g.kind.isin([NodeKind.ATTRIBUTE, NodeKind.IDENTIFIER]) & g.name.isin(last)
        )
        for i in cand.tolist():
            if g.pfield[i] in _STORE_FIELDS:
                continue
            d = g.dotted(i)
            if d in attrs:
                out.append(i)
        out.extend(self.calls_matching([str(c) for c in src.get("calls", [])]).tolist())
        out.extend(self._object_members(src.get("objects") or {}))
        pattrs = src.get("parameter_attributes") or {}
        if pattrs:
            names = {a for v in pattrs.values() for a in v}
            for i in np.flatnonzero(g.kind.eq(NodeKind.ATTRIBUTE) & g.name.isin(names)).tolist():
                base = g.child(i, "value")
                if base < 0 or g.kind[base] != NodeKind.IDENTIFIER:
                    continue
                for p in g.ref.targets(base).tolist():
                    if g.kind[p] == NodeKind.PARAMETER and g.name[i] in pattrs.get(
                        str(g.name[p]), ()
                    ):
                        out.append(i)
        if src.get("view_parameters"):
            for f in self.views:
                ps = self.params(f)
                for k, p in enumerate(ps):
                    if g.name[p] in ("self", "cls") and k == 0:
                        continue
                    out.append(p)
        return np.unique(np.asarray(out, np.int64))

    def _object_members(self, objects: dict[str, list[str]]) -> list[int]:
        """Members (``x.args``, the result of ``x.get_json()``) of any value that flows
        from one of the objects (``flask.request`` passed to a helper as ``req``)."""
        g = self.g
        out: list[int] = []
        for obj, members in objects.items():
            names = {str(m) for m in members}
            last = obj.rpartition(".")[2]
            cand = np.flatnonzero(
                g.kind.isin([NodeKind.IDENTIFIER, NodeKind.ATTRIBUTE]) & g.name.eq(last)
            )
            roots = [i for i in cand.tolist() if g.dotted(i) == obj]
            if not roots:
                continue
            none = np.zeros(g.n, bool)
            parent = self._bfs(np.asarray(roots, np.int64), none, np.ones(len(g.flow.dst), bool))
            reached = parent != -2
            for i in np.flatnonzero(g.kind.eq(NodeKind.ATTRIBUTE) & g.name.isin(names)).tolist():
                base = g.child(i, "value")
                if base < 0 or not reached[base] or g.pfield[i] in _STORE_FIELDS:
                    continue
                p = int(g.parent[i])
                if p >= 0 and g.kind[p] == NodeKind.CALL and g.pfield[i] == "func":
                    out.append(p)  # a method: its result
                else:
                    out.append(i)
        return out

    def sinks(self, rule: Rule) -> dict[int, int]:
        """sink node position -> the CALL (or statement) position it belongs to."""
        g = self.g
        out: dict[int, int] = {}
        for s in rule.sinks:
            if s.get("view_return"):
                for f in self.views:
                    for v in self.returns_of(f):
                        if not self._not_html(v):
                            out[v] = v
                continue
            if s.get("subscript_store"):
                want = {str(x) for x in s["subscript_store"]}
                for i in np.flatnonzero(g.ast.eq("Subscript")).tolist():
                    if g.pfield[i] in _STORE_FIELDS and g.dotted(g.child(i, "value")) in want:
                        out[i] = i
                continue
            calls = s.get("call")
            calls = [calls] if isinstance(calls, str) else list(calls or [])
            for c in self.calls_matching(calls).tolist():
                if not self._sink_applies(s, c):
                    continue
                for spec in s.get("args", [0]):
                    if spec == "receiver":
                        rv = g.receiver.targets(c).tolist()
                        a = rv[0] if rv else -1
                    else:
                        a = g.arg(c, spec)
                    if a < 0:
                        continue
                    if "element" in s:
                        a = self._element(a, int(s["element"]))
                        if a < 0:
                            continue
                    out[a] = c
        return out

    def _not_html(self, v: int) -> bool:
        """The returned response is declared as something other than HTML: made with
        a constant ``mimetype=`` / ``content_type=`` that is not ``text/html``, or given
        one later (``resp.mimetype = ...``, ``resp.headers["Content-Type"] = ...``)."""
        g = self.g

        def plain(node: int) -> bool:
            t = g.fold(node)
            return isinstance(t, str) and "html" not in t.lower() and "/" in t

        for m in self._defs_back(v, 3):
            if g.kind[m] == NodeKind.CALL:
                for kw in ("mimetype", "content_type"):
                    if plain(g.arg(m, "kw:" + kw)):
                        return True
        d = -1
        if g.kind[v] == NodeKind.IDENTIFIER:
            d = self._single_def(v)
        elif g.kind[v] == NodeKind.CALL:  # the variable the response is assigned to
            d = next(
                (
                    t
                    for t in g.flow.targets(v).tolist()
                    if t >= 0 and g.kind[t] == NodeKind.IDENTIFIER and g.pfield[t] in _STORE_FIELDS
                ),
                -1,
            )
        for u in g.flow.targets(d).tolist() if d >= 0 else []:
            p = int(g.parent[u]) if u >= 0 else -1
            if p < 0 or g.pfield[u] != "value":
                continue
            if g.ast[p] == "Attribute" and g.name[p] in ("mimetype", "content_type"):
                st = int(g.parent[p])
                if g.pfield[p] in _STORE_FIELDS and plain(g.child(st, "value")):
                    return True
            if g.ast[p] == "Attribute" and g.name[p] == "headers":
                sub = int(g.parent[p])
                if g.ast[sub] == "Subscript" and g.pfield[sub] in _STORE_FIELDS:
                    k = g.fold(g.child(sub, "slice"))
                    st = int(g.parent[sub])
                    if (
                        isinstance(k, str)
                        and k.lower() == "content-type"
                        and plain(g.child(st, "value"))
                    ):
                        return True
        return False

    def _sink_applies(self, s: dict[str, Any], c: int) -> bool:
        if s.get("unless_not_html") and self._not_html(c):
            return False
        g = self.g
        for kw, want in (s.get("when_kw") or {}).items():
            v = g.fold(g.arg(c, "kw:" + str(kw)))
            if v is NO or v != want:
                if v is NO and g.arg(c, "kw:" + str(kw)) >= 0:
                    return True  # a non-constant flag may be on: keep the sink
                return False
        for kw, safe in (s.get("unless_kw") or {}).items():
            a = g.arg(c, "kw:" + str(kw))
            if a < 0 and str(kw) == "Loader":
                a = g.arg(c, 1)
            if a >= 0 and g.dotted(a) in {str(x) for x in safe}:
                return False
        rfrom = s.get("receiver_from")
        if rfrom:
            # the receiver was made by one of these calls (through variables, returns)
            makers = set(self.calls_matching([str(x) for x in rfrom]).tolist())
            recv = g.receiver.targets(c).tolist()
            if not recv or self._made_by(recv[0], makers, 12) < 0:
                return False
        parser = s.get("parser")
        if parser:
            return self._parser_on(c, parser)
        sax = s.get("sax_parser")
        if sax:
            return self._sax_on(c, sax)
        return True

    def _sax_on(self, c: int, spec: dict[str, Any]) -> bool:
        """XXE through xml.sax: the parser the call runs on was made by ``make`` and
        got ``setFeature(<feature>, <true>)``."""
        g = self.g
        if spec.get("parser_args"):
            recv = [a for a in (g.arg(c, x) for x in spec["parser_args"]) if a >= 0][:1]
        else:
            recv = g.receiver.targets(c).tolist()
        if len(recv) != 1:
            return False
        makers = set(self.calls_matching(list(spec.get("make", []))).tolist())
        if self._made_by(recv[0], makers, 6) < 0:
            return False
        feature = str(spec.get("feature", "external_ges"))
        d = self._single_def(recv[0])
        for u in g.flow.targets(d).tolist() if d >= 0 else []:
            p = int(g.parent[u]) if u >= 0 else -1
            if p < 0 or g.ast[p] != "Attribute" or g.name[p] != "setFeature":
                continue
            call = int(g.parent[p])
            f, on = g.arg(call, 0), g.arg(call, 1)
            name = g.dotted(f) or (g.name[f] if f >= 0 else None) or g.fold(f)
            if isinstance(name, str) and (feature in name or "external-general" in name):
                v = g.fold(on)
                if v is NO or v:
                    return True
        return False

    def _parser_on(self, c: int, spec: dict[str, Any]) -> bool:
        """XXE: the parser argument comes from a parser call with the flag on."""
        g = self.g
        p = -1
        for a in spec.get("args", []):
            p = g.arg(c, a)
            if p >= 0:
                break
        if p < 0:
            return False
        makers = set(self.calls_matching(list(spec.get("call", []))).tolist())
        flag = str(spec.get("flag", ""))
        m = self._made_by(p, makers, 8)
        if m < 0:
            return False
        fa = g.arg(m, "kw:" + flag)
        if fa < 0:
            return bool(spec.get("flag_default", False))
        v = g.fold(fa)
        return True if v is NO else bool(v)

    def _made_by(self, i: int, makers: set[int], limit: int, cap: int = 300) -> int:
        """The first of ``makers`` whose value may reach ``i`` (backward over flow,
        at most ``limit`` edges and ``cap`` nodes), or -1."""
        if not makers:
            return -1
        g = self.g
        seen = {i}
        frontier = [i]
        for _ in range(limit):
            nxt = []
            for j in frontier:
                for k in g.flow_back.targets(j).tolist():
                    if k in makers:
                        return k
                    if k >= 0 and k not in seen:
                        seen.add(k)
                        nxt.append(k)
            if not nxt or len(seen) > cap:
                return -1
            frontier = nxt
        return -1

    def _defs_back(self, i: int, limit: int) -> list[int]:
        """Nodes whose value may reach ``i``, nearest first (backward over flow)."""
        g = self.g
        seen = {i}
        order = [i]
        frontier = [i]
        for _ in range(limit):
            nxt = []
            for j in frontier:
                for k in g.flow_back.targets(j).tolist():
                    if k >= 0 and k not in seen:
                        seen.add(k)
                        order.append(k)
                        nxt.append(k)
            frontier = nxt
        return order

    def _element(self, a: int, idx: int) -> int:
        """The program of an argv list: element ``idx`` of the list display the
        argument is (or is bound to), or the first value appended to it; the whole
        list when it runs a shell (``-c`` / ``/c`` among its constant elements)."""
        g = self.g
        for j in self._defs_back(a, 3):
            if g.ast[j] in ("List", "Tuple"):
                el = g.kids(j, "elts")
                if any(g.fold(x) in _SHELL_FLAGS for x in el):
                    return a
                if el:
                    return el[idx] if idx < len(el) else -1
                # an empty list filled by appends
                d = self._defs_back(a, 1)
                defs = [x for x in d if g.kind[x] == NodeKind.IDENTIFIER and x != a]
                added = []
                for x in defs[:1]:
                    for u in g.flow.targets(x).tolist():
                        p = int(g.parent[u]) if u >= 0 else -1
                        if p >= 0 and g.ast[p] == "Attribute" and g.name[p] in ("append", "extend"):
                            c = int(g.parent[p])
                            for e in g.args.of(c):
                                added.append((int(g.line[c]), int(g.args.dst[e])))
                if any(g.fold(v) in _SHELL_FLAGS for _l, v in added):
                    return a
                return min(added)[1] if added else -1
        return a  # a string or an unknown sequence: the whole value is the program

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

    # -- taint -----------------------------------------------------------------------
    def _bfs(self, sources: np.ndarray, blocked: np.ndarray, edge_ok: np.ndarray) -> np.ndarray:
        """Parent of every node reached from ``sources`` (-1 for a source, -2 unseen)."""
        g = self.g
        fl = g.flow
        parent = np.full(g.n, -2, np.int64)
        start = sources[~blocked[sources]]
        parent[start] = -1
        frontier = start
        ptr = fl.ptr
        while len(frontier):
            lo, hi = ptr[frontier], ptr[frontier + 1]
            cnt = hi - lo
            if not cnt.sum():
                break
            rep = np.repeat(np.arange(len(frontier)), cnt)
            off = np.arange(int(cnt.sum())) - np.repeat(np.cumsum(cnt) - cnt, cnt)
            e = lo[rep] + off
            d = fl.dst[e]
            ok = edge_ok[e] & (d >= 0)
            d, srcs = d[ok], frontier[rep[ok]]
            ok = ~blocked[d] & (parent[d] == -2)
            d, srcs = d[ok], srcs[ok]
            d, first = np.unique(d, return_index=True)
            parent[d] = srcs[first]
            frontier = d
        return parent

    def _path(self, parent: np.ndarray, i: int) -> list[int]:
        out = [i]
        while parent[out[-1]] >= 0 and len(out) < 10_000:
            out.append(int(parent[out[-1]]))
        return out[::-1]

    def taint(self, rule: Rule, sources: np.ndarray) -> list[Finding]:
        g = self.g
        cwe_tag = f"cwe-{rule.cwe}"
        sinks = self.sinks(rule)
        if not sinks or not len(sources):
            return []
        blocked = np.zeros(g.n, bool)
        blocked[list(g.dead)] = True
        san = self.calls_matching([*rule.sanitizers, *self.rules.sanitizers_all])
        blocked[san] = True
        edge_ok = self._edge_base.copy()
        for e, tags in self._tags:
            if cwe_tag in tags:
                edge_ok[e] = False
        sink_pos = np.fromiter(sinks.keys(), np.int64, len(sinks))
        findings: dict[int, list[int]] = {}
        for _round in range(_MAX_ROUNDS):
            parent = self._bfs(sources, blocked, edge_ok)
            reached = sink_pos[parent[sink_pos] != -2]
            bad: set[int] = set()
            findings = {}
            bad_edges: set[int] = set()
            for s in reached.tolist():
                path = self._path(parent, s)
                stop = [j for j in path if self.dead(j) or self.guarded(j)]
                cut = [self.infeasible_edge(a, b) for a, b in zip(path, path[1:], strict=False)]
                cut = [e for e in cut if e >= 0]
                if stop or cut:
                    bad.update(stop)
                    bad_edges.update(cut)
                else:
                    findings[s] = path
            if not bad and not bad_edges:
                break
            blocked[list(bad)] = True
            edge_ok[list(bad_edges)] = False
        out = []
        for s, path in findings.items():
            call = sinks[s]
            out.append(
                Finding(
                    rule.id,
                    rule.cwe,
                    rule.severity,
                    rule.message,
                    g.repo,
                    g.path[call],
                    int(g.line[call]) if g.line[call] >= 0 else None,
                    int(g.ids[call]),
                    int(g.ids[path[0]]),
                    self.steps(path + ([call] if call != s else [])),
                )
            )
        return out

    def steps(self, path: list[int]) -> list[Step]:
        """The path as steps, one per source line: consecutive nodes on one line
        collapse to the last of them, except on the first line, where the source
        itself stays."""
        g = self.g
        out: list[Step] = []
        for j in path:
            st = Step(
                int(g.ids[j]),
                g.path[j],
                int(g.line[j]) if g.line[j] >= 0 else None,
                str(g.kind[j]),
                g.name[j],
            )
            if st.line is None:
                continue
            if out and (out[-1].path, out[-1].line) == (st.path, st.line):
                if len(out) > 1:  # the first step stays the source itself
                    out[-1] = st
            else:
                out.append(st)
        return out

    # -- API misuse --------------------------------------------------------------------
    def _finding(self, rule: Rule, call: int, detail: str) -> Finding:
        g = self.g
        return Finding(
            rule.id,
            rule.cwe,
            rule.severity,
            rule.message.replace("{detail}", detail),
            g.repo,
            g.path[call],
            int(g.line[call]) if g.line[call] >= 0 else None,
            int(g.ids[call]),
            None,
            self.steps([call]),
        )

    def weak_hash(self, rule: Rule) -> list[Finding]:
        g = self.g
        spec = rule.spec
        weak = {str(w).lower() for w in spec.get("weak_algorithms", [])}
        direct = [str(c) for c in spec.get("calls", [])]
        dm = Matcher(direct)
        exempt = spec.get("exempt_kw") or {}
        out = []
        for c in self.calls_matching(direct).tolist():
            if self.dead(c) or self._exempt(c, exempt):
                continue
            out.append(self._finding(rule, c, next(iter(g.callees(c)), "?")))
        for ac in spec.get("algorithm_calls", []):
            for c in self.calls_matching(list(ac.get("call", []))).tolist():
                if self.dead(c) or self._exempt(c, exempt):
                    continue
                a = g.arg(c, int(ac.get("arg", 0)))
                if a < 0 and ac.get("kw"):
                    a = g.arg(c, "kw:" + str(ac["kw"]))
                if a < 0:
                    continue
                v = g.fold(a)
                if isinstance(v, str) and v.lower() in weak:
                    out.append(self._finding(rule, c, f"{v} through {g.callees(c)[0]}"))
                elif v is NO and dm(g.dotted(a)):
                    out.append(self._finding(rule, c, str(g.dotted(a))))
        return out

    def _exempt(self, c: int, exempt: dict[str, Any]) -> bool:
        g = self.g
        for kw, want in exempt.items():
            v = g.fold(g.arg(c, "kw:" + str(kw)))
            if v is not NO and v == want:
                return True
        return False

    def insecure_cookie(self, rule: Rule) -> list[Finding]:
        g = self.g
        flag = str(rule.spec.get("flag", "secure"))
        out = []
        for c in self.calls_matching([str(x) for x in rule.spec.get("calls", [])]).tolist():
            if self.dead(c):
                continue
            a = g.arg(c, "kw:" + flag)
            if a < 0:
                a = g.arg(c, 6)  # set_cookie(key, value, max_age, expires, path, domain, secure)
            if a >= 0:
                v = g.fold(a)
                if v is not NO and not v:
                    out.append(self._finding(rule, c, f"{flag}={v!r}"))
                continue
            splat = g.kwargs_splat(c)
            if not splat:
                out.append(self._finding(rule, c, f"no {flag}= argument"))
                continue
            decided = False
            for s in splat:
                d = g.fold(s)
                if isinstance(d, dict):
                    if flag in d:
                        v = g.fold(d[flag])
                        if v is not NO and not v:
                            out.append(self._finding(rule, c, f"{flag}={v!r} in **options"))
                        decided = True
                    else:
                        decided = decided or False
            if not decided and all(isinstance(g.fold(s), dict) for s in splat):
                out.append(self._finding(rule, c, f"no {flag} key in **options"))
        return out

    def insecure_random(self, rule: Rule) -> list[Finding]:
        g = self.g
        spec = rule.spec
        token = re.compile(str(spec.get("token_name", "token")))
        calls = self.calls_matching([str(x) for x in spec.get("calls", [])])
        calls = np.asarray([c for c in calls.tolist() if not self.dead(c)], np.int64)
        if not len(calls):
            return []
        sink_calls = set(self.calls_matching([str(x) for x in spec.get("sink_calls", [])]).tolist())
        sink_subs = {str(x) for x in spec.get("sink_subscripts", [])}
        blocked = np.zeros(g.n, bool)
        blocked[list(g.dead)] = True
        edge_ok = np.ones(len(g.flow.dst), bool)
        out = []
        arg_of: dict[int, tuple[int, Any]] = {}
        a = g.args
        for c in calls.tolist():
            parent = self._bfs(np.asarray([c], np.int64), blocked, edge_ok)
            reached = np.flatnonzero(parent != -2)
            hit = None
            for r in reached.tolist():
                why = self._token_use(r, token, sink_calls, sink_subs, arg_of, a)
                if why and not self.dead(r):
                    hit = why
                    break
            if hit:
                out.append(self._finding(rule, c, hit))
        return out

    def _token_use(
        self,
        r: int,
        token: re.Pattern[str],
        sink_calls: set[int],
        sink_subs: set[str],
        arg_of: dict[int, tuple[int, Any]],
        a: Any,
    ) -> str | None:
        g = self.g
        fld = g.pfield[r]
        if (
            g.kind[r] == NodeKind.IDENTIFIER
            and fld in _STORE_FIELDS
            and token.search(str(g.name[r]))
        ):
            return f"secret ({g.name[r]})"
        if g.ast[r] == "Subscript" and fld in _STORE_FIELDS:
            if g.dotted(g.child(r, "value")) in sink_subs:
                return "session value"
            k = g.fold(g.child(r, "slice"))
            if isinstance(k, str) and token.search(k):
                return f"secret ({k})"
        p = int(g.parent[r])
        if p < 0:
            return None
        if g.kind[p] == NodeKind.RETURN:
            f = g.function_of(p)
            if f >= 0 and g.kind[f] == NodeKind.FUNCTION and token.search(str(g.name[f])):
                return f"secret (returned by {g.name[f]})"
        if g.ast[p] == "Dict" and fld == "values":
            keys = g.kids(p, "keys")
            vals = g.kids(p, "values")
            if r in vals:
                k = g.fold(keys[vals.index(r)])
                if isinstance(k, str) and token.search(k):
                    return f"secret ({k})"
        if g.ast[p] == "keyword":
            call = int(g.parent[p])
            for e in a.of(call) if call >= 0 else ():
                if int(a.dst[e]) == r:
                    lab = a.cols["label"][e]
                    if isinstance(lab, str) and token.search(lab):
                        return f"secret ({lab})"
            if call in sink_calls:
                return f"argument of {g.name[call]}"
        if self.is_call[p] and r in g.args.targets(p).tolist() and p in sink_calls:
            return f"argument of {g.name[p]}"
        return None

    # -- all -------------------------------------------------------------------------
    def run(self) -> list[Finding]:
        out: list[Finding] = []
        taint = self.rules.taint
        if taint:
            src = self.sources()
            for r in taint:
                out.extend(self.taint(r, src))
        for r in self.rules.misuse:
            if r.kind == "weak_hash":
                out.extend(self.weak_hash(r))
            elif r.kind == "insecure_cookie":
                out.extend(self.insecure_cookie(r))
            elif r.kind == "insecure_random":
                out.extend(self.insecure_random(r))
        return dedupe(out)


def dedupe(findings: list[Finding]) -> list[Finding]:
    """One finding per rule and sink line (the shortest path)."""
    best: dict[tuple[str, str | None, int | None], Finding] = {}
    for f in findings:
        k = (f.rule_id, f.path, f.line)
        if k not in best or len(f.steps) < len(best[k].steps):
            best[k] = f
    return sorted(best.values(), key=lambda f: (f.path or "", f.line or 0, f.rule_id))
