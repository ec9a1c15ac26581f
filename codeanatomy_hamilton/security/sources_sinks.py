"""Where taint starts and ends: the source nodes of the rule set and the sink
arguments of a rule, with the per-sink conditions (HTML-safe values, parser
settings, shell flags) that decide whether a call is a sink at all. Methods of
``engine.Analysis``."""

from __future__ import annotations

from typing import Any

import numpy as np

from codeanatomy_hamilton.core.vocabulary import NodeKind
from codeanatomy_hamilton.security.graph import NO, Cpg
from codeanatomy_hamilton.security.rules import Rule, RuleSet

_STORE_FIELDS = ("targets", "target")


class SourcesAndSinks:
    """Mixed into ``engine.Analysis``, whose state (``g``: the Cpg, ``rules``, the
    per-rule indexes set up in ``__init__``) these methods read."""

    g: Cpg
    rules: RuleSet

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
