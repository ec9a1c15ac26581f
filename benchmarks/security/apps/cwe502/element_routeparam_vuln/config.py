"""Settings of the app."""

DEFAULTS = {"502": b'.'}
ALLOWED = {b'.', "other"}
