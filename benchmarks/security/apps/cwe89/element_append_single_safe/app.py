import sqlite3

from flask import Flask, request


app = Flask(__name__)


@app.route("/run", methods=["GET", "POST"])
def handler():
    param = request.args.get("q", "")
    parts = []
    parts.append(param)
    parts.append('alice')
    bar = parts[1]
    conn = sqlite3.connect("app.db")
    cur = conn.cursor()
    cur.execute("SELECT * FROM users WHERE name = '" + bar + "'")
    print(cur.fetchall())
    return "ok"

