"""Per-file fragments on disk: the rows one file contributes, and a small summary of it.

Extraction never hands a file's rows back to the driver. Each file's nodes, edges and
props are written to one fragment file as Arrow IPC sections, and only a
:class:`FileSummary` comes back: the resolver's facts, the file's CALL nodes, the
EXTERNAL qualnames it points to, its errors and row counts. The store stage then
streams the contract tables from the fragments into Delta, a few files at a time
(``streams``), so a build holds the resolver's input, never the whole graph.

The fragment store doubles as the per-file extract cache: entries are keyed by
(engine fingerprint, path, blob sha), since a file's rows are a pure function of its
path (node ids, module name) and its bytes. An incremental build parses only the files
whose key is missing and reads the summaries of the others.

Layout: ``<root>/<engine fingerprint>/<repo>/<key[:2]>/<key>.frag``; one file per entry,
a ``sectioned`` file (the summary as a pickle, its Arrow fields in it as IPC streams;
each table as an Arrow IPC stream): written to a temporary name and renamed into place,
so a killed build never leaves a torn entry; an unreadable or damaged entry (every
section carries a CRC-32) is a miss and is deleted. A damaged table section is only
found when the emit stage reads it: the build then drops every damaged entry
(``FragmentStore.drop_damaged``) and runs again once, re-extracting those files
(``build.run_build``).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import shutil
import time
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from codeanatomy_hamilton.core import ids, sectioned
from codeanatomy_hamilton.core.errors import SourceError
from codeanatomy_hamilton.core.schema import EDGE_SCHEMA, LOCAL_NODE_SCHEMA, PROP_SCHEMA
from codeanatomy_hamilton.core.vocabulary import RS_CALL, NodeKind
from codeanatomy_hamilton.extract.fact_schemas import FACT_SCHEMAS, cast_fact_batch
from codeanatomy_hamilton.extract.file import FileExtract

MAGIC = b"CAF3"
# node kinds the resolver attaches props to (``caller``/``callee`` on call sites,
# ``mro``/``mro_error`` on classes); their file props travel in the summary so an
# incremental build can rebuild their ``cpg_props_map`` rows without the fragment
XPROP_KINDS = (NodeKind.CALL, NodeKind.CLASS)


# the columns of a file's CALL nodes that resolution reads (``resolve.output``), the
# only ones a summary keeps: the rows themselves are in the fragment, and the other
# columns (path, ast_type, qualname, positions) were two thirds of the summaries' CALL
# nodes (~255 MiB on the whole stdlib, held once in the summaries and once more in the
# resolver's input)
RESOLVE_CALL_COLUMNS = ["node_id", "name", "kind"]
CALL_SCHEMA = pa.schema([LOCAL_NODE_SCHEMA.field(c) for c in RESOLVE_CALL_COLUMNS])


@dataclass
class FileSummary:
    """What one file contributes besides its own rows (those stay in the fragment)."""

    path: str
    module: str
    lines: int
    errors: list[SourceError]
    facts: dict[str, pa.RecordBatch]
    # the file's CALL nodes, ``CALL_SCHEMA`` columns (unresolved calls get ``callee``)
    calls: pa.RecordBatch
    # distinct qualnames of the EXTERNAL nodes the file's own edges point to
    externals: tuple[str, ...]
    # ids of nodes the resolver may give props to, and those nodes' file props
    xprop_nodes: pa.Array
    xprops: pa.RecordBatch
    # rows per fragment section
    rows: dict[str, int] = field(default_factory=dict)
    # digest of what resolution reads from this file (``resolve.reuse``)
    resolve_digest: str = ""
    # the fragment file (set when loaded; not part of the stored summary)
    fragment: str = ""
    # where the summary's Arrow fields were sliced from, when served from the repo's
    # summary pack (``summary_pack``); never pickled: a pack is one per build
    pack: Any = field(default=None, compare=False, repr=False)

    def __getstate__(self) -> dict[str, Any]:
        """A summary with a fragment pickles by reference: its Arrow fields are left out
        and read back from the fragment on first use (``__getattr__``). Hamilton's
        result store and process executors pickle summaries; by value, the 734 of the
        standard library cost ~50 MB per stored result (and a summary sliced from the
        pack would carry the whole pack: Arrow pickles a slice with its parent
        buffers). Without a fragment (``summarize``'s own; ``FragmentStore.put`` stores
        it through ``_stored``) it pickles whole, with compact copies of slices."""
        state = dict(self.__dict__)
        state["pack"] = None
        if self.fragment:
            for name in _ARROW_FIELDS:
                state.pop(name, None)
            return state
        state["facts"] = {name: compact(b) for name, b in self.facts.items()}
        state["calls"] = compact(self.calls)
        state["xprops"] = compact(self.xprops)
        nodes = compact(pa.record_batch([self.xprop_nodes], names=["node_id"]))
        state["xprop_nodes"] = nodes.column(0)
        return state

    def __getattr__(self, name: str) -> Any:
        # only reached for attributes not set: the Arrow fields of a summary unpickled
        # by reference
        fragment = self.__dict__.get("fragment")
        if name not in _ARROW_FIELDS or not fragment:
            raise AttributeError(name)
        loaded = _read_summary(fragment)
        if loaded is None or loaded.path != self.__dict__.get("path"):
            raise FragmentDamaged(
                f"fragment of {self.__dict__.get('path')} is unreadable ({fragment}); "
                "it was removed or damaged since the summary was read; run the build again"
            )
        for field_name in _ARROW_FIELDS:
            self.__dict__.setdefault(field_name, loaded.__dict__[field_name])
        return self.__dict__[name]

    def release_resolver_rows(self) -> None:
        """Drops the facts and CALL nodes of a summary that has a fragment, once
        resolution and the summary pack have read them: nothing later in a build does,
        and held through the Delta writes they were ~0.4 GiB on the whole standard
        library with tests. A later reader gets them back from the fragment
        (``__getattr__``)."""
        if self.fragment:
            self.__dict__.pop("facts", None)
            self.__dict__.pop("calls", None)

    @property
    def base(self) -> int:
        """Smallest node id of the file; ids of the file are ``[base, base + 2**23)``."""
        return ids.file_base(self.path)


# the fields a by-reference pickle leaves out (``FileSummary.__getstate__``)
_ARROW_FIELDS = ("facts", "calls", "xprop_nodes", "xprops")


def compact(batch: pa.RecordBatch) -> pa.RecordBatch:
    """A copy of ``batch`` that owns only its rows (a zero-copy slice keeps, and
    pickles, the whole buffers it was cut from). ``concat_batches`` of one batch copies
    into new buffers (~2 us; an IPC round trip costs ~10x more)."""
    return pa.concat_batches([batch])


def xedges_as_edges(xedges: pa.Table | pa.RecordBatch) -> pa.Table:
    """Edges to EXTERNAL nodes, with the destination id derived from the qualname."""
    if xedges.num_rows == 0:
        return EDGE_SCHEMA.empty_table()
    names = xedges.column("dst_qualname")
    unique = pc.unique(names)
    unique_ids = pa.array([ids.external_id(q) for q in unique.to_pylist()], pa.int64())
    dst = pc.take(unique_ids, pc.index_in(names, value_set=unique))
    n = xedges.num_rows
    return pa.table(
        {
            "src_id": xedges.column("src_id"),
            "dst_id": dst,
            "kind": xedges.column("kind"),
            "label": xedges.column("label"),
            "index": xedges.column("index"),
            "field": pa.nulls(n, pa.string()),
            "variable": xedges.column("variable"),
        },
        schema=EDGE_SCHEMA,
    )


def summarize(fx: FileExtract) -> tuple[FileSummary, dict[str, pa.Table]]:
    """Split one file's extract into its summary and its fragment sections."""
    summary, sections, _ = _summarize(fx)
    return summary, sections


