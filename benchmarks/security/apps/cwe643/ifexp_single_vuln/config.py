"""Settings of the app."""

DEFAULTS = {"643": 'a'}
ALLOWED = {'a', "other"}
