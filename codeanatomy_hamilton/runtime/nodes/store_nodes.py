"""Store stage: each contract table written to its Delta table (one commit each).

One function, ``table_written``, expanded by Hamilton's ``@parameterize`` into a node
``<table>_written`` per contract table (``core.schema.CPG_TABLES``); each carries the
semantic tags of its table (``semantics.semantic_tags``) and always recomputes (the
warehouse is outside world: another build, a vacuum or a user may have changed it).
"""

from __future__ import annotations

from collections.abc import Callable

import pyarrow as pa
from hamilton.function_modifiers import cache, parameterize, source, tag, value

from codeanatomy_hamilton.core.schema import CPG_TABLES
from codeanatomy_hamilton.emit.streams import TableStream
from codeanatomy_hamilton.incremental.planning import BuildPlan
from codeanatomy_hamilton.runtime.semantics import semantic_tags
from codeanatomy_hamilton.store.delta import TableWrite, replace_repo_rows, skip_write

# paths an incremental write of a table replaces beyond the plan's changed files:
# ``cpg_props_map`` also rewrites the maps of nodes whose cross-file props changed
_EXTRA_PATHS = {"cpg_props_map": "props_map_paths"}


def _write(
    warehouse: str,
    name: str,
    table: pa.Table | TableStream,
    repo_id: str,
    build_plan: BuildPlan | None = None,
    extra_paths: frozenset[str] | None = None,
) -> TableWrite:
    if build_plan is None:
        return replace_repo_rows(warehouse, name, table, repo_id)
    # one Delta transaction per table, replacing only the rows the plan rebuilt
    # (``incremental.BuildPlan.predicate``); the commit metadata lets a later build see
    # which paths this one replaced if it never reaches its manifest row
    extra = extra_paths or frozenset()
    predicate = build_plan.predicate(name, extra)
    if predicate is None:
        return skip_write(warehouse, name)
    return replace_repo_rows(
        warehouse,
        name,
        table,
        repo_id,
        predicate=predicate,
        commit_metadata=build_plan.commit_metadata(extra),
    )


def _store_node(func: Callable[..., TableWrite]) -> Callable[..., TableWrite]:
    """``@parameterize`` into one node per contract table, each with its own tags."""
    for name in CPG_TABLES:
        func = tag(target_=f"{name}_written", **semantic_tags(name, "store"))(func)
    return parameterize(
        **{
            f"{name}_written": (
                {
                    "table": source(name),
                    "name": value(name),
                    "extra_paths": (
                        source(_EXTRA_PATHS[name]) if name in _EXTRA_PATHS else value(None)
                    ),
                },
                f"Writes ``{name}`` to its Delta table: the repo's rows, or in an "
                "incremental build those of the build plan's scope.",
            )
            for name in CPG_TABLES
        }
    )(func)


@cache(behavior="recompute", target_=...)
@_store_node
def table_written(
    table: TableStream | pa.Table,
    name: str,
    extra_paths: frozenset[str] | None,
    warehouse: str,
    repo_id: str,
    build_plan: BuildPlan | None = None,
) -> TableWrite:
    return _write(warehouse, name, table, repo_id, build_plan, extra_paths)
