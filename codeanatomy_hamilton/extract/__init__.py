"""Per-file extraction passes."""
