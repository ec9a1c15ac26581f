"""Resolve stage: cross-file relations over the whole repository."""

from __future__ import annotations

import pyarrow as pa
from hamilton.function_modifiers import tag

from ..emit import all_xedges, collect_resolve_input
from ..extract.file import FileExtract
from ..resolve import ResolveConfig, ResolveInput, ResolveOutput, resolve_repo


@tag(layer="resolve")
def resolve_input(file_extracts: list[FileExtract], source_roots: list[str]) -> ResolveInput:
    """All files' rows concatenated into the tables resolution joins over."""
    return collect_resolve_input(file_extracts, ResolveConfig(source_roots=source_roots or None))


@tag(layer="resolve")
def resolved(resolve_input: ResolveInput) -> ResolveOutput:
    """Module map, imports, cross-module REF, INHERITS, MRO and the call graph."""
    return resolve_repo(resolve_input)


@tag(layer="resolve")
def external_edges(file_extracts: list[FileExtract], resolved: ResolveOutput) -> pa.Table:
    """Every edge that ends at an EXTERNAL node, named by qualname."""
    return all_xedges(file_extracts, [resolved.xedges])
