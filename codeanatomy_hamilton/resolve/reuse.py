"""Reusing the last cross-file resolution when its input has not changed.

Resolution is a pure function of what it reads: every file's facts, the files table
(path, module, has_errors), the ``node_id``/``name``/``kind`` of the CALL nodes, the
layout config, and the resolver's code. Facts hold no positions (node ids are ordinals
within a file), so many edits leave them unchanged: comments, blank lines, literal
values, operators, a changed condition. Each summary carries a digest of what the
resolver reads from its file (``FileSummary.resolve_digest``); their sequence, the
config and the resolver's code fingerprint make the input digest. The output of the
last resolution is kept next to the summary pack, under its input digest, and served
again when the digest matches: same input, same output, so an incremental build after
such an edit skips resolution (1.3-1.5 s on the standard library) with the same rows.

The store is only an accelerator: one file per repo (``resolved.out``), replaced by
each resolution (temporary name, then rename); a file that is missing, unreadable or
for another digest is ignored, and one that fails its checksums (``sectioned``) is
deleted.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import pyarrow as pa

from codeanatomy_hamilton.core import sectioned
from codeanatomy_hamilton.core.fingerprint import engine_fingerprint, source_fingerprint
from codeanatomy_hamilton.core.version import VERSION
from codeanatomy_hamilton.fragments.store import FileSummary, FragmentStore
from codeanatomy_hamilton.models import models_digest
from codeanatomy_hamilton.resolve.types import ResolveConfig, ResolveOutput

MAGIC = b"CAR3"
OUTPUT_NAME = "resolved.out"
_TABLES = ("edges", "xedges", "props")

log = logging.getLogger(__name__)


@lru_cache(maxsize=1)
def resolver_fingerprint() -> str:
    """Hash of the resolver's code (every module under ``resolve/``) and the version."""
    root = Path(__file__).resolve().parent
    return source_fingerprint(VERSION, root, sorted(root.rglob("*.py")))


def input_digest(summaries: Sequence[FileSummary], config: ResolveConfig) -> str:
    """Digest of everything resolution reads, or "" when a summary has no digest. The
    engine fingerprint covers the code shared by extraction and resolution (fact
    markers, schemas, ids)."""
    h = hashlib.sha256(f"{resolver_fingerprint()}\0{engine_fingerprint()}".encode())
    h.update(repr(config.source_roots).encode("utf-8", "surrogateescape"))
    # the value-flow models in force (shipped and $CODEANATOMY_MODELS) shape FLOW_CALL
    h.update(models_digest().encode())
    for s in summaries:
        if not s.resolve_digest:
            return ""
        h.update(b"\0" + s.resolve_digest.encode())
    return h.hexdigest()


def output_file(store: FragmentStore) -> str:
    return os.path.join(store.root, OUTPUT_NAME)


def load_output(store: FragmentStore, digest: str) -> ResolveOutput | None:
    """The stored output for ``digest``; None when there is none for it."""
    if not digest:
        return None
    try:
        header, sections = sectioned.map_file(output_file(store), MAGIC)
        if header.get("digest") != digest:
            return None
        tables = {name: pa.ipc.open_stream(sections[name]).read_all() for name in _TABLES}
        out = ResolveOutput(
            **tables, stats=dict(header["stats"]), warnings=list(header["warnings"])
        )
    except FileNotFoundError:
        return None
    except Exception:  # noqa: BLE001 - an unreadable store only means resolving again
        log.debug("stored resolution %s unreadable", output_file(store), exc_info=True)
        # damaged (checksums, layout): deleted, this run keeps a new one
        sectioned.remove_quietly(output_file(store))
        return None
    out.stats["resolve_reused"] = 1
    return out


def save_output(store: FragmentStore, digest: str, out: ResolveOutput) -> None:
    """Keeps ``out`` as the output for ``digest`` (replacing the previous one)."""
    if not digest:
        return
    blobs = {name: sectioned.ipc_bytes(getattr(out, name)) for name in _TABLES}
    # plain numbers for the JSON header (counters may be numpy scalars)
    stats = {
        k: v.item() if hasattr(v, "item") else v
        for k, v in out.stats.items()
        if k != "resolve_reused"
    }
    extra = {"digest": digest, "stats": stats, "warnings": list(out.warnings)}
    try:
        sectioned.write(output_file(store), MAGIC, blobs, extra)
    except OSError as exc:  # a read-only or full cache disk costs reuse, not the build
        log.warning("could not keep the resolution for reuse at %s: %s", output_file(store), exc)
