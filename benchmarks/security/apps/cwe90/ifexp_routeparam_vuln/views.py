from ldap3 import Connection, Server

from flask import Blueprint


api = Blueprint("api", __name__)


@api.route("/items/<name>")
def show_item(name):
    param = name
    bar = param if 7 > 5 else 'guest'
    conn = Connection(Server("ldap://127.0.0.1"), auto_bind=True)
    conn.search("dc=example,dc=com", "(uid=" + bar + ")")
    return "ok"

