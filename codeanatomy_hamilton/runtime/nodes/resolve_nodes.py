"""Resolve stage: cross-file relations over the whole repository."""

from __future__ import annotations

from hamilton.function_modifiers import cache, tag

from codeanatomy_hamilton.core.memory import paused_gc, release_memory
from codeanatomy_hamilton.emit import streams
from codeanatomy_hamilton.emit.rows import resolve_input_from_summaries
from codeanatomy_hamilton.fragments.store import FileSummary, FragmentStore
from codeanatomy_hamilton.resolve import (
    ResolveConfig,
    ResolveInput,
    ResolveOutput,
    kept_interner,
    resolve_repo,
)
from codeanatomy_hamilton.resolve.reuse import input_digest, load_output, save_output


@cache(behavior="ignore")
@tag(layer="resolve")
def resolve_input(file_extracts: list[FileSummary], source_roots: list[str]) -> ResolveInput:
    """All files' facts concatenated into the tables resolution joins over, with the
    digest of what resolution reads (``resolve.reuse``). Cheap to rebuild from the
    summary pack (~3 ms on the stdlib) and ~50 MB, so Hamilton never stores or hashes
    it: its cache behavior is ``ignore``, so the cache keys of
    ``resolved`` and ``summary_pack_written`` rest on their other inputs, above all
    ``file_extracts``, whose fingerprint names the content."""
    config = ResolveConfig(source_roots=source_roots or None)
    inp = resolve_input_from_summaries(file_extracts, config)
    inp.digest = input_digest(file_extracts, config)
    return inp


@tag(layer="resolve")
def resolved(
    resolve_input: ResolveInput,
    file_extracts: list[FileSummary],
    source_roots: list[str],
    fragment_store: FragmentStore,
) -> ResolveOutput:
    """Module map, imports, cross-module REF, INHERITS, MRO and the call graph; the
    last resolution's output when its input is the same (``resolve.reuse``).
    ``source_roots`` is read through ``resolve_input``; as a parameter it keys the
    Hamilton cache, which ignores ``resolve_input`` itself."""
    kept = load_output(fragment_store, resolve_input.digest)
    if kept is not None:
        return kept
    interner = kept_interner.prepare(fragment_store, file_extracts, resolve_input)
    with paused_gc():
        out = resolve_repo(resolve_input)
    out.stats["resolve_reused"] = 0
    out.stats["resolve_kept_interner"] = int(interner == "kept")
    save_output(fragment_store, resolve_input.digest, out)
    # the fixed point's working set is garbage now; give it back before the writes
    release_memory()
    return out


@tag(layer="resolve")
def external_names(file_extracts: list[FileSummary], resolved: ResolveOutput) -> list[str]:
    """Qualnames of every EXTERNAL node (targets of per-file and resolved edges)."""
    return streams.external_names(file_extracts, resolved)
