"""Fragments: the per-file fragment store (also the per-file cache) and the repo's pack of
per-file summaries."""
