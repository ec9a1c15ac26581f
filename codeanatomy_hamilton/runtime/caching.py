"""Hamilton caching for the engine: stores, fingerprints and per-node behaviors.

Layout under a cache dir (``BuildRequest.cache_dir``, Dagster ``CodeAnatomyResource.cache_path()``)::

    <cache_dir>/hamilton/metadata.db   SQLite metadata store (cache key -> data version)
    <cache_dir>/hamilton/results/      file result store (one pickled result per data version)
    <cache_dir>/node_timings.json      last measured seconds per node (plan costs)

How a rebuild of an unchanged repository hits the cache:

- ``repo_snapshot`` reads git or the disk, so it always recomputes; but its *fingerprint*
  (its data version) is the commit plus the (path, blob sha) of every file, not the bytes
  or the checkout path. Unchanged content gives the same data version, so every node
  downstream finds its cache key and is served from the result store.
- Results of the engine's own types get content fingerprints (``pyarrow.Table`` and
  ``RecordBatch`` through their Arrow IPC bytes, ``FileSummary``, ``ResolveInput`` and
  ``ResolveOutput`` field by field); without them Hamilton would call them unhashable,
  warn on every node and never reuse downstream work.
- Each node declares its own cache behavior with Hamilton's ``@cache(behavior=...)``
  (``hamilton.function_modifiers.cache``) where it is not the default:

  - ``recompute``: nodes that read the outside world (git, the disk, the fragment
    store) always run. So do the store nodes (Delta writes): the warehouse is outside
    world too (another build, a vacuum or a user may have changed it since), and
    ``replace_repo_rows`` makes a re-write of identical rows correct, if not free. And
    the plan nodes: their result depends on the code of every module, which their own
    code version cannot see.
  - ``disable``: never stored. The emit nodes return lazy streams over the per-file
    fragments (cheap to make, nothing to store); the per-file extraction nodes'
    results are what the fragment store and the summary pack already keep on disk
    (stored, they cost ~4 s and ~100 MB per incremental build of the stdlib). A
    disabled node makes its consumers' cache keys miss, so only nodes whose consumers
    recompute anyway are disabled.
  - ``ignore``: the resolver's input (~50 MB on the stdlib, rebuilt from the summary
    pack in ms) is never stored nor hashed; it runs whenever a consumer needs it, and
    its consumers' cache keys leave it out, so ``resolved`` is keyed on
    ``file_extracts`` (whose fingerprint, the fragment locations, names the content)
    and ``source_roots``.

``register_fingerprints()`` registers the fingerprints; the driver calls it
(``driver.make_driver``), and so does every remote task of the engine's executors
(``executors.run_task_shipping_records``): Hamilton's cache adapter runs in the process
that runs the node, so a cached node on a worker would be fingerprinted there.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import logging
import os
import shutil
import zlib
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

import pyarrow as pa
from hamilton.caching import fingerprinting
from hamilton.caching.stores.base import ResultRetrievalError, StoredResult
from hamilton.caching.stores.file import FileResultStore
from hamilton.caching.stores.sqlite import SQLiteMetadataStore

from codeanatomy_hamilton.core.fingerprint import source_fingerprint
from codeanatomy_hamilton.core.version import VERSION
from codeanatomy_hamilton.emit.streams import TableStream
from codeanatomy_hamilton.fragments.store import FileSummary, FragmentStore
from codeanatomy_hamilton.models import models_digest
from codeanatomy_hamilton.resolve import ResolveConfig, ResolveInput, ResolveOutput
from codeanatomy_hamilton.runtime.plan import ExecutionPlan
from codeanatomy_hamilton.scan.snapshot import RepoSnapshot

logger = logging.getLogger(__name__)

# bump to invalidate every stored fingerprint when the fingerprint scheme changes
FINGERPRINT_VERSION = "2"


class _HashSink:
    """A write-only file object that feeds bytes to a hash (no copy of the table)."""

    def __init__(self, h: Any) -> None:
        self.h = h
        self.closed = False

    def write(self, data: Any) -> int:
        self.h.update(data)
        return len(data)

    def flush(self) -> None:
        pass

    def close(self) -> None:
        self.closed = True


def arrow_digest(data: pa.Table | pa.RecordBatch, h: Any | None = None) -> str:
    """sha256 of the Arrow IPC stream of ``data``: equal tables with equal chunking hash
    equal; different chunking only costs a cache miss, never a wrong hit."""
    h = h or hashlib.sha256()
    sink = pa.PythonFile(_HashSink(h), mode="w")
    with pa.ipc.new_stream(sink, data.schema) as writer:
        if isinstance(data, pa.Table):
            writer.write_table(data)
        else:
            writer.write_batch(data)
    return h.hexdigest()


def _digest(*parts: str) -> str:
    h = hashlib.sha256(FINGERPRINT_VERSION.encode())
    for p in parts:
        h.update(b"\0")
        h.update(p.encode("utf-8", "surrogateescape"))
    return fingerprinting._compact_hash(h.digest())


def hash_arrow(obj: pa.Table | pa.RecordBatch, *args: Any, **kwargs: Any) -> str:
    return _digest("arrow", arrow_digest(obj))


def hash_repo_snapshot(obj: RepoSnapshot, *args: Any, **kwargs: Any) -> str:
    """Commit + (path, blob sha) of every file + skipped files: what the content is, not
    where it was checked out, so unchanged repos hit the cache downstream."""
    parts = [f"git={obj.is_git}", f"commit={obj.commit or ''}"]
    parts += [f"F\t{f.path}\t{f.blob_sha}" for f in obj.files]
    parts += [f"S\t{path}\t{err.error_kind}\t{err.message}" for path, err in obj.skipped]
    return _digest("repo_snapshot", *parts)


def hash_file_summary(obj: FileSummary, *args: Any, **kwargs: Any) -> str:
    """The fragment's location, which names the content: a fragment's path holds the
    engine fingerprint (the code that shapes rows and summaries) and a key of (path,
    blob sha), so equal locations mean equal summaries, however the summary was read
    (just extracted, from its fragment, or sliced from the summary pack, whose Arrow
    buffers serialise differently). A cached result must never point at the fragments
    of another fragment store (another warehouse, or a build's scratch folder that is
    gone): the location includes the store's root. A summary without a fragment (not
    produced by the dataflow) is hashed by content."""
    if obj.fragment:
        return _digest("file_summary", obj.fragment)
    h = hashlib.sha256()
    head = f"{obj.path}\0{obj.module}\0{obj.lines}\0{obj.errors!r}\0{obj.externals!r}"
    h.update(f"{head}\0{sorted(obj.rows.items())!r}".encode("utf-8", "surrogateescape"))
    for batch in (obj.calls, obj.xprops, pa.record_batch([obj.xprop_nodes], names=["n"])):
        arrow_digest(batch, h)
    for name in sorted(obj.facts):
        h.update(name.encode())
        arrow_digest(obj.facts[name], h)
    return _digest("file_summary", h.hexdigest())


def hash_fragment_store(obj: FragmentStore, *args: Any, **kwargs: Any) -> str:
    return _digest("fragment_store", obj.root)


def hash_table_stream(obj: TableStream, *args: Any, **kwargs: Any) -> str:
    """A stream is never reused from a cache (emit nodes recompute); a per-object
    token keeps its fingerprint from ever matching another's."""
    return _digest("table_stream", obj.name, obj.token)


