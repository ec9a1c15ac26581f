"""Cross-file resolution over the whole repository (module map, imports, REF across
modules, INHERITS, MRO, the call graph), computed relationally over Arrow tables.

Interface used by the dataflow (``codeanatomy_hamilton.runtime.nodes``):
``resolve_repo(ResolveInput) -> ResolveOutput`` (types in ``resolve/types.py``).
"""

from __future__ import annotations

from codeanatomy_hamilton.resolve.pipeline import run_resolution
from codeanatomy_hamilton.resolve.types import ResolveConfig, ResolveInput, ResolveOutput

__all__ = ["ResolveConfig", "ResolveInput", "ResolveOutput", "resolve_repo"]


def resolve_repo(inp: ResolveInput) -> ResolveOutput:
    """Cross-file edges and props for the whole repository."""
    return run_resolution(inp)
