"""``defs``: the Dagster definitions of the CodeAnatomy project."""

import dagster as dg

from .cpg_assets import cpg_tables
from .downstream import DOWNSTREAM_ASSETS
from .resources import CodeAnatomyResource

defs = dg.Definitions(
    assets=[cpg_tables, *DOWNSTREAM_ASSETS],
    resources={"codeanatomy": CodeAnatomyResource()},
)
