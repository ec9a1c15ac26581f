from ldap3 import Connection, Server
from ldap3.utils.conv import escape_filter_chars

from flask import Flask, request


app = Flask(__name__)


@app.route("/run", methods=["GET", "POST"])
def handler():
    param = request.values.get("v", "")
    bar = escape_filter_chars(param)
    conn = Connection(Server("ldap://127.0.0.1"), auto_bind=True)
    conn.search("dc=example,dc=com", "(uid=" + bar + ")")
    return "ok"

