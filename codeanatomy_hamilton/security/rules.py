"""The security rules, as data: ``rules.yaml`` shipped with the package, plus a user
file on top (``--rules FILE``). One truth for sources, sinks per CWE, sanitizers,
guards and the API-misuse rules; ``engine`` only interprets them.

A user file has the shape of the shipped one. Its ``taint_rules`` and
``misuse_rules`` replace shipped rules with the same ``id`` and add the others;
``disable: [id, ...]`` turns rules off; the lists under ``sources``, ``views``,
``guards`` and ``sanitizers_all`` extend the shipped lists.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from codeanatomy_hamilton.core.messages import first_line

SHIPPED = Path(__file__).with_name("rules.yaml")
SEVERITIES = ("note", "warning", "error")
MISUSE_KINDS = ("weak_hash", "insecure_random", "insecure_cookie")


class RuleError(ValueError):
    """A rules file that cannot be used (names the file and the entry)."""


@dataclass(frozen=True)
class Rule:
    id: str
    cwe: int
    severity: str
    message: str
    kind: str  # "taint" or one of MISUSE_KINDS
    spec: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)

    @property
    def sinks(self) -> list[dict[str, Any]]:
        return list(self.spec.get("sinks") or [])

    @property
    def sanitizers(self) -> list[str]:
        return [str(s) for s in self.spec.get("sanitizers") or []]


@dataclass
class RuleSet:
    rules: list[Rule]
    sources: dict[str, Any]
    views: dict[str, Any]
    guards: dict[str, Any]
    sanitizers_all: list[str]
    origins: list[str]

    def by_id(self, rule_id: str) -> Rule:
        for r in self.rules:
            if r.id == rule_id:
                return r
        raise KeyError(rule_id)

    @property
    def taint(self) -> list[Rule]:
        return [r for r in self.rules if r.kind == "taint"]

    @property
    def misuse(self) -> list[Rule]:
        return [r for r in self.rules if r.kind != "taint"]


def severity_rank(s: str) -> int:
    return SEVERITIES.index(s)


class Matcher:
    """Callee patterns (see rules.yaml): exact names, fnmatch globs, ``.method``."""

    def __init__(self, patterns: list[str]) -> None:
        self.exact = {
            p for p in patterns if not any(c in p for c in "*?[") and not p.startswith(".")
        }
        self.methods = {p[1:] for p in patterns if p.startswith(".")}
        globs = [p for p in patterns if any(c in p for c in "*?[") and not p.startswith(".")]
        self.glob = re.compile("|".join(fnmatch.translate(g) for g in globs)) if globs else None

    def __call__(self, name: str | None) -> bool:
        if not name:
            return False
        if name in self.exact:
            return True
        if self.methods and name.rpartition(".")[2] in self.methods and "." in name:
            return True
        return bool(self.glob is not None and self.glob.match(name))

    def __bool__(self) -> bool:
        return bool(self.exact or self.methods or self.glob)


def _load_doc(text: str, origin: str) -> dict[str, Any]:
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise RuleError(f"{origin}: not valid YAML ({first_line(exc)})") from None
    if doc is None:
        return {}
    if not isinstance(doc, dict):
        raise RuleError(f"{origin}: expected a mapping at the top level")
    return doc


def _rule(entry: Any, origin: str, where: str, taint: bool) -> Rule:
    if not isinstance(entry, dict):
        raise RuleError(f"{origin}: {where}: a rule must be a mapping")
    for key in ("id", "cwe", "severity", "message"):
        if key not in entry:
            raise RuleError(f"{origin}: {where}: rule lacks '{key}'")
    rid = str(entry["id"])
    sev = str(entry["severity"])
    if sev not in SEVERITIES:
        raise RuleError(f"{origin}: rule {rid}: severity must be one of {', '.join(SEVERITIES)}")
    try:
        cwe = int(entry["cwe"])
    except (TypeError, ValueError):
        raise RuleError(f"{origin}: rule {rid}: cwe must be a number") from None
    if taint:
        sinks = entry.get("sinks")
        if not isinstance(sinks, list) or not sinks:
            raise RuleError(f"{origin}: rule {rid}: a taint rule needs a 'sinks' list")
        for s in sinks:
            if not isinstance(s, dict) or not ({"call", "view_return", "subscript_store"} & set(s)):
                raise RuleError(
                    f"{origin}: rule {rid}: each sink needs 'call', 'view_return' or 'subscript_store'"
                )
        kind = "taint"
    else:
        kind = str(entry.get("kind", ""))
        if kind not in MISUSE_KINDS:
            raise RuleError(f"{origin}: rule {rid}: kind must be one of {', '.join(MISUSE_KINDS)}")
    return Rule(rid, cwe, sev, str(entry["message"]), kind, dict(entry))


def _extend(base: dict[str, Any], extra: Any, origin: str, section: str) -> None:
    if extra is None:
        return
    if not isinstance(extra, dict):
        raise RuleError(f"{origin}: '{section}' must be a mapping")
    for k, v in extra.items():
        if isinstance(v, list) and isinstance(base.get(k), list):
            base[k] = [*base[k], *v]
        elif isinstance(v, dict) and isinstance(base.get(k), dict):
            merged = dict(base[k])
            for kk, vv in v.items():
                merged[kk] = [*merged.get(kk, []), *vv] if isinstance(vv, list) else vv
            base[k] = merged
        else:
            base[k] = v


def load_rules(user: str | None = None) -> RuleSet:
    """The shipped rules plus ``user`` (a path) on top."""
    texts = [(str(SHIPPED), SHIPPED.read_text("utf-8"))]
    if user:
        try:
            texts.append((user, Path(user).read_text("utf-8")))
        except OSError as exc:
            raise RuleError(f"{user}: cannot read the rules file ({exc.strerror})") from None
    rules: dict[str, Rule] = {}
    sources: dict[str, Any] = {}
    views: dict[str, Any] = {}
    guards: dict[str, Any] = {}
    san_all: list[str] = []
    disabled: set[str] = set()
    for origin, text in texts:
        doc = _load_doc(text, origin)
        for section, taint in (("taint_rules", True), ("misuse_rules", False)):
            entries = doc.get(section) or []
            if not isinstance(entries, list):
                raise RuleError(f"{origin}: '{section}' must be a list")
            for i, e in enumerate(entries):
                r = _rule(e, origin, f"{section}[{i}]", taint)
                rules[r.id] = r
                disabled.discard(r.id)
        _extend(sources, doc.get("sources"), origin, "sources")
        _extend(views, doc.get("views"), origin, "views")
        _extend(guards, doc.get("guards"), origin, "guards")
        extra = doc.get("sanitizers_all") or []
        if not isinstance(extra, list):
            raise RuleError(f"{origin}: 'sanitizers_all' must be a list")
        san_all.extend(str(s) for s in extra)
        dis = doc.get("disable") or []
        if not isinstance(dis, list):
            raise RuleError(f"{origin}: 'disable' must be a list of rule ids")
        disabled.update(str(d) for d in dis)
    unknown = disabled - set(rules)
    if unknown:
        raise RuleError(f"cannot disable unknown rule(s): {', '.join(sorted(unknown))}")
    kept = [r for rid, r in rules.items() if rid not in disabled]
    return RuleSet(kept, sources, views, guards, san_all, [o for o, _ in texts])
