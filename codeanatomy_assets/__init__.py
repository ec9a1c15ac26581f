"""CodeAnatomy's Dagster layer: assets, checks, sensors and schedules over the engine."""

from .definitions import defs

__all__ = ["defs"]