def _summarize(
    fx: FileExtract,
) -> tuple[FileSummary, dict[str, pa.Table], dict[str, pa.Buffer]]:
    """``summarize``, plus the Arrow IPC stream of each fact table and of the CALL
    nodes: serialized once, they give the resolve digest and the stored summary."""
    nodes = pa.Table.from_batches([fx.nodes])
    calls = nodes.filter(pc.equal(nodes.column("kind"), NodeKind.CALL))
    is_cand = pc.is_in(fx.nodes.column("kind"), value_set=pa.array(XPROP_KINDS))
    parts = [pc.filter(fx.nodes.column("node_id"), is_cand)]
    rs_call = fx.facts.get(RS_CALL)
    if rs_call is not None and rs_call.num_rows:
        parts.append(rs_call.column("callid").cast(pa.int64()))
    cand = pc.unique(pa.concat_arrays(parts))
    props = pa.Table.from_batches([fx.props])
    xprops = props.filter(pc.is_in(props.column("node_id"), value_set=cand))
    x = fx.xedges
    externals = tuple(sorted(q for q in pc.unique(x.column("dst_qualname")).to_pylist() if q))
    sections = {
        "nodes": nodes,
        "edges": pa.Table.from_batches([fx.edges]),
        "xedges": xedges_as_edges(x),
        "props": props,
    }
    # cast once here: batches of all files then concatenate as they are
    facts = {
        name: cast_fact_batch(name, b) if name in FACT_SCHEMAS else b
        for name, b in fx.facts.items()
        if b.num_rows
    }
    call_batch = one_batch(calls.select(RESOLVE_CALL_COLUMNS), CALL_SCHEMA)
    ipc = {name: sectioned.ipc_bytes(b) for name, b in facts.items()}
    ipc[_CALLS] = sectioned.ipc_bytes(call_batch)
    summary = FileSummary(
        path=fx.path,
        module=fx.module,
        lines=fx.lines,
        errors=list(fx.errors),
        facts=facts,
        calls=call_batch,
        externals=externals,
        xprop_nodes=cand,
        xprops=one_batch(xprops, PROP_SCHEMA),
        rows={name: t.num_rows for name, t in sections.items()},
        resolve_digest=_digest(fx.path, fx.module, bool(fx.errors), ipc),
    )
    return summary, sections, ipc


