"""Core: node ids, the Arrow schemas of every table, the sectioned file format, settings,
the fact and kind vocabularies, memory release, the per-repo lock. Imports nothing else
of the engine."""
