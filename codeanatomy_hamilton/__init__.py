"""CodeAnatomy engine: Code Property Graphs of Python repositories as Delta tables.

This package never imports dagster; ``codeanatomy_assets`` is the Dagster layer.
"""

__version__ = "0.1.0"
