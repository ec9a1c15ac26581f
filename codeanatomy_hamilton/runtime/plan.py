"""The execution plan: the Hamilton graph plus node costs, compiled with rustworkx.

One compiled ``ExecutionPlan`` serves every consumer of the engine:

- the subset a caller needs (``upstream`` / ``final_vars_for``): the CLI and every Dagster
  asset ask the same driver for a few outputs; Hamilton decides what runs for them, and
  the plan's closure is what a run is checked against (``execute.execute_planned``);
- a priority order (``submission_order``): most critical first (longest remaining
  weighted path to a sink, the classic list-scheduling priority), for an executor that
  orders tasks. None of the engine's executors uses it: Hamilton submits tasks in its
  own order, and the extract stage puts its largest batch first itself;
- diagnostics (``summary`` / ``node_facts``): generations, critical path, dominators,
  betweenness, bridges and articulation points become tags and Dagster metadata;
- identity (``signature``): a hash of the sorted nodes, edges and node code versions,
  stable across processes and runs, recorded in the run manifest.

Costs are the seconds each node took on the last run where known (``load_timings`` reads
them from the cache dir, ``save_timings`` writes them after a build) and estimated from the
node's layer otherwise. Compiling a plan runs no node; ``execute.execute_planned`` is
what runs a driver through it. Nothing here imports dagster.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import rustworkx as rx
from hamilton import graph as hgraph
from hamilton.graph_types import HamiltonNode

# Seconds a node of a layer takes when it has never been measured: only their order matters
# (extract dominates, then resolve, emit, store), so the critical path is sensible from
# the first run and exact from the second.
LAYER_COST_ESTIMATES: dict[str, float] = {
    "input": 0.0,
    "scan": 0.2,
    "extract": 2.0,
    "resolve": 0.5,
    "emit": 0.2,
    "store": 0.1,
    "plan": 0.001,
}
DEFAULT_COST = 0.05
TIMINGS_FILE = "node_timings.json"
# the virtual root that dominates every node (dominators need one start node)
ROOT = "__start__"


@dataclass(frozen=True)
class GraphNode:
    """What the plan needs to know about one Hamilton node (plain data, picklable)."""

    name: str
    dependencies: tuple[str, ...]
    version: str | None
    is_input: bool
    tags: Mapping[str, Any] = field(default_factory=dict)


@dataclass
class ExecutionPlan:
    nodes: dict[str, GraphNode]
    costs: dict[str, float]
    measured: frozenset[str]
    edges: list[tuple[str, str]]  # dependency -> consumer
    reduced_edges: list[tuple[str, str]]
    generations: list[list[str]]
    critical_path: list[str]
    critical_path_seconds: float
    # longest weighted path from a node to any sink, the node's own cost included
    bottom_level: dict[str, float]
    immediate_dominators: dict[str, str | None]
    betweenness: dict[str, float]
    bridges: list[tuple[str, str]]
    articulation_points: list[str]
    signature: str

    # -- the subset a caller needs -------------------------------------------------------
    def upstream(self, outputs: Iterable[str], include_inputs: bool = False) -> set[str]:
        """Every node ``outputs`` depend on, themselves included (what Hamilton runs)."""
        seen: set[str] = set()
        stack = [o for o in outputs]
        while stack:
            name = stack.pop()
            if name in seen:
                continue
            if name not in self.nodes:
                raise KeyError(f"{name!r} is not a node of the Hamilton graph")
            seen.add(name)
            stack.extend(self.nodes[name].dependencies)
        if include_inputs:
            return seen
        return {n for n in seen if not self.nodes[n].is_input}

    def final_vars_for(self, outputs: Iterable[str]) -> list[str]:
        """The outputs in topological order, deduplicated: the ``final_vars`` to execute."""
        wanted = set(outputs)
        order = [n for gen in self.generations for n in gen]
        missing = wanted - set(order)
        if missing:
            raise KeyError(f"not nodes of the Hamilton graph: {sorted(missing)}")
        return [n for n in order if n in wanted]

    def submission_order(self, names: Iterable[str] | None = None) -> list[str]:
        """Nodes (default: all computed nodes) most critical first, dependencies respected.

        A list scheduler: among the nodes whose dependencies are all submitted, take the
        one with the largest bottom level (ties by name, so the order is deterministic).
        """
        pool = (
            set(names)
            if names is not None
            else {n for n, g in self.nodes.items() if not g.is_input}
        )
        order: list[str] = []
        done: set[str] = set()
        pending = set(pool)
        while pending:
            ready = [
                n
                for n in pending
                if all(d in done or d not in pool for d in self.nodes[n].dependencies)
            ]
            ready.sort(key=lambda n: (-self.bottom_level.get(n, 0.0), n))
            nxt = ready[0]
            order.append(nxt)
            done.add(nxt)
            pending.discard(nxt)
        return order

    # -- diagnostics ---------------------------------------------------------------------
    def generation_of(self) -> dict[str, int]:
        return {n: i for i, gen in enumerate(self.generations) for n in gen}

    def node_facts(self, name: str) -> dict[str, Any]:
        """The plan facts of one node, as tags (plain values)."""
        gen = self.generation_of()
        return {
            "generation": gen.get(name),
            "on_critical_path": name in set(self.critical_path),
            "cost_seconds": round(self.costs.get(name, 0.0), 6),
            "cost_measured": name in self.measured,
            "bottom_level": round(self.bottom_level.get(name, 0.0), 6),
            "immediate_dominator": self.immediate_dominators.get(name),
            "betweenness": round(self.betweenness.get(name, 0.0), 6),
            "articulation_point": name in set(self.articulation_points),
        }

    def summary(self, nodes: Iterable[str] | None = None) -> dict[str, Any]:
        """Plain-data summary (JSON-able), optionally restricted to a subset of nodes."""
        keep = set(nodes) if nodes is not None else set(self.nodes)
        return {
            "signature": self.signature,
            "node_count": len(self.nodes),
            "edge_count": len(self.edges),
            "reduced_edge_count": len(self.reduced_edges),
            "generations": [
                [n for n in g if n in keep] for g in self.generations if any(n in keep for n in g)
            ],
            "critical_path": [n for n in self.critical_path if n in keep],
            "critical_path_seconds": round(self.critical_path_seconds, 6),
            "articulation_points": [n for n in self.articulation_points if n in keep],
            "bridges": [list(b) for b in self.bridges if b[0] in keep and b[1] in keep],
            "measured_nodes": sorted(self.measured & keep),
        }


# -- building the graph ----------------------------------------------------------------------
def graph_nodes(fn_graph: Any) -> list[GraphNode]:
    """Plain ``GraphNode``s from a Hamilton ``FunctionGraph`` (``dr.graph``)."""
    out: list[GraphNode] = []
    for name, node in fn_graph.nodes.items():
        is_input = bool(node.user_defined)
        version = None if is_input else HamiltonNode.from_node(node).version
        tags = {k: v for k, v in (node.tags or {}).items() if not k.startswith("hamilton.")}
        out.append(
            GraphNode(
                name=name,
                dependencies=tuple(sorted(d.name for d in node.dependencies)),
                version=version,
                is_input=is_input,
                tags=tags,
            )
        )
    return out


def module_graph_nodes(
    modules: Iterable[Any], config: Mapping[str, Any] | None = None
) -> list[GraphNode]:
    """The same nodes, built from a module list (what a Hamilton node can do: it cannot
    introspect the driver that runs it)."""
    fn_graph = hgraph.FunctionGraph.from_modules(*modules, config=dict(config or {}))
    return graph_nodes(fn_graph)


def estimate_cost(node: GraphNode) -> float:
    if node.is_input:
        return 0.0
    return LAYER_COST_ESTIMATES.get(str(node.tags.get("layer", "")), DEFAULT_COST)


def plan_signature(nodes: Iterable[GraphNode]) -> str:
    """sha256 over sorted (node, version) pairs and sorted edges: stable across runs,
    processes and dict orders; changes when a node, an edge or a node's code changes."""
    h = hashlib.sha256()
    nodes = sorted(nodes, key=lambda n: n.name)
    for n in nodes:
        h.update(f"N\t{n.name}\t{n.version or 'input'}\n".encode())
    for n in nodes:
        for d in n.dependencies:
            h.update(f"E\t{d}\t{n.name}\n".encode())
    return h.hexdigest()


