from ldap3 import Connection, Server

from flask import Flask, request

from .config import ALLOWED, DEFAULTS
app = Flask(__name__)


@app.route("/run", methods=["GET", "POST"])
def handler():
    param = request.headers.get("X-Target", "")
    settings = {"fallback": DEFAULTS["90"], "user": param}
    bar = settings["user"]
    conn = Connection(Server("ldap://127.0.0.1"), auto_bind=True)
    conn.search("dc=example,dc=com", "(uid=" + bar + ")")
    return "ok"

