"""Plan stage: the compiled execution plan as first-class Hamilton nodes.

A Hamilton node cannot introspect the driver that runs it, so ``execution_plan`` compiles
the plan from the dataflow module list (the same modules the driver loads, so the same
graph and the same signature ``run_build`` records). Measured node costs come in as the
optional input ``plan_costs`` (seconds per node, e.g. ``plan.load_timings(cache_dir)``).

These nodes always recompute (``@cache(behavior="recompute")``): their result depends on
the code of every other module, which the cache's code version of this module cannot see.

    dr.execute(["plan_signature", "plan_critical_path"], inputs={"plan_costs": {}})
"""

from __future__ import annotations

import sys
from typing import Any

from hamilton.function_modifiers import cache, tag

from codeanatomy_hamilton.runtime.nodes.stages import STAGE_MODULES
from codeanatomy_hamilton.runtime.plan import ExecutionPlan, compile_plan, module_graph_nodes

_PLAN_TAGS = {
    "layer": "plan",
    "stability": "experimental",
    "version": "1",
    "entity": "execution_plan",
    "grain": "one per dataflow",
    "schema_ref": "codeanatomy_hamilton.runtime.plan.ExecutionPlan",
    "entity_keys": "signature",
    "join_keys": "signature",
}


@cache(behavior="recompute")
@tag(kind="plan", semantic_id="codeanatomy.plan.execution_plan", **_PLAN_TAGS)
def execution_plan(plan_costs: dict[str, float] | None = None) -> ExecutionPlan:
    """The compiled rustworkx plan of the whole dataflow."""
    # the modules ``nodes.MODULES`` lists, this one last (it cannot import that list:
    # the package imports this module)
    modules = [*STAGE_MODULES, sys.modules[__name__]]
    return compile_plan(module_graph_nodes(modules), plan_costs or {})


@cache(behavior="recompute")
@tag(kind="plan", semantic_id="codeanatomy.plan.signature", **_PLAN_TAGS)
def plan_signature(execution_plan: ExecutionPlan) -> str:
    """Hash of the sorted nodes, edges and node code versions."""
    return execution_plan.signature


@cache(behavior="recompute")
@tag(kind="plan", semantic_id="codeanatomy.plan.critical_path", **_PLAN_TAGS)
def plan_critical_path(execution_plan: ExecutionPlan) -> list[str]:
    """Nodes of the weighted longest path through the dataflow."""
    return list(execution_plan.critical_path)


@cache(behavior="recompute")
@tag(kind="plan", semantic_id="codeanatomy.plan.generations", **_PLAN_TAGS)
def plan_generations(execution_plan: ExecutionPlan) -> list[list[str]]:
    """Topological generations: nodes of one generation can run at the same time."""
    return [list(g) for g in execution_plan.generations]


@cache(behavior="recompute")
@tag(kind="plan", semantic_id="codeanatomy.plan.summary", **_PLAN_TAGS)
def plan_summary(execution_plan: ExecutionPlan) -> dict[str, Any]:
    """Plain-data summary: signature, generations, critical path, bridges, cut nodes."""
    return execution_plan.summary()
