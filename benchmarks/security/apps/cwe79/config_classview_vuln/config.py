"""Settings of the app."""

DEFAULTS = {"79": 'world'}
ALLOWED = {'world', "other"}
