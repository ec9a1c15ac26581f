"""Settings of the app."""

DEFAULTS = {"89": 'alice'}
ALLOWED = {'alice', "other"}
