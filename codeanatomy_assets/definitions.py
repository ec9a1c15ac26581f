"""``defs``: the Dagster definitions of the CodeAnatomy project."""

import dagster as dg

from .cpg_assets import cpg_tables
from .downstream import DOWNSTREAM_ASSETS, analysis_automation_sensor
from .public import default_resources
from .schedules import nightly_cpg_rebuild
from .security import SECURITY_ASSETS, SECURITY_SENSORS
from .sensors import cpg_build_job, git_ref_sensor

defs = dg.Definitions(
    assets=[cpg_tables, *DOWNSTREAM_ASSETS, *SECURITY_ASSETS],
    resources=default_resources(),
    jobs=[cpg_build_job],
    sensors=[git_ref_sensor, analysis_automation_sensor, *SECURITY_SENSORS],
    schedules=[nightly_cpg_rebuild],
)