# the key of the CALL nodes' IPC stream among the fact tables' (no fact table is named so)
_CALLS = "\0calls"


def resolve_digest(
    path: str,
    module: str,
    has_errors: bool,
    facts: dict[str, pa.RecordBatch],
    calls: pa.RecordBatch,
) -> str:
    """Digest of what resolution reads from one file: its row of the files table, its
    facts and three columns of its CALL nodes (no positions: an edit that moves code
    without changing names, calls or bindings keeps the digest). Equal digests mean
    equal input; equal input laid out differently in memory only misses a reuse."""
    ipc = {name: sectioned.ipc_bytes(b) for name, b in facts.items()}
    ipc[_CALLS] = sectioned.ipc_bytes(calls.select(RESOLVE_CALL_COLUMNS))
    return _digest(path, module, has_errors, ipc)


def _digest(path: str, module: str, has_errors: bool, ipc: dict[str, pa.Buffer]) -> str:
    """``resolve_digest`` over the IPC streams of the facts and CALL nodes (``_CALLS``)."""
    h = hashlib.sha256(f"{path}\0{module}\0{int(has_errors)}".encode("utf-8", "surrogateescape"))
    for name in sorted(n for n in ipc if n != _CALLS):
        h.update(b"\0" + name.encode())
        h.update(ipc[name])
    h.update(b"\0calls")
    h.update(ipc[_CALLS])
    return h.hexdigest()


def _stored(summary: FileSummary, ipc: dict[str, pa.Buffer]) -> bytes:
    """The summary as a fragment stores it: its plain fields, and its Arrow fields as
    IPC streams (the facts' and CALL nodes' are those the digest was made of; pickling
    dozens of small Arrow arrays one by one cost ~0.8 ms per file)."""
    state = {k: v for k, v in summary.__dict__.items() if k not in _ARROW_FIELDS}
    state["pack"] = None
    state["facts"] = {name: buf for name, buf in ipc.items() if name != _CALLS}
    state["calls"] = ipc[_CALLS]
    state["xprops"] = sectioned.ipc_bytes(summary.xprops)
    nodes = pa.record_batch([summary.xprop_nodes], names=["node_id"])
    state["xprop_nodes"] = sectioned.ipc_bytes(nodes)
    return pickle.dumps(state, protocol=5)


