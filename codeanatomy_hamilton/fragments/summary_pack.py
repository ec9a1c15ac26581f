"""Every summary of a repo's last build in one file: how an incremental build reads them.

Resolution runs over the whole repository, so an incremental build needs the summary
of every file, though it parses only the changed ones. Read one fragment at a time,
a summary costs some dozens of small Arrow IPC streams read back (about 0.3 - 0.5 ms
per file, 0.23 s for the 734 files of the standard library). The pack holds the same data as a
few large Arrow tables (the facts of each fact table, the CALL nodes, the resolver-prop
candidates and their file props, each concatenated over the files in path order),
memory-mapped (each section checked against its CRC-32 when loaded; a damaged pack is
deleted and the fragments are read instead): a file's summary is then a handful of zero-copy slices, and the
resolver's input is assembled from runs of consecutive files, one slice per table per
run (``emit.concat_facts``).

The pack only speeds up the fragment store; it is never the sole copy of anything.
An entry serves a file only when the file's fragment (same path and blob, hence same
key) is on disk with the size recorded; otherwise the fragment's own summary is read.
Each build rewrites the pack for its snapshot (temporary name, then rename), so two
builds sharing a fragment store at worst leave a pack with fewer usable entries.

Layout: ``<fragment store>/<engine>/<repo>/summaries.pack``, a ``sectioned`` file: a
pickled ``meta`` section (entries, per-table row offsets), then one Arrow IPC stream
per table.
"""

from __future__ import annotations

import logging
import os
import pickle
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from codeanatomy_hamilton.core import sectioned
from codeanatomy_hamilton.core.schema import PROP_SCHEMA
from codeanatomy_hamilton.extract.fact_schemas import FACT_SCHEMAS
from codeanatomy_hamilton.fragments.store import CALL_SCHEMA, FileSummary, FragmentStore, one_batch

MAGIC = b"CAP4"
PACK_NAME = "summaries.pack"
FACT_PREFIX = "fact:"
_XNODES = pa.schema([("node_id", pa.int64())])

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PackRef:
    """Position of a file's summary in a pack (``FileSummary.pack``)."""

    pack: SummaryPack
    index: int


@dataclass(frozen=True)
class _Entry:
    key: str  # file name of the fragment: sha1 of (path, blob sha)
    size: int  # fragment size in bytes when the pack was written
    path: str
    module: str
    lines: int
    errors: list[Any]
    externals: tuple[str, ...]
    rows: dict[str, int]
    resolve_digest: str


class SummaryPack:
    """A loaded pack: entries in path order and one record batch per table."""

    def __init__(
        self, entries: list[_Entry], offsets: dict[str, list[int]], tables: dict[str, Any]
    ) -> None:
        self.entries = entries
        self.offsets = offsets
        self.tables = tables
        self.by_key = {e.key: i for i, e in enumerate(entries)}
        self.fact_names = [t[len(FACT_PREFIX) :] for t in tables if t.startswith(FACT_PREFIX)]

    def rows(self, table: str, lo: int, hi: int) -> pa.RecordBatch:
        """Rows of ``table`` of the entries ``[lo, hi)`` (zero-copy)."""
        off = self.offsets[table]
        return self.tables[table].slice(off[lo], off[hi] - off[lo])

    def facts(self, name: str, lo: int, hi: int) -> pa.RecordBatch:
        return self.rows(FACT_PREFIX + name, lo, hi)

    def summary(self, fragment: str) -> FileSummary | None:
        """The summary of the file whose fragment is ``fragment``, if the pack has it and
        the fragment is on disk, whole (its recorded size)."""
        i = self.by_key.get(os.path.basename(fragment))
        if i is None:
            return None
        e = self.entries[i]
        try:
            if os.stat(fragment).st_size != e.size:
                return None
            os.utime(fragment)  # in use: ``FragmentStore.prune``'s grace period restarts
        except OSError:
            return None
        facts = {}
        for name in self.fact_names:
            batch = self.facts(name, i, i + 1)
            if batch.num_rows:
                facts[name] = batch
        return FileSummary(
            path=e.path,
            module=e.module,
            lines=e.lines,
            errors=list(e.errors),
            facts=facts,
            calls=self.rows("calls", i, i + 1),
            externals=e.externals,
            xprop_nodes=self.rows("xprop_nodes", i, i + 1).column(0),
            xprops=self.rows("xprops", i, i + 1),
            rows=dict(e.rows),
            resolve_digest=e.resolve_digest,
            fragment=fragment,
            pack=PackRef(self, i),
        )


def pack_file(store: FragmentStore) -> str:
    return os.path.join(store.root, PACK_NAME)


def load_pack(store: FragmentStore) -> SummaryPack | None:
    """The repo's pack, memory-mapped; None when there is none or it is unreadable."""
    try:
        _, sections = sectioned.map_file(pack_file(store), MAGIC)
        meta = pickle.loads(sections.pop("meta").to_pybytes())
        tables = {name: pa.ipc.open_stream(buf).read_next_batch() for name, buf in sections.items()}
        pack = SummaryPack(meta["entries"], meta["offsets"], tables)
        for name, off in pack.offsets.items():
            if len(off) != len(pack.entries) + 1 or off[-1] != tables[name].num_rows:
                raise sectioned.BadFile("offsets do not match the tables")
        return pack
    except FileNotFoundError:
        return None
    except Exception:  # noqa: BLE001 - any unreadable pack is only a slower build
        log.debug("summary pack %s unreadable; reading fragments", pack_file(store), exc_info=True)
        # damaged (checksums, layout): deleted, the build writes a new one
        sectioned.remove_quietly(pack_file(store))
        return None


