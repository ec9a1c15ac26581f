"""API misuse rules: weak hashes, insecure randomness for tokens, cookies without
the secure flags. Methods of ``engine.Analysis``."""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from codeanatomy_hamilton.core.vocabulary import NodeKind
from codeanatomy_hamilton.security.findings import Finding
from codeanatomy_hamilton.security.graph import NO, Cpg
from codeanatomy_hamilton.security.rules import Matcher, Rule, RuleSet

_STORE_FIELDS = ("targets", "target")


class ApiMisuse:
    """Mixed into ``engine.Analysis``, whose state (``g``: the Cpg, ``rules``, the
    per-rule indexes set up in ``__init__``) these methods read."""

    g: Cpg
    rules: RuleSet

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
