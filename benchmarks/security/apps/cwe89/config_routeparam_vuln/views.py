import sqlite3

from flask import Blueprint

from .config import ALLOWED, DEFAULTS
api = Blueprint("api", __name__)


@api.route("/items/<name>")
def show_item(name):
    param = name
    settings = {"fallback": DEFAULTS["89"], "user": param}
    bar = settings["user"]
    conn = sqlite3.connect("app.db")
    cur = conn.cursor()
    cur.execute("SELECT * FROM users WHERE name = '" + bar + "'")
    print(cur.fetchall())
    return "ok"

