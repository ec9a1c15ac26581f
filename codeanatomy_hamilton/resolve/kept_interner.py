"""The resolver's interner kept between builds of a repo (``resolve.kept_strings``).

A resolution that starts from no kept interner (a full build, or an incremental build
after many files changed) writes its interner next to the summary pack; the next
builds, while they share all but a few files with it, start from it: they intern only
the rows of the files it lacks, and find strings through its hash index. Interning is
a third of a resolution on the standard library (0.35 of ~1.1 s); see
docs/performance.md.

Like the pack, the kept interner is only an accelerator: a file that is missing, cut
short, unreadable or written by other resolver code is ignored (the run interns
everything, as a fresh one does, and writes a new one), and the output is the same
either way. Every section carries a CRC-32 (``sectioned``): a damaged file is deleted.

Layout: ``<fragment store>/<engine>/<repo>/interner.kept``, a ``sectioned`` file: the
strings as an Arrow IPC stream (memory-mapped), then a pickle of the numpy arrays.
"""

from __future__ import annotations

import logging
import os
import pickle
from collections.abc import Sequence

import pyarrow as pa

from codeanatomy_hamilton.core import sectioned
from codeanatomy_hamilton.core.fingerprint import engine_fingerprint
from codeanatomy_hamilton.fragments.store import FileSummary, FragmentStore
from codeanatomy_hamilton.fragments.summary_pack import few_stale
from codeanatomy_hamilton.resolve.kept_strings import KeptStrings, make_kept
from codeanatomy_hamilton.resolve.points_to.core import ENCODED_COLUMNS, PointsTo
from codeanatomy_hamilton.resolve.reuse import resolver_fingerprint
from codeanatomy_hamilton.resolve.types import ResolveInput

MAGIC = b"CAK2"
KEPT_NAME = "interner.kept"

log = logging.getLogger(__name__)

FileKey = tuple[str, str, dict[str, int]]


def kept_file(store: FragmentStore) -> str:
    return os.path.join(store.root, KEPT_NAME)


def _fingerprint() -> str:
    return f"{resolver_fingerprint()}:{engine_fingerprint()}"


def file_keys(summaries: Sequence[FileSummary]) -> list[FileKey] | None:
    """(path, resolve digest, rows per fact table) of each file, in input order; None
    when a summary has no digest (its rows could not be matched safely)."""
    out = []
    for s in summaries:
        if not s.resolve_digest:
            return None
        out.append((s.path, s.resolve_digest, {n: b.num_rows for n, b in s.facts.items()}))
    return out


def load_kept(store: FragmentStore) -> KeptStrings | None:
    """The repo's kept interner, if there is a whole one from this resolver code."""
    try:
        header, sections = sectioned.map_file(kept_file(store), MAGIC)
        if header.get("fingerprint") != _fingerprint():
            return None
        strings = pa.ipc.open_stream(sections["strings"]).read_next_batch().column(0)
        arrays = pickle.loads(sections["arrays"].to_pybytes())
        return KeptStrings(strings=strings, **arrays)
    except FileNotFoundError:
        return None
    except Exception:  # noqa: BLE001 - an unreadable file only means interning again
        log.debug("kept interner %s unreadable", kept_file(store), exc_info=True)
        # damaged (checksums, layout): deleted, this run keeps a new one
        sectioned.remove_quietly(kept_file(store))
        return None


def save_kept(store: FragmentStore, kept: KeptStrings) -> None:
    arrays = {
        "meta": kept.meta,
        "memo1": kept.memo1,
        "memo2": kept.memo2,
        "hash_sorted": kept.hash_sorted,
        "hash_ids": kept.hash_ids,
        "files": kept.files,
        "offsets": kept.offsets,
        "columns": kept.columns,
    }
    strings = pa.record_batch([kept.strings.cast(pa.string())], names=["s"])
    blobs = {"strings": sectioned.ipc_bytes(strings), "arrays": pickle.dumps(arrays, 5)}
    try:
        sectioned.write(kept_file(store), MAGIC, blobs, {"fingerprint": _fingerprint()})
    except OSError as exc:  # a read-only or full cache disk costs speed, not the build
        log.warning("could not keep the resolver's interner at %s: %s", kept_file(store), exc)


def prepare(store: FragmentStore, summaries: Sequence[FileSummary], inp: ResolveInput) -> str:
    """Sets ``inp`` to start from the kept interner when it still covers all but a few
    of the files (``summary_pack.few_stale``, as for the pack), else to keep
    the interner of this run. Returns what was done: "kept", "keep" or "none"."""
    keys = file_keys(summaries)
    if keys is None:
        return "none"
    kept = load_kept(store)
    if kept is not None:
        missing = kept.missing_files([(p, d) for p, d, _ in keys])
        if few_stale(missing, len(kept.files) - (len(keys) - missing), len(keys)):
            inp.kept = kept
            inp.hints = kept.hints(keys, ENCODED_COLUMNS)
            return "kept"

    def keep(pt: PointsTo) -> None:
        state, encoded = pt.kept_state()
        save_kept(store, make_kept(state, encoded, keys))

    inp.on_interner = keep
    return "keep"
