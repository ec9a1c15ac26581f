from . import db, ldap, things, utils  # noqa: F401
