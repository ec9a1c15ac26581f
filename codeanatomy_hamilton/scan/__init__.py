"""Scan: the snapshot of a git tree at a ref (or a plain directory) and fetching watched refs."""
