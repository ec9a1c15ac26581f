"""Helpers the views call."""

from ldap3 import Connection, Server


def process(value):
    conn = Connection(Server("ldap://127.0.0.1"), auto_bind=True)
    conn.search("dc=example,dc=com", "(uid=" + value + ")")
    return "ok"