def compile_plan(
    nodes: Iterable[GraphNode], measured: Mapping[str, float] | None = None
) -> ExecutionPlan:
    """Compile the plan: costs, transitive reduction, generations, critical path,
    dominators, betweenness, bridges and articulation points."""
    by_name = {n.name: n for n in sorted(nodes, key=lambda n: n.name)}
    measured = {k: float(v) for k, v in (measured or {}).items() if k in by_name}
    costs = {name: measured.get(name, estimate_cost(n)) for name, n in by_name.items()}

    g: rx.PyDiGraph = rx.PyDiGraph()
    idx = {name: g.add_node(name) for name in by_name}
    edges: list[tuple[str, str]] = []
    for name, n in by_name.items():
        for dep in n.dependencies:
            if dep in idx:
                g.add_edge(idx[dep], idx[name], None)
                edges.append((dep, name))
    edges.sort()
    if not rx.is_directed_acyclic_graph(g):  # Hamilton forbids cycles; be loud if one appears
        raise ValueError("the Hamilton graph has a cycle")

    reduced, index_map = rx.transitive_reduction(g)
    back = {new: old for old, new in index_map.items()}
    reduced_edges = sorted((g[back[a]], g[back[b]]) for a, b in reduced.edge_list())
    generations = [sorted(g[i] for i in gen) for gen in rx.topological_generations(g)]

    # critical path and dominators over the computed nodes: inputs cost nothing and,
    # as extra roots, would make every node's immediate dominator the virtual root.
    # A virtual root's edges to the computed sources carry the sources' costs, and every
    # other edge carries its target's cost, so each node's cost is counted once.
    wg = g.copy()
    root = wg.add_node(ROOT)
    for name, n in by_name.items():
        if n.is_input:
            wg.remove_node(idx[name])
        elif not any(d in idx and not by_name[d].is_input for d in n.dependencies):
            wg.add_edge(root, idx[name], None)

    def weight(_src: int, dst: int, _w: Any) -> float:
        return costs.get(wg[dst], 0.0)

    path = rx.dag_weighted_longest_path(wg, weight)
    critical_path = [wg[i] for i in path if wg[i] != ROOT]
    critical_seconds = sum(costs[n] for n in critical_path)

    # bottom level: longest cost-weighted path from a node to a sink, node included
    bottom: dict[str, float] = {}
    for i in reversed(list(rx.topological_sort(g))):
        succ = [bottom[g[s]] for s in g.successor_indices(i)]
        bottom[g[i]] = costs[g[i]] + (max(succ) if succ else 0.0)

    idom_raw = rx.immediate_dominators(wg, root)
    idom: dict[str, str | None] = {}
    for i, d in idom_raw.items():
        if wg[i] == ROOT:
            continue
        idom[wg[i]] = None if wg[d] == ROOT else wg[d]

    bc = rx.digraph_betweenness_centrality(g, normalized=True)
    betweenness = {g[i]: float(v) for i, v in bc.items()}

    ug = g.to_undirected(multigraph=False)
    bridges = sorted(tuple(sorted((ug[a], ug[b]))) for a, b in rx.bridges(ug))
    articulation = sorted(ug[i] for i in rx.articulation_points(ug))

    return ExecutionPlan(
        nodes=by_name,
        costs=costs,
        measured=frozenset(measured),
        edges=edges,
        reduced_edges=reduced_edges,
        generations=generations,
        critical_path=critical_path,
        critical_path_seconds=critical_seconds,
        bottom_level=bottom,
        immediate_dominators=idom,
        betweenness=betweenness,
        bridges=bridges,  # type: ignore[arg-type]
        articulation_points=articulation,
        signature=plan_signature(by_name.values()),
    )


