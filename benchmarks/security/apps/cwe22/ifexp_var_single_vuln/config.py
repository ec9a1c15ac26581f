"""Settings of the app."""

DEFAULTS = {"22": 'summary.txt'}
ALLOWED = {'summary.txt', "other"}
