"""The Hamilton dataflow: plain functions whose names are the node names.

scan -> extract -> resolve -> emit -> store (``stages.STAGE_MODULES``), plus the plan
nodes (``plan_nodes``). ``MODULES`` is what the driver loads.
"""

from __future__ import annotations

from codeanatomy_hamilton.runtime.nodes import plan_nodes
from codeanatomy_hamilton.runtime.nodes.stages import STAGE_MODULES

MODULES = [*STAGE_MODULES, plan_nodes]