def _batch(data: Any) -> pa.RecordBatch:
    """The one record batch of an IPC stream."""
    return pa.ipc.open_stream(pa.py_buffer(data)).read_next_batch()


def _from_stored(state: dict[str, Any]) -> FileSummary:
    """The summary ``_stored`` wrote (its IPC streams read back)."""
    state = dict(state)
    state["facts"] = {name: _batch(buf) for name, buf in state["facts"].items()}
    state["calls"] = _batch(state["calls"])
    state["xprops"] = _batch(state["xprops"])
    state["xprop_nodes"] = _batch(state["xprop_nodes"]).column(0)
    summary = FileSummary.__new__(FileSummary)
    summary.__dict__.update(state)
    return summary


def one_batch(table: pa.Table, schema: pa.Schema) -> pa.RecordBatch:
    """The rows of ``table`` as one record batch (an empty one of ``schema`` if none)."""
    table = table.combine_chunks()
    if table.num_rows == 0:
        return pa.RecordBatch.from_pylist([], schema=schema)
    return table.to_batches()[0]


class FragmentStore:
    """Fragments of one repo, for the current engine fingerprint, under ``root``."""

    def __init__(self, root: str, repo_id: str, engine: str) -> None:
        self.base = root
        self.engine_dir = os.path.join(root, engine)
        self.root = os.path.join(self.engine_dir, _safe(repo_id))

    def file_for(self, path: str, blob_sha: str) -> str:
        key = hashlib.sha1(f"{path}\0{blob_sha}".encode("utf-8", "surrogateescape")).hexdigest()
        return os.path.join(self.root, key[:2], key + ".frag")

    # -- writing -------------------------------------------------------------------------
    def put(self, blob_sha: str, fx: FileExtract) -> FileSummary:
        """Store one file's extract; returns its summary (pointing at the fragment)."""
        summary, sections, ipc = _summarize(fx)
        blobs: dict[str, bytes | pa.Buffer] = {"summary": _stored(summary, ipc)}
        blobs.update({name: sectioned.ipc_bytes(t) for name, t in sections.items()})
        target = self.file_for(fx.path, blob_sha)
        sectioned.write(target, MAGIC, blobs)
        return replace(summary, fragment=target)

    # -- reading -------------------------------------------------------------------------
    def summary(self, path: str, blob_sha: str) -> FileSummary | None:
        """The stored summary of (path, blob), or None (missing or unreadable entry)."""
        target = self.file_for(path, blob_sha)
        value = _read_summary(target)
        if value is None or value.path != path:
            return None
        try:
            os.utime(target)  # in use: ``prune``'s grace period starts again
        except OSError:
            pass
        return replace(value, fragment=target)

    def prune(self, keep: Iterable[FileSummary], grace_s: float = 0.0) -> int:
        """Delete this repo's entries that ``keep`` does not use, and the entries of
        other engine versions (they can never hit again); returns entries deleted.

        Entries written or served within the last ``grace_s`` seconds stay: another
        build sharing this store (``--fragment-cache`` given to builds into several
        warehouses) may be reading them; a hit refreshes an entry's time."""
        keep_files = {s.fragment for s in keep}
        cutoff = time.time() - grace_s
        removed = 0
        if os.path.isdir(self.base):
            for other in os.listdir(self.base):
                full = os.path.join(self.base, other)
                if full != self.engine_dir and os.path.isdir(full):
                    shutil.rmtree(full, ignore_errors=True)
        if not os.path.isdir(self.root):
            return removed
        stale: list[str] = []
        for sub in os.listdir(self.root):
            folder = os.path.join(self.root, sub)
            if not os.path.isdir(folder):
                # the summary pack (``summary_pack``) stays, rewritten by each build; a
                # temporary file of a pack write that was killed goes like any entry
                if sub.endswith(".tmp"):
                    stale.append(folder)
                continue
            stale.extend(
                full
                for full in (os.path.join(folder, name) for name in os.listdir(folder))
                if full not in keep_files
            )
        for full in stale:
            try:
                if grace_s > 0 and os.stat(full).st_mtime >= cutoff:
                    continue
                os.remove(full)
                removed += 1
            except OSError:
                pass
        return removed

    def entries(self) -> set[str]:
        """Every file under this repo's folder (entries, the pack, temporary files)."""
        out: set[str] = set()
        for dirpath, _, names in os.walk(self.root):
            out.update(os.path.join(dirpath, n) for n in names)
        return out

    def remove_new(self, before: set[str]) -> int:
        """Deletes the files of this repo's folder that are not in ``before`` (what a
        failed build wrote); returns how many."""
        new = self.entries() - before
        for full in new:
            sectioned.remove_quietly(full)
        for dirpath, _, _ in os.walk(self.root, topdown=False):
            if dirpath != self.root:
                with contextlib.suppress(OSError):
                    os.rmdir(dirpath)  # only when empty
        return len(new)

    def drop_damaged(self) -> int:
        """Checks every entry of this repo whole (each section's CRC-32) and deletes
        the damaged ones, so the next run re-extracts those files; returns how many."""
        dropped = 0
        if not os.path.isdir(self.root):
            return dropped
        for sub in sorted(os.listdir(self.root)):
            folder = os.path.join(self.root, sub)
            if not os.path.isdir(folder):
                continue
            for name in sorted(os.listdir(folder)):
                full = os.path.join(folder, name)
                if name.endswith(".frag") and not fragment_intact(full):
                    sectioned.remove_quietly(full)
                    dropped += 1
        return dropped


