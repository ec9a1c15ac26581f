"""Lifecycle hooks that collect diagnostics as plain data (picklable, no Dagster)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
from hamilton.lifecycle import api


@dataclass
class NodeRecord:
    node: str
    seconds: float
    rows: int | None = None
    error: str | None = None
    tags: dict[str, Any] = field(default_factory=dict)


class DiagnosticsHook(api.NodeExecutionHook):
    """Per-node wall time, row counts of Arrow outputs and errors."""

    def __init__(self) -> None:
        self.records: dict[str, NodeRecord] = {}
        self._started: dict[str, float] = {}

    def run_before_node_execution(self, *, node_name: str, **future_kwargs: Any) -> None:
        self._started[node_name] = time.perf_counter()

    def run_after_node_execution(
        self,
        *,
        node_name: str,
        node_tags: dict[str, Any],
        result: Any,
        error: Exception | None,
        success: bool,
        **future_kwargs: Any,
    ) -> None:
        start = self._started.pop(node_name, time.perf_counter())
        rows = result.num_rows if isinstance(result, pa.Table) else getattr(result, "rows", None)
        self.records[node_name] = NodeRecord(
            node=node_name,
            seconds=time.perf_counter() - start,
            rows=rows,
            error=None if success else f"{type(error).__name__}: {error}",
            tags=dict(node_tags or {}),
        )

    def stage_seconds(self) -> dict[str, float]:
        """Seconds per dataflow layer (scan, extract, resolve, emit, store)."""
        out: dict[str, float] = {}
        for rec in self.records.values():
            layer = str(rec.tags.get("layer", "other"))
            out[layer] = out.get(layer, 0.0) + rec.seconds
        return out
