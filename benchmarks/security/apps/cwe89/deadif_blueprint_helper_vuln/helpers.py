"""Helpers the views call."""

import sqlite3


def process(value):
    conn = sqlite3.connect("app.db")
    cur = conn.cursor()
    cur.execute("SELECT * FROM users WHERE name = '" + value + "'")
    print(cur.fetchall())
    return "ok"

