"""Extract stage: per-file CPG fragments (pure per file, parallel when workers > 1)."""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor

from hamilton.function_modifiers import tag

from ..extract.file import FileExtract, extract_file
from ..scan import RepoSnapshot


def _extract_chunk(items: list[tuple[str, bytes]]) -> list[FileExtract]:
    return [extract_file(path, data) for path, data in items]


@tag(layer="extract")
def file_extracts(
    extract_snapshot: RepoSnapshot, workers: int, cached_extracts: list[FileExtract]
) -> list[FileExtract]:
    """Every file's nodes, edges, props, facts and errors, in path order (freshly parsed
    or served from the per-file cache; ``extract_snapshot`` is the repo snapshot less the
    cached files, see ``incremental_nodes``)."""
    items = [(f.path, f.data) for f in extract_snapshot.files]
    if workers <= 1 or len(items) < 2:
        fresh = _extract_chunk(items)
        return sorted(fresh + list(cached_extracts), key=lambda fx: fx.path)
    # big files first, dealt round-robin, so chunks finish at about the same time
    order = sorted(range(len(items)), key=lambda i: -len(items[i][1]))
    chunks: list[list[int]] = [[] for _ in range(workers * 4)]
    for n, i in enumerate(order):
        chunks[n % len(chunks)].append(i)
    results: dict[int, FileExtract] = {}
    with ProcessPoolExecutor(max_workers=workers) as pool:
        futures = [(c, pool.submit(_extract_chunk, [items[i] for i in c])) for c in chunks if c]
        for chunk, fut in futures:
            for i, res in zip(chunk, fut.result(), strict=True):
                results[i] = res
    fresh = [results[i] for i in range(len(items))]
    return sorted(fresh + list(cached_extracts), key=lambda fx: fx.path)
