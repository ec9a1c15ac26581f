"""Resolve stage: cross-file relations over the whole repository."""

from __future__ import annotations

from hamilton.function_modifiers import tag

from .. import kept_interner, streams
from ..emit import resolve_input_from_summaries
from ..fragments import FileSummary, FragmentStore
from ..memory import paused_gc, release_memory
from ..resolve import ResolveConfig, ResolveInput, ResolveOutput, resolve_repo
from ..resolve_reuse import input_digest, load_output, save_output


@tag(layer="resolve", result_cache="off")
def resolve_input(file_extracts: list[FileSummary], source_roots: list[str]) -> ResolveInput:
    """All files' facts concatenated into the tables resolution joins over, with the
    digest of what resolution reads (``resolve_reuse``). Cheap to rebuild from the
    summary pack and ~50 MB on the stdlib, so Hamilton never stores it; ``resolved``
    and ``summary_pack_written`` build it themselves (their cache keys then rest on
    ``file_extracts``, whose fingerprint names the content)."""
    config = ResolveConfig(source_roots=source_roots or None)
    inp = resolve_input_from_summaries(file_extracts, config)
    inp.digest = input_digest(file_extracts, config)
    return inp


@tag(layer="resolve")
def resolved(
    file_extracts: list[FileSummary], source_roots: list[str], fragment_store: FragmentStore
) -> ResolveOutput:
    """Module map, imports, cross-module REF, INHERITS, MRO and the call graph; the
    last resolution's output when its input is the same (``resolve_reuse``)."""
    # the digest first: a reused output needs no input tables
    digest = input_digest(file_extracts, ResolveConfig(source_roots=source_roots or None))
    kept = load_output(fragment_store, digest)
    if kept is not None:
        return kept
    inp = resolve_input(file_extracts, source_roots)
    interner = kept_interner.prepare(fragment_store, file_extracts, inp)
    with paused_gc():
        out = resolve_repo(inp)
    out.stats["resolve_reused"] = 0
    out.stats["resolve_kept_interner"] = int(interner == "kept")
    save_output(fragment_store, inp.digest, out)
    del inp
    # the fixed point's working set is garbage now; give it back before the writes
    release_memory()
    return out


@tag(layer="resolve")
def external_names(file_extracts: list[FileSummary], resolved: ResolveOutput) -> list[str]:
    """Qualnames of every EXTERNAL node (targets of per-file and resolved edges)."""
    return streams.external_names(file_extracts, resolved)
