"""Lifecycle hooks that collect diagnostics as plain data (picklable, no Dagster).

``DiagnosticsHook`` records, per Hamilton node: wall seconds, rows of Arrow outputs (or
of a ``TableWrite``), the error if it failed and the node's tags. Cache hits and misses
come from the driver's cache logs after ``execute`` (``caching.cache_outcomes``) and are
merged in by ``attach_cache_outcomes``.

Process executors: node hooks then run in the worker processes, on a pickled copy of
this hook, and their records never come back. The task hooks below run in the driver
process, so they still see every task's nodes, results and errors; a node without a
record of its own gets one from its task (the task's wall seconds, its rows, its error).
Everything stored is plain data (dataclasses of str/int/float/dict), so the records
cross process boundaries and turn into Dagster metadata without touching Hamilton objects.
"""

from __future__ import annotations

import dataclasses
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
    cache: str | None = None  # hit | miss | recompute | None (caching off)
    task_id: str | None = None
    # warnings a node's result carries (e.g. resolution truncated on a huge repo), so
    # they reach the CLI and Dagster instead of staying in a log
    warnings: list[str] = field(default_factory=list)
    # counters a node's result carries (``ResolveOutput.stats``: rounds, facts,
    # truncation, whether the last resolution was reused)
    stats: dict[str, int | float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


class NodeExecutionError(RuntimeError):
    """A Hamilton node failed; the message names it (surfaces in CLI and Dagster logs)."""

    def __init__(self, node: str, cause: BaseException) -> None:
        self.node = node
        super().__init__(f"Hamilton node {node!r} failed: {type(cause).__name__}: {cause}")


def _rows(result: Any) -> int | None:
    if isinstance(result, pa.Table | pa.RecordBatch):
        return result.num_rows
    rows = getattr(result, "rows", None)
    if isinstance(rows, int):
        return rows
    if isinstance(result, list):
        return len(result)
    return None


def _warnings(result: Any) -> list[str]:
    found = getattr(result, "warnings", None)
    return [str(w) for w in found] if isinstance(found, list) else []


def _stats(result: Any) -> dict[str, int | float]:
    found = getattr(result, "stats", None)
    if not isinstance(found, dict):
        return {}
    return {str(k): v for k, v in found.items() if isinstance(v, int | float)}


def _plain_tags(tags: dict[str, Any] | None) -> dict[str, Any]:
    return {
        str(k): v if isinstance(v, str | int | float | bool) else str(v)
        for k, v in (tags or {}).items()
        if not str(k).startswith("hamilton.")
    }


class DiagnosticsHook(api.NodeExecutionHook, api.TaskSubmissionHook, api.TaskReturnHook):
    """Per-node wall time, row counts of Arrow outputs, errors, cache outcome."""

    def __init__(self) -> None:
        self.records: dict[str, NodeRecord] = {}
        self.failed_node: str | None = None
        self._started: dict[str, float] = {}
        self._task_started: dict[str, float] = {}

    # -- node hooks (in-process executors: every node) ------------------------------------
    def run_before_node_execution(
        self, *, node_name: str, task_id: str | None = None, **future_kwargs: Any
    ) -> None:
        # keyed by task too: one node (a Parallelizable block's body) runs in many tasks,
        # concurrently under a thread executor
        self._started[f"{node_name}\0{task_id}"] = time.perf_counter()

    def run_after_node_execution(
        self,
        *,
        node_name: str,
        node_tags: dict[str, Any],
        result: Any,
        error: Exception | None,
        success: bool,
        task_id: str | None = None,
        **future_kwargs: Any,
    ) -> None:
        start = self._started.pop(f"{node_name}\0{task_id}", time.perf_counter())
        if not success and self.failed_node is None:
            self.failed_node = node_name
        rec = NodeRecord(
            node=node_name,
            seconds=time.perf_counter() - start,
            rows=_rows(result) if success else None,
            error=None if success else f"{type(error).__name__}: {error}",
            tags=_plain_tags(node_tags),
            task_id=task_id,
            warnings=_warnings(result) if success else [],
            stats=_stats(result) if success else {},
        )
        old = self.records.get(node_name)
        if old is not None and old.task_id != task_id:
            # the same node in another task (one per batch): seconds and rows add up
            rec.seconds += old.seconds
            rec.rows = None if old.rows is None or rec.rows is None else old.rows + rec.rows
            rec.error = rec.error or old.error
        self.records[node_name] = rec

    # -- task hooks (driver process, also under process executors) ------------------------
    def run_before_task_submission(self, *, task_id: str, **future_kwargs: Any) -> None:
        self._task_started[task_id] = time.perf_counter()

    def run_after_task_return(
        self,
        *,
        task_id: str,
        nodes: list[Any],
        result: Any,
        success: bool,
        error: Exception | None,
        **future_kwargs: Any,
    ) -> None:
        start = self._task_started.pop(task_id, None)
        seconds = time.perf_counter() - start if start is not None else 0.0
        results = result if isinstance(result, dict) else {}
        for n in nodes:
            if n.name in self.records:
                continue  # the node hook ran in this process and knows better
            failed = not success and n.name not in results
            if failed and self.failed_node is None:
                self.failed_node = n.name
            self.records[n.name] = NodeRecord(
                node=n.name,
                seconds=seconds / max(1, len(nodes)),
                rows=_rows(results.get(n.name)),
                error=f"{type(error).__name__}: {error}" if failed and error is not None else None,
                tags=_plain_tags(getattr(n, "tags", {})),
                task_id=task_id,
            )

    # -- after execute ---------------------------------------------------------------------
    def attach_cache_outcomes(self, outcomes: dict[str, str]) -> None:
        for name, outcome in outcomes.items():
            rec = self.records.get(name)
            if rec is not None:
                rec.cache = outcome

    def executed_nodes(self) -> list[str]:
        """Nodes that ran or were served from the cache in this execution."""
        return sorted(self.records)

    def node_seconds(self) -> dict[str, float]:
        return {name: rec.seconds for name, rec in self.records.items()}

    def cache_counts(self) -> dict[str, int]:
        counts = {"hit": 0, "miss": 0, "recompute": 0}
        for rec in self.records.values():
            if rec.cache in counts:
                counts[rec.cache] += 1
        return counts

    def as_dicts(self) -> list[dict[str, Any]]:
        return [self.records[n].as_dict() for n in sorted(self.records)]

    def stage_seconds(self) -> dict[str, float]:
        """Seconds per dataflow layer (scan, extract, resolve, emit, store)."""
        out: dict[str, float] = {}
        for rec in self.records.values():
            layer = str(rec.tags.get("layer", "other"))
            out[layer] = out.get(layer, 0.0) + rec.seconds
        return out
