"""Resolve stage: cross-file relations over the whole repository."""

from __future__ import annotations

import pyarrow as pa
from hamilton.function_modifiers import tag

from ..emit import all_xedges, concat_batches, concat_facts
from ..extract.file import FileExtract
from ..resolve import ResolveConfig, ResolveInput, ResolveOutput, resolve_repo
from ..schema import EDGE_SCHEMA, LOCAL_NODE_SCHEMA, XEDGE_SCHEMA


@tag(layer="resolve")
def resolve_input(file_extracts: list[FileExtract], source_roots: list[str]) -> ResolveInput:
    """All files' rows concatenated into the tables resolution joins over."""
    files = pa.table(
        {
            "path": [e.path for e in file_extracts],
            "module": [e.module for e in file_extracts],
            "has_errors": [bool(e.errors) for e in file_extracts],
        }
    )
    return ResolveInput(
        nodes=concat_batches((e.nodes for e in file_extracts), LOCAL_NODE_SCHEMA),
        edges=concat_batches((e.edges for e in file_extracts), EDGE_SCHEMA),
        xedges=concat_batches((e.xedges for e in file_extracts), XEDGE_SCHEMA),
        facts=concat_facts(file_extracts),
        files=files,
        config=ResolveConfig(source_roots=source_roots or None),
    )


@tag(layer="resolve")
def resolved(resolve_input: ResolveInput) -> ResolveOutput:
    """Module map, imports, cross-module REF, INHERITS, MRO and the call graph."""
    return resolve_repo(resolve_input)


@tag(layer="resolve")
def external_edges(file_extracts: list[FileExtract], resolved: ResolveOutput) -> pa.Table:
    """Every edge that ends at an EXTERNAL node, named by qualname."""
    return all_xedges(file_extracts, [resolved.xedges])
