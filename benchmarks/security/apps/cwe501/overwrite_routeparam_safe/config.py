"""Settings of the app."""

DEFAULTS = {"501": 'anonymous'}
ALLOWED = {'anonymous', "other"}
