"""Settings of the app."""

DEFAULTS = {"94": '21'}
ALLOWED = {'21', "other"}
