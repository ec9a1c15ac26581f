"""Running a driver for a set of outputs, with the plan as the yardstick.

The caller names the outputs; ``execute_planned`` puts them in topological order as
Hamilton's ``final_vars`` and Hamilton decides what runs for them. The plan computes
the upstream closure those outputs need, and after execution the diagnostics say
whether what ran (the hook's records, cache hits included) is exactly that closure
(``plan_matches``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from codeanatomy_hamilton.runtime.caching import cache_outcomes
from codeanatomy_hamilton.runtime.hooks import DiagnosticsHook, NodeExecutionError
from codeanatomy_hamilton.runtime.plan import compile_driver_plan, save_timings


def execute_planned(
    dr: Any,
    hook: DiagnosticsHook,
    outputs: Iterable[str],
    inputs: Mapping[str, Any],
    cache_dir: str | None = None,
    passthrough: tuple[type[BaseException], ...] = (),
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Execute ``outputs`` on ``dr``; returns (results, diagnostics).

    A failing node is re-raised as ``NodeExecutionError`` naming it, except for the
    ``passthrough`` exception types (errors about unusable input that callers report
    as one line).
    """
    plan = compile_driver_plan(dr, cache_dir)
    final_vars = plan.final_vars_for(outputs)
    expected = plan.upstream(final_vars)
    try:
        results = dr.execute(final_vars, inputs=dict(inputs))
    except passthrough:
        raise
    except Exception as exc:
        node = hook.failed_node
        if node is None:
            raise
        raise NodeExecutionError(node, exc) from exc
    # dynamic execution runs inputs as tasks too, so hooks may see them: not computed nodes
    for name in [n for n in hook.records if n in plan.nodes and plan.nodes[n].is_input]:
        del hook.records[name]
    outcomes = cache_outcomes(dr) if cache_dir else {}
    hook.attach_cache_outcomes(outcomes)
    executed = set(hook.records)
    save_timings(cache_dir, hook.node_seconds(), [n for n, o in outcomes.items() if o == "hit"])
    diagnostics: dict[str, Any] = {
        "plan_signature": plan.signature,
        "plan": plan.summary(expected),
        "final_vars": final_vars,
        "expected_nodes": sorted(expected),
        # per requested output, the nodes it needs (per-asset timing tables use this)
        "upstream_by_output": {o: sorted(plan.upstream([o])) for o in final_vars},
        "executed_nodes": sorted(executed),
        "plan_matches": executed == expected,
        "nodes": hook.as_dicts(),
        "node_facts": {n: plan.node_facts(n) for n in sorted(expected)},
        "cache_enabled": bool(cache_dir),
        "cache": hook.cache_counts(),
    }
    return results, diagnostics
