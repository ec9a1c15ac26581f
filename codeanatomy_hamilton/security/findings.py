"""What the security analysis reports: a finding (taint from a source to a sink, or an
API misuse at one call) and the steps of its path."""

from __future__ import annotations

from dataclasses import dataclass, field


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
