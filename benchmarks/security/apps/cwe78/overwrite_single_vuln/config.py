"""Settings of the app."""

DEFAULTS = {"78": 'localhost'}
ALLOWED = {'localhost', "other"}
