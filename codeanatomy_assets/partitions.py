"""One dynamic partition per configured repository (key = repo id).

Repo ids are validated as URL-safe without commas (``repos.REPO_ID_RE``): Dagster and
delta-rs both mishandle partition keys with commas. The git sensor registers new repos
as partitions (``SensorResult.dynamic_partitions_requests``); the schedule adds them
through the instance.
"""

import dagster as dg

repos_partitions = dg.DynamicPartitionsDefinition(name="repos")
