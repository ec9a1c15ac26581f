"""Task executors for Hamilton's dynamic execution (``Parallelizable``/``Collect``).

The per-file extraction block (``file_batches`` -> ``batch_extract`` -> ``file_extracts``)
is the only part of the dataflow that Hamilton hands to the *remote* executor; every
other node runs in the driver's process. Which remote executor runs it is chosen by
:func:`make_executor`:

- ``local``: Hamilton's synchronous executor, in process (``workers == 1``; no pickling,
  no extra process, so small builds and tests stay cheap).
- ``processes``: :class:`ProcessTaskExecutor`, a process pool on this machine.
- ``dask``: Hamilton's ``DaskExecutor`` on a ``dask.distributed`` cluster, either the one
  at ``dask_address`` or a ``LocalCluster`` bound to 127.0.0.1 (optional extra ``dask``).

Lifecycle hooks travel to a remote task as a pickled copy, so what a hook records there
would be lost. The executors here ship back, with each task's result, the ``records``
that the copies collected for the task's own nodes, and fold them into the driver-side
hooks (see :func:`_remote_records` / :func:`_merge_records`). Seconds of a node that ran
in several tasks (one per batch) are summed, i.e. they are CPU-seconds across workers.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import dataclasses
import multiprocessing
import multiprocessing.forkserver
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import cloudpickle
from hamilton.execution import executors as h_exec
from hamilton.execution.grouping import TaskImplementation
from hamilton.execution.state import TaskState

from codeanatomy_hamilton.core.settings import EXECUTORS
from codeanatomy_hamilton.runtime.caching import register_fingerprints

# modules a fresh worker would import to unpickle a task; preloaded once in the forkserver
_PRELOAD = ["codeanatomy_hamilton.runtime.nodes"]
# how long a poll of a running task may block: Hamilton's scheduler loop polls task
# states in a tight loop, which would otherwise burn a core the workers need
_POLL_SECONDS = 0.02


def choose_executor(executor: str | None, workers: int) -> str:
    """The executor kind: the choice given (a ``BuildRequest`` field, else the
    settings' ``CODEANATOMY_EXECUTOR``), else ``processes`` for more than one worker and
    ``local`` for one."""
    kind = executor or ("processes" if workers > 1 else "local")
    if kind not in EXECUTORS:
        raise ValueError(f"unknown executor {kind!r}; expected one of {', '.join(EXECUTORS)}")
    return kind


def make_executor(
    executor: str | None = None,
    workers: int = 1,
    dask_address: str | None = None,
    repo_root: str | None = None,
) -> h_exec.TaskExecutor:
    """The Hamilton remote executor for the extraction block; its worker processes
    never import from ``repo_root`` or the current directory (:func:`isolated_imports`)."""
    kind = choose_executor(executor, workers)
    workers = max(1, int(workers))
    if kind == "local":
        return h_exec.SynchronousLocalTaskExecutor()
    if kind == "processes":
        return ProcessTaskExecutor(workers, repo_root=repo_root)
    return dask_executor(workers, dask_address or None, repo_root=repo_root)


# -- worker import paths --------------------------------------------------------------


def safe_sys_path(path: Sequence[str], repo_root: str | None = None) -> list[str]:
    """``path`` less the entries from which a worker could import the analysed code:
    the current directory (``''`` and relative entries follow the cwd, or the cwd
    spelled absolutely) and the analysed repository or a folder inside it. Worker
    start-up commands (``python -c ...``) put ``''`` first, so a build run from inside
    the repository would otherwise import its ``numpy.py`` or ``multiprocessing/`` in
    every worker. A folder *inside* the cwd stays (unless inside the repository)."""
    cwd = os.path.realpath(os.getcwd())
    repo = os.path.realpath(repo_root) if repo_root else None
    out = []
    for entry in path:
        if not entry or not os.path.isabs(entry):
            continue
        real = os.path.realpath(entry)
        if real == cwd or (repo and (real == repo or real.startswith(repo + os.sep))):
            continue
        out.append(entry)
    return out


def _isolate_worker(repo_root: str | None) -> None:
    """Worker initializer: the same clean-up in the worker itself (a forked worker
    starts with the driver's ``sys.path``)."""
    sys.path[:] = safe_sys_path(sys.path, repo_root)


@contextlib.contextmanager
def isolated_imports(repo_root: str | None) -> Iterator[None]:
    """While worker processes start: ``PYTHONSAFEPATH=1`` in the environment they
    inherit (so ``python -c`` does not put the cwd first on their ``sys.path``, before
    even ``multiprocessing`` is imported) and a ``sys.path`` without the cwd and the
    repository (:func:`safe_sys_path`; spawn and forkserver children take the parent's
    ``sys.path``). The driver's environment and ``sys.path`` are restored on exit."""
    saved_path = list(sys.path)
    saved_env = os.environ.get("PYTHONSAFEPATH")
    os.environ["PYTHONSAFEPATH"] = "1"
    sys.path[:] = safe_sys_path(saved_path, repo_root)
    try:
        yield
    finally:
        sys.path[:] = saved_path
        if saved_env is None:
            os.environ.pop("PYTHONSAFEPATH", None)
        else:
            os.environ["PYTHONSAFEPATH"] = saved_env


# the sys.path the running forkserver was started with by ``_safe_forkserver``
_FORKSERVER_PATH: list[list[str]] = []


def _safe_forkserver() -> None:
    """Inside :func:`isolated_imports`: make sure the forkserver (one per driver
    process, started once; every worker is forked from it) runs with this sys.path and
    environment: one started by other code, or with another sys.path, is stopped."""
    server = multiprocessing.forkserver._forkserver  # type: ignore[attr-defined]
    if server._forkserver_pid is not None and _FORKSERVER_PATH != [sys.path]:
        server._stop()
    multiprocessing.forkserver.ensure_running()
    _FORKSERVER_PATH[:] = [list(sys.path)]


# -- hook records across processes --------------------------------------------------


def _remote_records(task: TaskImplementation) -> list[dict[str, Any] | None]:
    """Per lifecycle adapter of ``task`` (as the worker ran it), the records it kept
    for the task's own nodes; None for adapters that keep no ``records`` dict."""
    names = {n.name for n in task.nodes}
    out: list[dict[str, Any] | None] = []
    for adapter in task.adapter.adapters:
        records = getattr(adapter, "records", None)
        if isinstance(records, dict):
            out.append({k: v for k, v in records.items() if k in names})
        else:
            out.append(None)
    return out


def _merge_records(adapters: Sequence[Any], shipped: list[dict[str, Any] | None]) -> None:
    """Fold a task's shipped records into the driver-side adapters (same order)."""
    for adapter, records in zip(adapters, shipped, strict=False):
        if not records:
            continue
        target = getattr(adapter, "records", None)
        if not isinstance(target, dict):
            continue
        for name, rec in records.items():
            old = target.get(name)
            target[name] = rec if old is None else _combine(old, rec)


def _combine(old: Any, new: Any) -> Any:
    """Two records of one node run in two tasks: seconds and rows add up."""
    if not (dataclasses.is_dataclass(old) and hasattr(old, "seconds")):
        return new
    changes: dict[str, Any] = {"seconds": old.seconds + new.seconds}
    if hasattr(old, "rows") and old.rows is not None and new.rows is not None:
        changes["rows"] = old.rows + new.rows
    if getattr(old, "error", None) and not getattr(new, "error", None):
        changes["error"] = old.error
    return dataclasses.replace(new, **changes)


def run_task_shipping_records(task: TaskImplementation) -> tuple[dict[str, Any], list]:
    """Worker side: run the task as Hamilton would, and return its hook records too."""
    # Hamilton's cache adapter runs where the node runs: a cached remote node would be
    # fingerprinted here, in the worker. (Today's remote nodes, the extraction batches,
    # are never cached, so nothing is hashed here yet.)
    register_fingerprints()
    # the hooks arrive holding the driver's records so far, including earlier batches
    # of these same nodes; start them clean so only this task's share is shipped back
    names = {n.name for n in task.nodes}
    for adapter in task.adapter.adapters:
        records = getattr(adapter, "records", None)
        if isinstance(records, dict):
            for name in names:
                records.pop(name, None)
    results = h_exec.base_execute_task(task)
    return results, _remote_records(task)


def run_pickled_task(blob: bytes) -> tuple[dict[str, Any], list]:
    """Worker side of :class:`ProcessTaskExecutor`: the task arrives cloudpickled. A
    task's nodes link to the whole graph, whose ``@parameterize`` nodes (the store
    nodes) are closures the standard pickle cannot ship; cloudpickle ships them by
    value (Dask's executor does the same)."""
    return run_task_shipping_records(cloudpickle.loads(blob))


class _RecordsFuture(h_exec.TaskFuture):
    """A Python future of :func:`run_task_shipping_records`; merges records once."""

    def __init__(
        self,
        future: cf.Future,
        adapters: Sequence[Any],
        active: set[cf.Future],
        on_idle: Callable[[], None] | None = None,
    ) -> None:
        self.future = future
        self.adapters = adapters
        self.active = active
        self.on_idle = on_idle
        self._merged = False
        self._results: dict[str, Any] | None = None

    def _wait_a_little(self) -> None:
        if not self.future.done():
            cf.wait(self.active or {self.future}, _POLL_SECONDS, cf.FIRST_COMPLETED)

    def get_state(self) -> TaskState:
        self._wait_a_little()
        if not self.future.done():
            return TaskState.RUNNING
        if self.future.exception() is not None:
            return TaskState.FAILED
        return TaskState.SUCCESSFUL

    def get_result(self) -> Any:
        if not self.future.done():
            return None
        if not self._merged:
            results, shipped = self.future.result()  # raises the task's error, if any
            _merge_records(self.adapters, shipped)
            self._results, self._merged = results, True
            self.active.discard(self.future)
            if not self.active and self.on_idle is not None:
                self.on_idle()
        return self._results


def default_start_method() -> str:
    """``forkserver`` where it works, else ``fork``.

    A forkserver (preloaded with the dataflow modules) is preferred to a plain ``fork``
    of the driver, which may hold threads (Dagster, gRPC) whose locks a forked child
    would inherit locked. But forkserver children re-import ``__main__`` from its file,
    which fails when there is no such file (``python - <<EOF``, some notebooks); there
    we fork, as Hamilton's own ``MultiProcessingExecutor`` does on Linux.
    """
    main = sys.modules.get("__main__")
    if getattr(getattr(main, "__spec__", None), "name", None):
        return "forkserver"
    path = getattr(main, "__file__", None)
    if path is None or os.path.isfile(path):
        return "forkserver"
    return "fork"


class ProcessTaskExecutor(h_exec.TaskExecutor):
    """Hamilton remote executor over a ``ProcessPoolExecutor`` of ``workers`` processes
    (started by :func:`default_start_method` unless ``start_method`` says otherwise)."""

    def __init__(
        self, workers: int, start_method: str | None = None, repo_root: str | None = None
    ) -> None:
        self.workers = max(1, workers)
        self.start_method = start_method or default_start_method()
        self.repo_root = repo_root
        self.pool: cf.ProcessPoolExecutor | None = None
        self.active: set[cf.Future] = set()

    def init(self) -> None:
        self.pool = None  # started on the first task

    def _start_pool(self) -> cf.ProcessPoolExecutor:
        ctx = multiprocessing.get_context(self.start_method)
        with isolated_imports(self.repo_root):
            if self.start_method == "forkserver":
                ctx.set_forkserver_preload(_PRELOAD)
                _safe_forkserver()
            return cf.ProcessPoolExecutor(
                max_workers=self.workers,
                mp_context=ctx,
                initializer=_isolate_worker,
                initargs=(self.repo_root,),
            )

    def release_idle_workers(self) -> None:
        """Stop the workers once no task is in flight. Hamilton finalizes executors only
        after the whole graph, so idle workers would otherwise keep their memory (the
        heap of the largest files they parsed) through resolve, emit and store. A later
        task starts a fresh pool (forked from the preloaded forkserver: cheap)."""
        if self.pool is not None and not self.active:
            self.pool.shutdown(wait=False)
            self.pool = None

    def finalize(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None
        self.active.clear()

    def can_submit_task(self) -> bool:
        # one task in flight per worker; the rest wait in Hamilton's queue, so the
        # biggest batches (submitted first) start first
        self.active = {f for f in self.active if not f.done()}
        return len(self.active) < self.workers

    def submit_task(self, task: TaskImplementation) -> h_exec.TaskFuture:
        if self.pool is None:
            self.pool = self._start_pool()
        future = self.pool.submit(run_pickled_task, cloudpickle.dumps(task))
        self.active.add(future)
        adapters = list(task.adapter.adapters)
        return _RecordsFuture(future, adapters, self.active, self.release_idle_workers)


def dask_executor(
    workers: int,
    address: str | None = None,
    processes: bool = True,
    repo_root: str | None = None,
) -> Any:
    """A ``hamilton.plugins.h_dask.DaskExecutor`` that owns its client and ships hook
    records back like :class:`ProcessTaskExecutor`.

    With ``address`` it joins that scheduler; without, it starts a ``LocalCluster`` of
    ``workers`` single-threaded workers bound to 127.0.0.1 for the build and closes it
    afterwards (``processes=False`` keeps the workers in this process, for tests).
    """
    try:
        from dask.distributed import Client, LocalCluster
        from dask.distributed import wait as dask_wait
        from hamilton.plugins.h_dask import DaskExecutor
    except ImportError as exc:  # optional extra
        raise RuntimeError(
            "the dask executor needs the optional extra: pip install 'codeanatomy[dask]'"
        ) from exc

    class _DaskFuture(_RecordsFuture):
        def _wait_a_little(self) -> None:
            if not self.future.done():
                try:
                    dask_wait([self.future], timeout=_POLL_SECONDS)
                except TimeoutError:  # dask's own TimeoutError subclasses it
                    pass

        def get_state(self) -> TaskState:
            self._wait_a_little()
            if not self.future.done():
                return TaskState.RUNNING
            return TaskState.FAILED if self.future.status == "error" else TaskState.SUCCESSFUL

    class CodeAnatomyDaskExecutor(DaskExecutor):
        def __init__(self) -> None:
            super().__init__(client=None)
            self.cluster: Any = None
            self.active: set[Any] = set()

        def init(self) -> None:
            if address:
                self.client = Client(address)
            else:
                # local workers are spawned by this process: same isolation as the
                # process pool (``isolated_imports``), plus the initializer's clean-up
                with isolated_imports(repo_root):
                    self.cluster = LocalCluster(
                        n_workers=max(1, workers),
                        threads_per_worker=1,
                        processes=processes,
                        protocol="tcp",  # in-process clusters default to inproc://, no host
                        host="127.0.0.1",
                        dashboard_address=None,
                        # also for workers the nanny restarts later
                        **({"env": {"PYTHONSAFEPATH": "1"}} if processes else {}),
                    )
                self.client = Client(self.cluster)
                if processes:
                    self.client.run(_isolate_worker, repo_root)

        def finalize(self) -> None:
            if self.client is not None:
                self.client.close()
                self.client = None
            if self.cluster is not None:
                self.cluster.close()
                self.cluster = None
            self.active.clear()

        def can_submit_task(self) -> bool:
            # dask queues by itself; a bound keeps finished results from piling up there
            self.active = {f for f in self.active if not f.done()}
            return len(self.active) < 4 * max(1, workers)

        def submit_task(self, task: TaskImplementation) -> h_exec.TaskFuture:
            # pure=False: dask would otherwise hash the whole task to deduplicate it
            future = self.client.submit(run_task_shipping_records, task, pure=False)
            self.active.add(future)
            return _DaskFuture(future, list(task.adapter.adapters), self.active)

    return CodeAnatomyDaskExecutor()