def fragment_intact(target: str) -> bool:
    """Whether every section of the fragment ``target`` matches its checksum."""
    try:
        sectioned.map_file(target, MAGIC)
    except (OSError, ValueError, KeyError, TypeError):
        return False
    return True


def _read_summary(target: str) -> FileSummary | None:
    """The summary stored in the fragment ``target``; None if missing or unreadable.
    A damaged entry (checksum, header, pickle) is deleted: it can never hit again."""
    try:
        with open(target, "rb") as fh:
            start, header = sectioned.read_header(fh, MAGIC)
            value = _from_stored(pickle.loads(sectioned.read_section(fh, start, header, "summary")))
    except FileNotFoundError:
        return None
    except OSError:
        return None  # unreadable (permissions): a miss, but not ours to delete
    except Exception:  # noqa: BLE001 - damaged (BadFile, unpickling of a bad pickle)
        sectioned.remove_quietly(target)
        return None
    if isinstance(value, FileSummary) and not value.fragment:
        return value
    sectioned.remove_quietly(target)
    return None


def _safe(repo_id: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in repo_id) or "repo"


def read_section(summary: FileSummary, section: str) -> pa.Table:
    """One table section of a file's fragment (Arrow IPC, read from disk, checked)."""
    try:
        with open(summary.fragment, "rb") as fh:
            start, header = sectioned.read_header(fh, MAGIC)
            data = sectioned.read_section(fh, start, header, section)
        return pa.ipc.open_stream(pa.py_buffer(data)).read_all()
    except (OSError, KeyError, ValueError, TypeError, pa.ArrowException) as exc:
        if not isinstance(exc, FileNotFoundError):
            sectioned.remove_quietly(summary.fragment)
        raise FragmentDamaged(
            f"fragment of {summary.path} is unreadable ({summary.fragment}): {exc}; "
            "it was removed or damaged during the build; run the build again"
        ) from exc


class FragmentMissing(RuntimeError):
    """A fragment a build needs is gone (removed by hand or by another process)."""


class FragmentDamaged(FragmentMissing):
    """A fragment a build needs is gone or failed its checksum (and was deleted): the
    build drops every damaged entry and runs again once (``build.run_build``)."""
