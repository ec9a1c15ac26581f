"""The ordered list of semantic passes run after the AST pass (see ``extract.file``).

Each pass reads the ``FileContext`` and appends to its builder. Order matters only
where a pass reads what an earlier one shared through ``FileContext.shared``.
"""

from __future__ import annotations

from collections.abc import Callable

from codeanatomy_hamilton.extract.binding import run_scope_pass
from codeanatomy_hamilton.extract.calls_local import run_params_args_pass
from codeanatomy_hamilton.extract.context import FileContext
from codeanatomy_hamilton.extract.flow import run_flow_pass
from codeanatomy_hamilton.extract.valueflow import run_valueflow_pass

PASSES: list[tuple[str, Callable[[FileContext], None]]] = [
    ("scopes", run_scope_pass),
    ("params_args", run_params_args_pass),
    ("flow", run_flow_pass),
    ("facts", __import__("codeanatomy_hamilton.extract.facts", fromlist=["x"]).run_facts_pass),
    ("valueflow", run_valueflow_pass),
]
