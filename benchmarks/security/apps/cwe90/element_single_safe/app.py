from ldap3 import Connection, Server

from flask import Flask, request


app = Flask(__name__)


@app.route("/run", methods=["GET", "POST"])
def handler():
    param = request.form["name"]
    items = ['guest', param]
    bar = items[0]
    conn = Connection(Server("ldap://127.0.0.1"), auto_bind=True)
    conn.search("dc=example,dc=com", "(uid=" + bar + ")")
    return "ok"

