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
from typing import Any

import numpy as np

from codeanatomy_hamilton.core.vocabulary import EdgeKind, NodeKind
from codeanatomy_hamilton.security.findings import Finding, Step
from codeanatomy_hamilton.security.graph import NO, Cpg
from codeanatomy_hamilton.security.guards import Guards
from codeanatomy_hamilton.security.misuse import ApiMisuse
from codeanatomy_hamilton.security.rules import Matcher, Rule, RuleSet
from codeanatomy_hamilton.security.sources_sinks import SourcesAndSinks

_MAX_ROUNDS = 40
_STORE_FIELDS = ("targets", "target")
_EXITS = ("Return", "Raise", "Continue", "Break")
_SHELL_FLAGS = ("-c", "/c", "/C")


class Analysis(SourcesAndSinks, Guards, ApiMisuse):
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
