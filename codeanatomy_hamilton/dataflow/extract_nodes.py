"""Extract stage: per-file CPG fragments, in parallel through Hamilton's dynamic execution.

``file_batches`` splits the snapshot into batches of about equal source size
(``Parallelizable``); Hamilton runs ``batch_extract`` once per batch on the driver's
remote executor (in process, a process pool or Dask; see ``executors``) and
``file_extracts`` collects the results back into path order, so the output does not
depend on the executor, the worker count or the order batches finish in.
"""

from __future__ import annotations

import gc
import heapq
from dataclasses import dataclass

from hamilton.function_modifiers import tag
from hamilton.htypes import Collect, Parallelizable

from ..extract.file import FileExtract, extract_file
from ..scan import RepoSnapshot

# batches per worker: more than one so a worker that drew small files takes another
# batch instead of idling while the others finish theirs
BATCHES_PER_WORKER = 4


@dataclass(frozen=True)
class FileBatch:
    """Files extracted together in one task: (path, bytes) pairs."""

    index: int
    files: tuple[tuple[str, bytes], ...]

    @property
    def size(self) -> int:
        return sum(len(data) for _, data in self.files)


def balanced_batches(files: list[tuple[str, bytes]], count: int) -> list[FileBatch]:
    """``count`` batches of about equal byte size (largest file first into the lightest
    batch), largest batch first so the longest task starts first."""
    count = max(1, min(count, len(files)))
    if count == 1:
        return [FileBatch(0, tuple(files))]
    heap = [(0, i) for i in range(count)]
    bins: list[list[tuple[str, bytes]]] = [[] for _ in range(count)]
    for item in sorted(files, key=lambda f: -len(f[1])):
        size, i = heapq.heappop(heap)
        bins[i].append(item)
        heapq.heappush(heap, (size + len(item[1]), i))
    batches = [FileBatch(i, tuple(b)) for i, b in enumerate(bins) if b]
    return sorted(batches, key=lambda b: -b.size)


@tag(layer="extract")
def file_batches(extract_snapshot: RepoSnapshot, workers: int) -> Parallelizable[FileBatch]:
    """The snapshot's files in batches balanced by size; one batch when ``workers == 1``.
    ``extract_snapshot`` is the repo snapshot less the files the per-file cache already
    holds (``incremental_nodes``)."""
    files = [(f.path, f.data) for f in extract_snapshot.files]
    count = 1 if workers <= 1 else workers * BATCHES_PER_WORKER
    yield from balanced_batches(files, count)


@tag(layer="extract")
def batch_extract(file_batches: FileBatch) -> list[FileExtract]:
    """Every file of one batch extracted (runs on the remote executor)."""
    # The AST pass allocates millions of small acyclic objects; the cyclic GC would
    # rescan the growing heap many times over for nothing. Reference counting frees
    # the trees; one collection at the end catches any cycle a pass made.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return [extract_file(path, data) for path, data in file_batches.files]
    finally:
        if was_enabled:
            gc.enable()
            gc.collect()


@tag(layer="extract")
def file_extracts(
    batch_extract: Collect[list[FileExtract]], cached_extracts: list[FileExtract]
) -> list[FileExtract]:
    """Every file's nodes, edges, props, facts and errors, in path order (freshly parsed
    or served from the per-file cache)."""
    out = [fx for batch in batch_extract for fx in batch] + list(cached_extracts)
    out.sort(key=lambda fx: fx.path)
    return out