def _hash_dataclass(obj: Any, depth: int = 0) -> str:
    parts = [type(obj).__qualname__]
    for f in dataclasses.fields(obj):
        parts.append(f"{f.name}={fingerprinting.hash_value(getattr(obj, f.name), depth=depth + 1)}")
    return _digest(*parts)


def hash_resolve_types(obj: Any, *args: Any, depth: int = 0, **kwargs: Any) -> str:
    return _hash_dataclass(obj, depth)


def hash_plan(obj: ExecutionPlan, *args: Any, **kwargs: Any) -> str:
    costs = ",".join(f"{k}={v:.6f}" for k, v in sorted(obj.costs.items()))
    return _digest("plan", obj.signature, costs)


@lru_cache(maxsize=1)
def register_fingerprints() -> None:
    """Teach Hamilton's cache to fingerprint the engine's types (idempotent). Without
    it Hamilton calls them unhashable, warns on every node and never reuses downstream
    work. Called by ``driver.make_driver`` and by every remote task of the engine's
    executors, in the worker process that runs it."""
    register = fingerprinting.hash_value.register
    register(pa.Table)(hash_arrow)
    register(pa.RecordBatch)(hash_arrow)
    register(RepoSnapshot)(hash_repo_snapshot)
    register(FileSummary)(hash_file_summary)
    register(FragmentStore)(hash_fragment_store)
    register(TableStream)(hash_table_stream)
    for kind in (ResolveInput, ResolveOutput, ResolveConfig):
        register(kind)(hash_resolve_types)
    register(ExecutionPlan)(hash_plan)


# -- wiring ---------------------------------------------------------------------------------
@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """Hash of every module of the engine package (and the version).

    Hamilton keys a node on its own source and its inputs, not on the code it calls:
    after an upgrade, ``resolved`` would be served the old resolver's output and
    ``fragment_store`` the old engine's folder (whose fragments hold the old
    extraction's rows; its pruning then deleted the new folder, so every build
    re-parsed everything). Each code version therefore gets its own cache (and so does
    each set of value-flow models, read once per process)."""
    root = Path(__file__).resolve().parents[1]
    # the value-flow models (YAML, read at build time) shape the resolver's output too
    salt = f"{VERSION}\0{FINGERPRINT_VERSION}\0{models_digest()}"
    return source_fingerprint(salt, root, sorted(root.rglob("*.py")))[:20]


def hamilton_cache_dir(cache_dir: str) -> str:
    return os.path.join(cache_dir, "hamilton", code_fingerprint())


