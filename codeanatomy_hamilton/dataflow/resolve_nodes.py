"""Resolve stage: cross-file relations over the whole repository."""

from __future__ import annotations

from hamilton.function_modifiers import tag

from .. import streams
from ..emit import resolve_input_from_summaries
from ..fragments import FileSummary
from ..memory import paused_gc, release_memory
from ..resolve import ResolveConfig, ResolveInput, ResolveOutput, resolve_repo


@tag(layer="resolve")
def resolve_input(file_extracts: list[FileSummary], source_roots: list[str]) -> ResolveInput:
    """All files' facts concatenated into the tables resolution joins over."""
    config = ResolveConfig(source_roots=source_roots or None)
    return resolve_input_from_summaries(file_extracts, config)


@tag(layer="resolve")
def resolved(resolve_input: ResolveInput) -> ResolveOutput:
    """Module map, imports, cross-module REF, INHERITS, MRO and the call graph."""
    with paused_gc():
        out = resolve_repo(resolve_input)
    # the fixed point's working set is garbage now; give it back before the writes
    release_memory()
    return out


@tag(layer="resolve")
def external_names(file_extracts: list[FileSummary], resolved: ResolveOutput) -> list[str]:
    """Qualnames of every EXTERNAL node (targets of per-file and resolved edges)."""
    return streams.external_names(file_extracts, resolved)
