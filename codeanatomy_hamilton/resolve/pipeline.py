"""Order of the cross-file resolution steps.

1. module map (``modules``): importable dotted names -> contract module qualnames,
   honouring source roots (``src/``) and namespace packages;
2. import facts -> seed points-to facts and flows (``imports``);
3. points-to fixed point, stage A (no class lookups): resolves imports, re-exports,
   aliases and base-class expressions;
4. inheritance: INHERITS edges and the C3 MRO of every class (``classes``);
5. points-to fixed point, stage B, with MRO attribute lookups: methods, ``super()``,
   constructors, call results, parameter flow, containers;
6. edges: CALL, IMPORTS, INHERITS, REF across modules; props ``mro``, ``callee``,
   ``caller``;
7. value flow across functions (``valueflow``): FLOW_ARG, FLOW_RETURN, FLOW_CALL,
   FLOW_ATTR, FLOW_ELEM, FLOW_EXC.

The fixed points are semi-naive iterations of vectorised joins over interned int ids
(numpy, ``points_to``); the steps around them (4, 6) are numpy joins over the same ids.
Stage B re-examines the stage-A facts only through the rules that the MRO lookups
change (stage A ended at its fixed point), see ``PointsTo.enable_classes``.
"""

from __future__ import annotations

import logging
import time

import pyarrow as pa

from codeanatomy_hamilton.core.memory import release_memory, small_pages
from codeanatomy_hamilton.core.vocabulary import RS_DEF
from codeanatomy_hamilton.extract.fact_schemas import load_facts
from codeanatomy_hamilton.resolve.classes import class_hierarchy
from codeanatomy_hamilton.resolve.imports import import_seeds
from codeanatomy_hamilton.resolve.modules import build_module_map
from codeanatomy_hamilton.resolve.output import Targets, build_outputs
from codeanatomy_hamilton.resolve.points_to import core
from codeanatomy_hamilton.resolve.points_to.core import PointsTo
from codeanatomy_hamilton.resolve.types import ResolveInput, ResolveOutput
from codeanatomy_hamilton.resolve.valueflow import value_flow_edges


def run_resolution(inp: ResolveInput) -> ResolveOutput:
    # most of what resolution allocates is fresh, short-lived memory: see small_pages
    with small_pages():
        return _run_resolution(inp)


def _run_resolution(inp: ResolveInput) -> ResolveOutput:
    t0 = time.perf_counter()
    facts = load_facts(inp.facts)
    mmap = build_module_map(inp.files, inp.config)
    seeds = import_seeds(facts, mmap)
    pt = PointsTo(facts, seeds, inp.kept, inp.hints)
    pt.run()  # stage A
    t1 = time.perf_counter()
    # Each step frees gigabytes of short-lived numpy buffers on the whole stdlib; most
    # are below glibc's (dynamic) mmap threshold, so they stay in its free lists and
    # the next step stacks on them. Handing them back between the steps took the
    # resolution's peak on corpus 2 from +4.6 to +3.9 GiB over its input (a few ms
    # each on corpus 1).
    release_memory()
    hier = class_hierarchy(pt, facts)
    pt.enable_classes(hier)
    # the lookup tables are in the fixed point now (as ids); the steps after it read
    # only the MROs
    hier.lookup = hier.superlookup = hier.self_init = None
    release_memory()
    pt.run()  # stage B
    t2 = time.perf_counter()
    pt.seal()  # what keys past HARD_KEY_CAP hold becomes visible to the steps below
    pt.drop_rule_state()
    release_memory()
    keep_ms = _keep_interner(inp, pt)
    out = build_outputs(inp, pt, facts, mmap, hier)
    t3 = time.perf_counter()
    release_memory()
    targets = Targets(pt.interner, facts[RS_DEF], mmap)
    flow, flow_stats = value_flow_edges(pt, facts, targets, hier)
    out.edges = pa.concat_tables([out.edges, flow])
    del flow, targets
    out.stats.update(flow_stats)
    out.stats["resolve_ms_valueflow"] = int((time.perf_counter() - t3) * 1000)
    t4 = time.perf_counter()
    pt_stats = pt.stats()
    out.stats.update(
        {
            "resolve_rounds": pt_stats["resolve_rounds"],
            "points_to_facts": pt_stats["points_to_facts"],
            "resolve_ms_stage_a": int((t1 - t0) * 1000),
            "resolve_ms_stage_b": int((t2 - t1) * 1000),
            "resolve_ms_total": int((t4 - t0) * 1000) - keep_ms,
            "resolve_ms_keep": keep_ms,
        }
    )
    _report_truncation(pt_stats, out)
    return out


def _keep_interner(inp: ResolveInput, pt: PointsTo) -> int:
    """Hands the fixed point to ``inp.on_interner`` (keeping the interner for the next
    build: hashing and writing ~40 MB on the stdlib, a cache write rather than
    resolution, timed apart); returns the milliseconds it took. Called right after
    stage B, once the rounds' state is dropped (what outputs and value flow look up is
    interned by then; a string they add is interned again by the next build), so the
    hashing and the write's buffers stack on the least the resolution holds (after
    value flow, with the outputs and value flow's free lists on top, it was the peak
    of a corpus-2 build: 2.6 GiB)."""
    if inp.on_interner is None or inp.kept is not None:
        return 0
    t = time.perf_counter()
    inp.on_interner(pt)
    release_memory()
    return int((time.perf_counter() - t) * 1000)


def _report_truncation(pt_stats: dict[str, int], out: ResolveOutput) -> None:
    """Never silent. Keys past ``HARD_KEY_CAP`` keep every value but pass on only
    their first ones: counted in the stats (``points_to_keys_bounded``,
    ``points_to_facts_not_propagated``; the CALL nodes concerned carry the prop
    ``callee_bounded``), not a warning, since nothing is dropped. A fixed point stopped
    by ``FACT_BUDGET`` drops what it would still derive: ``resolution_truncated`` and a
    warning in ``out.warnings`` and the log."""
    for name in ("points_to_keys_bounded", "points_to_facts_not_propagated"):
        out.stats[name] = pt_stats[name]
    budget_hit = pt_stats["points_to_budget_hit"]
    out.stats["resolution_truncated"] = int(bool(budget_hit))
    if pt_stats["points_to_keys_bounded"]:
        log.info(
            "%d points-to keys past %d values pass on only their first ones "
            "(%d points-to facts held, not propagated)",
            pt_stats["points_to_keys_bounded"],
            core.HARD_KEY_CAP,
            pt_stats["points_to_facts_not_propagated"],
        )
    if not budget_hit:
        return
    out.stats["points_to_budget_hit"] = budget_hit
    msg = (
        "cross-file resolution truncated: fixed point stopped at the budget of "
        f"{core.FACT_BUDGET} points-to facts"
    )
    out.warnings.append(msg)
    log.warning(msg)


log = logging.getLogger(__name__)

__all__ = ["run_resolution", "pa"]