class CheckedResultStore(FileResultStore):
    """Hamilton's file result store with a CRC-32 of every stored result: a result file
    that fails it, or fails to unpickle, is deleted and is a miss (the node runs
    again), never a wrong value. Writes go to a temporary name, then a rename, so a
    killed build never leaves a torn result."""

    MAGIC = b"CAH1"

    @staticmethod
    def _write_result(file_path: Path, stored_result: Any) -> None:
        data = stored_result.save()
        tmp = file_path.with_name(f"{file_path.name}.{os.getpid()}.tmp")
        try:
            with open(tmp, "wb") as fh:
                fh.write(CheckedResultStore.MAGIC + zlib.crc32(data).to_bytes(4, "little"))
                fh.write(data)
            os.replace(tmp, file_path)
        except OSError:
            with contextlib.suppress(OSError):
                os.remove(tmp)
            raise

    @staticmethod
    def _load_result_from_path(path: Path) -> Any:
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            return None
        head, data = raw[:8], raw[8:]
        try:
            if head[:4] != CheckedResultStore.MAGIC or int.from_bytes(head[4:], "little") != (
                zlib.crc32(data)
            ):
                raise ValueError("checksum mismatch")
            return StoredResult.load(data)
        except Exception as exc:  # noqa: BLE001 - a damaged result is a miss, never a value
            logger.debug("cached result %s is damaged; recomputing", path, exc_info=True)
            with contextlib.suppress(OSError):
                path.unlink()
            # the cache adapter's signal for "found but unusable": it drops the metadata
            # row and runs the node
            raise ResultRetrievalError(f"cached result {path} is damaged") from exc

    def delete_expired(self) -> None:
        for file_path in self.path.iterdir():
            with contextlib.suppress(ResultRetrievalError):
                stored = self._load_result_from_path(file_path)
                if stored and stored.expired:
                    file_path.unlink(missing_ok=True)


def cache_stores(cache_dir: str, limit_bytes: int) -> tuple[SQLiteMetadataStore, FileResultStore]:
    """The stores of this code version's cache under ``cache_dir``; the result store
    pruned to ``limit_bytes`` (see ``prune_results``)."""
    root = hamilton_cache_dir(cache_dir)
    os.makedirs(root, exist_ok=True)
    # the caches of other code versions (and of the unversioned layout) never hit again
    parent = os.path.dirname(root)
    for other in os.listdir(parent):
        full = os.path.join(parent, other)
        if full == root:
            continue
        if os.path.isdir(full):
            shutil.rmtree(full, ignore_errors=True)
        else:
            with contextlib.suppress(OSError):
                os.remove(full)
    results = os.path.join(root, "results")
    prune_results(results, limit_bytes)
    return SQLiteMetadataStore(path=root), CheckedResultStore(path=results)


# Hamilton's result store has no eviction; every new resolution adds ~9 MB for the
# stdlib, so a repo rebuilt on every push would grow it without bound. Past the limit
# (``Settings.cache_max_mb``, $CODEANATOMY_CACHE_MAX_MB) the least recently written
# results go (a metadata row whose result file is gone is a miss that recomputes:
# Hamilton logs MISSING_RESULT).
def prune_results(results_dir: str, limit: int) -> int:
    """Deletes the oldest result files until ``results_dir`` holds at most 80% of
    ``limit`` bytes (only when it is over ``limit``); returns the files deleted."""
    try:
        entries = [e for e in os.scandir(results_dir) if e.is_file()]
    except FileNotFoundError:
        return 0
    stats = [(e.stat().st_mtime, e.stat().st_size, e.path) for e in entries]
    total = sum(size for _, size, _ in stats)
    if total <= limit:
        return 0
    removed = 0
    for _, size, path in sorted(stats):
        if total <= 0.8 * limit:
            break
        try:
            os.remove(path)
        except OSError:
            continue
        total -= size
        removed += 1
    return removed


def cache_outcomes(dr: Any) -> dict[str, str]:
    """Per node of the driver's last run: ``hit`` (served from the result store),
    ``miss`` (cacheable, had to run) or ``recompute`` (always runs). Plain data."""
    cache = getattr(dr, "cache", None)
    run_id = getattr(cache, "last_run_id", None) if cache is not None else None
    if run_id is None:
        return {}
    behaviors: Mapping[str, Any] = cache.behaviors.get(run_id, {})
    out: dict[str, str] = {}
    for key, events in cache.logs(run_id=run_id, level="debug").items():
        name = key[0] if isinstance(key, tuple) else key
        kinds = {e.event_type.value for e in events}
        if "is_input" in kinds:
            continue
        hit = any(e.event_type.value == "get_result" and e.msg == "hit" for e in events)
        ran = "execute_node" in kinds
        if not hit and not ran:
            continue  # not part of this run's subset
        if hit and not ran:
            out[name] = "hit"
        elif getattr(behaviors.get(name), "name", "") in ("RECOMPUTE", "DISABLE", "IGNORE"):
            out[name] = "recompute"
        else:
            out[name] = "miss"
    return out
