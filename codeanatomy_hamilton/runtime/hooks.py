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

``ProgressHook`` reports each stage's start and end with its counts to a callback
(``BuildRequest.progress``): the Dagster run log, or the CLI's progress bar.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Sequence
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


# -- progress ------------------------------------------------------------------------------
@dataclass(frozen=True)
class ProgressEvent:
    """One step of a build for a log line or a progress bar (plain data, no Dagster)."""

    stage: str  # scan | extract | resolve | store
    phase: str  # start | step | end
    message: str  # one line, with the counts of the stage
    done: int = 0  # steps finished (files parsed, tables written, stages done)
    total: int = 0  # steps this build takes, as far as known so far (0: not yet)


ProgressCallback = Callable[[ProgressEvent], None]


class ProgressHook(api.NodeExecutionHook, api.TaskReturnHook):
    """Reports each stage's start and end with its counts: files scanned, files parsed
    or served from the fragment cache, resolution rounds, tables written.

    Steps of a bar: one for the scan, one per file to parse, one for resolution, one
    per table. Parsed files are counted as their extraction tasks return (in the
    driver process, so under process executors too). A failing callback never fails a
    build: progress is a view, not part of the result.
    """

    def __init__(self, report: ProgressCallback | None, table_nodes: Sequence[str]) -> None:
        self.report = report
        # the nodes that write a contract table (``driver.TABLE_OUTPUTS``) in this build
        self.table_nodes = frozenset(table_nodes)
        tables = len(self.table_nodes)
        self.tables = tables
        self.total = 2 + tables  # scan, resolve, tables; files once known
        self.done = 0
        self.files = 0
        self.to_parse = 0
        self.parsed = 0
        self.cached = 0
        self.written = 0
        self.rows_written = 0
        self._stage_started: dict[str, float] = {}

    def __getstate__(self) -> dict[str, Any]:
        # a process executor pickles the hooks for its workers: the callback (a log or
        # a terminal) stays here, and the task hook below counts the workers' files
        return {**self.__dict__, "report": None}

    def _emit(self, stage: str, phase: str, message: str) -> None:
        if self.report is None:
            return
        try:
            self.report(ProgressEvent(stage, phase, message, self.done, self.total))
        except Exception:  # a broken display must not break the build
            pass

    def _start(self, stage: str, message: str) -> None:
        self._stage_started[stage] = time.perf_counter()
        self._emit(stage, "start", message)

    def _seconds(self, stage: str) -> str:
        return f"{time.perf_counter() - self._stage_started.get(stage, time.perf_counter()):.2f}s"

    def run_before_node_execution(self, *, node_name: str, **future_kwargs: Any) -> None:
        if node_name == "repo_snapshot":
            self._start("scan", "scan: reading the repository tree")
        elif node_name == "resolved":
            self._start("resolve", "resolve: cross-file resolution")
        elif node_name in self.table_nodes and "store" not in self._stage_started:
            self._start("store", f"store: writing {self.tables} table(s)")

    def run_after_node_execution(
        self, *, node_name: str, result: Any, success: bool, **future_kwargs: Any
    ) -> None:
        if not success:
            return
        if node_name == "repo_snapshot":
            files = len(getattr(result, "files", []))
            skipped = len(getattr(result, "skipped", []))
            self.done += 1
            self._emit(
                "scan",
                "end",
                f"scan: {files} Python files, {skipped} skipped, in {self._seconds('scan')}",
            )
            self.files = files
        elif node_name == "cached_extracts":
            self.cached = len(result) if isinstance(result, list) else 0
            self.to_parse = max(0, self.files - self.cached)
            self.total += self.to_parse
            self._start(
                "extract",
                f"extract: {self.files} files, {self.cached} from the "
                f"fragment cache, {self.to_parse} to parse",
            )
        elif node_name == "file_extracts" and isinstance(result, list):
            errors = sum(len(getattr(e, "errors", []) or []) for e in result)
            self.done += self.to_parse - self.parsed
            self.parsed = self.to_parse
            self._emit(
                "extract",
                "end",
                f"extract: {len(result)} files ({self.to_parse} parsed, {self.cached} cached), "
                f"{errors} extract errors, in {self._seconds('extract')}",
            )
        elif node_name == "resolved":
            stats = getattr(result, "stats", {}) or {}
            self.done += 1
            reused = " (reused: input unchanged)" if stats.get("resolve_reused") else ""
            self._emit(
                "resolve",
                "end",
                f"resolve: {stats.get('resolve_rounds', 0)} rounds, "
                f"{stats.get('points_to_facts', 0)} points-to facts{reused}, "
                f"in {self._seconds('resolve')}",
            )
        elif node_name in self.table_nodes:
            rows = _rows(result) or 0
            self.written += 1
            self.rows_written += rows
            self.done += 1
            table = getattr(result, "table", node_name.removesuffix("_written"))
            self._emit(
                "store",
                "step",
                f"store: {table} {rows} rows written ({self.written}/{self.tables})",
            )
            if self.written == self.tables:
                self._emit(
                    "store",
                    "end",
                    f"store: {self.written} tables written, {self.rows_written} rows, "
                    f"in {self._seconds('store')}",
                )

    def run_after_task_return(
        self, *, nodes: list[Any], result: Any, success: bool, **future_kwargs: Any
    ) -> None:
        # one extraction batch came back (in this process, whatever the executor)
        if not success or not isinstance(result, dict):
            return
        batch = result.get("batch_extract")
        if isinstance(batch, list) and batch:
            step = min(len(batch), self.to_parse - self.parsed)
            self.parsed += step
            self.done += step
            self._emit("extract", "step", f"extract: {self.parsed}/{self.to_parse} files parsed")
