"""Settings of the app."""

DEFAULTS = {"601": '/home'}
ALLOWED = {'/home', "other"}
