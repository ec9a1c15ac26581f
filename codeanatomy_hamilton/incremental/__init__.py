"""Incremental: full or incremental build plans from the last successful build."""
