"""Settings of the app."""

DEFAULTS = {"611": '<a/>'}
ALLOWED = {'<a/>', "other"}