def cached_summaries(store: FragmentStore, files: Sequence[Any]) -> list[FileSummary]:
    """Summaries of the ``files`` (``scan.ScannedFile``: path, blob_sha) the store holds,
    from the pack where it can, else from each fragment; in the order of ``files``."""
    pack = load_pack(store)
    out = []
    for f in files:
        target = store.file_for(f.path, f.blob_sha)
        hit = pack.summary(target) if pack is not None else None
        if hit is None:
            hit = store.summary(f.path, f.blob_sha)
        if hit is not None:
            out.append(hit)
    return out


# a pack that served all but this many of a build's files (or this share of them) is
# kept as it is: rewriting it costs ~0.07 s per 700 files, reading the few files it
# misses from their fragments ~0.3 ms each
STALE_FILES = 16
STALE_SHARE = 0.02


def pack_is_current(summaries: Sequence[FileSummary]) -> bool:
    """Whether the pack these summaries were read from still serves nearly all of them
    (few files read from fragments or parsed, few pack entries left unused)."""
    refs = [s.pack for s in summaries if s.pack is not None]
    if not refs:
        return False
    pack = refs[0].pack
    hits = sum(1 for r in refs if r.pack is pack)
    return few_stale(len(summaries) - hits, len(pack.entries) - hits, len(summaries))


def few_stale(misses: int, unused: int, files: int) -> bool:
    """Whether a store of per-file data made for an earlier build (the pack, the kept
    interner) still serves a build of ``files`` files: at most max(``STALE_FILES``,
    ``STALE_SHARE``) of them missing from it, and as few of its entries unused."""
    slack = max(STALE_FILES, int(STALE_SHARE * files))
    return misses <= slack and unused <= slack


def write_pack(
    store: FragmentStore,
    summaries: Sequence[FileSummary],
    facts: dict[str, pa.Table],
    calls: pa.Table,
) -> int:
    """Writes the pack of ``summaries`` (path order); ``facts`` and ``calls`` are their
    facts and CALL nodes already concatenated in that order (the resolver's input).
    Returns the number of entries written (0 when nothing was written)."""
    entries = []
    offsets: dict[str, list[int]] = {}
    counts: dict[str, list[int]] = {FACT_PREFIX + n: [] for n in FACT_SCHEMAS}
    counts.update({"calls": [], "xprops": [], "xprop_nodes": []})
    for s in summaries:
        try:
            size = os.stat(s.fragment).st_size
        except OSError:
            return 0  # a fragment vanished: the next build reads fragments one by one
        entries.append(
            _Entry(
                os.path.basename(s.fragment),
                size,
                s.path,
                s.module,
                s.lines,
                list(s.errors),
                tuple(s.externals),
                dict(s.rows),
                s.resolve_digest,
            )
        )
        for name in FACT_SCHEMAS:
            b = s.facts.get(name)
            counts[FACT_PREFIX + name].append(b.num_rows if b is not None else 0)
        counts["calls"].append(s.calls.num_rows)
        counts["xprops"].append(s.xprops.num_rows)
        counts["xprop_nodes"].append(len(s.xprop_nodes))
    tables: dict[str, pa.Table] = {}
    for name, schema in FACT_SCHEMAS.items():
        t = facts.get(name)
        tables[FACT_PREFIX + name] = schema.empty_table() if t is None else t
    tables["calls"] = calls
    tables["xprops"] = pa.Table.from_batches(
        [s.xprops for s in summaries if s.xprops.num_rows], schema=PROP_SCHEMA
    )
    nodes = [s.xprop_nodes for s in summaries if len(s.xprop_nodes)]
    tables["xprop_nodes"] = pa.table(
        {"node_id": pa.concat_arrays(nodes) if nodes else pa.array([], pa.int64())},
        schema=_XNODES,
    )
    for name, c in counts.items():
        acc = [0]
        for n in c:
            acc.append(acc[-1] + n)
        if acc[-1] != tables[name].num_rows:
            # the concatenated input does not line up with the summaries: no pack
            return 0
        offsets[name] = acc
    blobs: dict[str, bytes | pa.Buffer] = {
        "meta": pickle.dumps({"entries": entries, "offsets": offsets}, 5)
    }
    for name, t in tables.items():
        t = t.combine_chunks()
        if name.startswith(FACT_PREFIX):
            t = t.cast(FACT_SCHEMAS[name[len(FACT_PREFIX) :]])
        elif name == "calls":
            t = t.cast(CALL_SCHEMA)
        blobs[name] = sectioned.ipc_bytes(one_batch(t, t.schema))
    sectioned.write(pack_file(store), MAGIC, blobs)
    return len(entries)