def compile_driver_plan(dr: Any, cache_dir: str | None = None) -> ExecutionPlan:
    """The plan of a built driver, with the last run's timings from ``cache_dir``."""
    return compile_plan(graph_nodes(dr.graph), load_timings(cache_dir))


# -- last-run timings ------------------------------------------------------------------------
def load_timings(cache_dir: str | None) -> dict[str, float]:
    """Seconds per node measured on the last run (empty when never measured)."""
    if not cache_dir:
        return {}
    path = os.path.join(cache_dir, TIMINGS_FILE)
    try:
        with open(path) as fh:
            data = json.load(fh)
    except (OSError, ValueError):
        return {}
    return {str(k): float(v) for k, v in data.get("seconds", {}).items()}


def save_timings(
    cache_dir: str | None, seconds: Mapping[str, float], cache_hits: Iterable[str] = ()
) -> None:
    """Merge this run's node timings into the cache dir's timings file.

    Nodes served from the cache keep their previous (real) cost: a cache hit's few
    milliseconds say nothing about the work the node does when it has to run.
    """
    if not cache_dir:
        return
    hits = set(cache_hits)
    merged = load_timings(cache_dir)
    for name, secs in seconds.items():
        if name in hits and name in merged:
            continue
        merged[name] = round(float(secs), 6)
    os.makedirs(cache_dir, exist_ok=True)
    path = os.path.join(cache_dir, TIMINGS_FILE)
    tmp = f"{path}.{os.getpid()}.tmp"
    with open(tmp, "w") as fh:
        json.dump({"seconds": dict(sorted(merged.items()))}, fh, indent=1)
    os.replace(tmp, path)  # atomic: concurrent builds never read a half-written file
