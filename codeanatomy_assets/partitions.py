"""One dynamic partition per configured repository (key = repo id)."""

from __future__ import annotations

import dagster as dg

repos_partitions = dg.DynamicPartitionsDefinition(name="repos")
