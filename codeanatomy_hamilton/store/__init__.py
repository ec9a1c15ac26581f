"""Store: Delta writes with repo/path predicates, time travel and read-only SQL."""
