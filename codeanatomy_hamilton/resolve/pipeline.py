"""Order of the cross-file resolution steps."""

from __future__ import annotations

from . import ResolveInput, ResolveOutput


def run_resolution(inp: ResolveInput) -> ResolveOutput:
    # Filled by the cross-file resolution work (issue 3); empty until then.
    return ResolveOutput()
