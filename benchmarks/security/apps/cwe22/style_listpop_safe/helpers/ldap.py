from ldap3 import Connection, Server


def get_connection():
    return Connection(Server('ldap://127.0.0.1'), auto_bind=True)
