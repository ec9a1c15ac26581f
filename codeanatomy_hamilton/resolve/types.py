"""The resolver's input, configuration and output: plain data shared by its stages and
by the layers above (kept out of ``resolve/__init__`` so no stage imports its own
package)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from codeanatomy_hamilton.core.schema import EDGE_SCHEMA, PROP_SCHEMA, XEDGE_SCHEMA


@dataclass
class ResolveConfig:
    """Repository layout knobs. ``source_roots``: folders (repo-relative, POSIX) that
    act as import roots besides the repo root, e.g. ``["src"]``. Auto-detected when
    None."""

    source_roots: list[str] | None = None


@dataclass
class ResolveInput:
    """All files' per-file output, concatenated.

    nodes: the CALL nodes of every file (no EXTERNAL nodes yet): at least the
        LOCAL_NODE_SCHEMA columns node_id, kind and name (the build passes only those).
    edges: EDGE_SCHEMA rows of every file (AST, CONTAINS, REF, CFG, ...).
    xedges: XEDGE_SCHEMA rows of every file (edges to EXTERNAL nodes by qualname).
    facts: per fact-table name, the rows of every file (see ``extract.facts``).
    files: one row per file: path, module (contract qualname), has_errors.
    """

    nodes: pa.Table
    edges: pa.Table
    xedges: pa.Table
    facts: dict[str, pa.Table]
    files: pa.Table
    config: ResolveConfig = field(default_factory=ResolveConfig)
    # digest of all of the above as resolution reads it ("" when unknown), under which
    # the dataflow keeps the output for reuse (``codeanatomy_hamilton.resolve.reuse``)
    digest: str = ""
    # an interner kept from an earlier run (``kept_strings.KeptStrings``) and the kept
    # ids of the input's rows (``KeptStrings.hints``); the output is the same without
    kept: Any = None
    hints: dict[tuple[str, str], Any] | None = None
    # called with the fixed point of a run that started from no kept interner, so the
    # caller can keep it (``PointsTo.kept_state()``): right after stage B, before the
    # outputs and value flow (``pipeline._keep_interner``)
    on_interner: Callable[[Any], None] | None = None

    def release(self) -> None:
        """Drops the facts and CALL nodes once resolution and the summary pack have
        read them (the dataflow's ``resolver_rows_released``): the build holds this
        input until it ends, and nothing after those two reads it."""
        self.facts = {}
        self.nodes = self.nodes.schema.empty_table()


@dataclass
class ResolveOutput:
    edges: pa.Table = field(default_factory=EDGE_SCHEMA.empty_table)
    xedges: pa.Table = field(default_factory=XEDGE_SCHEMA.empty_table)
    props: pa.Table = field(default_factory=PROP_SCHEMA.empty_table)
    stats: dict[str, int] = field(default_factory=dict)
    # human-readable diagnostics (e.g. resolution truncated on a huge repository);
    # the matching counters are in ``stats`` (``resolution_truncated``)
    warnings: list[str] = field(default_factory=list)
