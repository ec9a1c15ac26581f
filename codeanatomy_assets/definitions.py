"""``defs``: the Dagster definitions of the CodeAnatomy project."""

from __future__ import annotations

import dagster as dg

from .cpg_assets import cpg_tables
from .resources import CodeAnatomyResource

defs = dg.Definitions(
    assets=[cpg_tables],
    resources={"codeanatomy": CodeAnatomyResource()},
)
