"""Extract stage: per-file CPG fragments, in parallel through Hamilton's dynamic execution.

``file_batches`` splits the files still to parse into batches of about equal source
size (``Parallelizable``); Hamilton runs ``batch_extract`` once per batch on the
driver's remote executor (in process, a process pool or Dask; see ``executors``). Each
file's rows go straight to its fragment on disk (``fragments``); only its summary
(resolver facts, CALL nodes, EXTERNAL names, errors) comes back, so neither the driver
nor a worker ever holds more than one file's rows, and ``file_extracts`` collects the
summaries into path order, whatever the executor, worker count or finishing order.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass

from hamilton.function_modifiers import cache, tag
from hamilton.htypes import Collect, Parallelizable

from codeanatomy_hamilton.core.memory import paused_gc
from codeanatomy_hamilton.extract.file import extract_file
from codeanatomy_hamilton.fragments.store import FileSummary, FragmentStore
from codeanatomy_hamilton.scan.snapshot import RepoSnapshot, with_data

# batches per worker: more than one so a worker that drew small files takes another
# batch instead of idling while the others finish theirs
BATCHES_PER_WORKER = 4


@dataclass(frozen=True)
class FileBatch:
    """Files extracted together in one task: (path, blob sha, bytes) triples, and the
    fragment store their rows go to."""

    index: int
    files: tuple[tuple[str, str, bytes], ...]
    store: FragmentStore | None = None

    @property
    def size(self) -> int:
        return sum(len(data) for _, _, data in self.files)


def _balanced_batches(
    files: list[tuple[str, str, bytes]], count: int, store: FragmentStore | None = None
) -> list[FileBatch]:
    """``count`` batches of about equal byte size (largest file first into the lightest
    batch), largest batch first so the longest task starts first."""
    count = max(1, min(count, len(files)))
    if count == 1:
        return [FileBatch(0, tuple(files), store)]
    heap = [(0, i) for i in range(count)]
    bins: list[list[tuple[str, str, bytes]]] = [[] for _ in range(count)]
    for item in sorted(files, key=lambda f: -len(f[2])):
        size, i = heapq.heappop(heap)
        bins[i].append(item)
        heapq.heappush(heap, (size + len(item[2]), i))
    batches = [FileBatch(i, tuple(b), store) for i, b in enumerate(bins) if b]
    return sorted(batches, key=lambda b: -b.size)


@cache(behavior="disable")
@tag(layer="extract")
def file_batches(
    extract_snapshot: RepoSnapshot, workers: int, fragment_store: FragmentStore
) -> Parallelizable[FileBatch]:
    """The files to parse in batches balanced by size; one batch when ``workers == 1``.
    ``extract_snapshot`` is the repo snapshot less the files the fragment store already
    holds (``incremental_nodes``)."""
    # only now are the blobs read: the files the fragment store does not hold
    files = [(f.path, f.blob_sha, f.data or b"") for f in with_data(extract_snapshot).files]
    count = 1 if workers <= 1 else workers * BATCHES_PER_WORKER
    yield from _balanced_batches(files, count, fragment_store)


@cache(behavior="disable")  # the fragment store keeps its results
@tag(layer="extract")
def batch_extract(file_batches: FileBatch) -> list[FileSummary]:
    """Every file of one batch extracted, its rows written to its fragment (runs on the
    remote executor); returns the files' summaries."""
    store = file_batches.store
    assert store is not None, "a FileBatch needs a fragment store"
    # The AST pass allocates millions of small acyclic objects; the cyclic GC would
    # rescan the growing heap many times over for nothing (see ``paused_gc``). It is
    # paused per file, not per batch: each file leaves some cyclic garbage, which the
    # young-generation collection at the end of ``paused_gc`` frees while it is still
    # one file's worth. Paused over a whole batch (one batch holds every file with one
    # worker), that garbage piled up and fragmented the heap: +320 MiB of RSS after
    # extracting corpus 1, ~+2 GiB on corpus 2, which the later stages then stacked on.
    out = []
    for path, blob, data in file_batches.files:
        with paused_gc():
            out.append(store.put(blob, extract_file(path, data)))
    return out


@tag(layer="extract")
def file_extracts(
    batch_extract: Collect[list[FileSummary]], cached_extracts: list[FileSummary]
) -> list[FileSummary]:
    """Every file's summary (freshly parsed or served from the fragment store), in path
    order; the rows themselves stay in the fragments."""
    out = [fx for batch in batch_extract for fx in batch] + list(cached_extracts)
    out.sort(key=lambda fx: fx.path)
    return out
