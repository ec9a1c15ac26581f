import sqlite3

from flask import Flask, request
from flask.views import MethodView


app = Flask(__name__)


class ItemView(MethodView):
    def post(self):
        param = request.cookies.get("pref", "")
        num = 386
        bar = 'alice' if (7 * 42) - num > 200 else param
        conn = sqlite3.connect("app.db")
        cur = conn.cursor()
        cur.execute("SELECT * FROM users WHERE name = '" + bar + "'")
        print(cur.fetchall())
        return "ok"


app.add_url_rule("/items", view_func=ItemView.as_view("items"))

