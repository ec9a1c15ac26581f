"""Settings of the app."""

DEFAULTS = {"90": 'guest'}
ALLOWED = {'guest', "other"}
