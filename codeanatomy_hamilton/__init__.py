"""CodeAnatomy engine: Code Property Graphs of Python repositories as Delta tables.

This package never imports dagster; ``codeanatomy_assets`` is the Dagster layer. The
layers, in import order, are the subpackages core, scan, extract, fragments, resolve,
emit, store, incremental and runtime; ``build``, ``cli``, ``flows`` and ``security``
are the API on top (docs/architecture.md).
"""

from codeanatomy_hamilton.core.version import VERSION as __version__

__all__ = ["__version__"]
