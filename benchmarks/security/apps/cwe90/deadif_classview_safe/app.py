from ldap3 import Connection, Server

from flask import Flask, request
from flask.views import MethodView


app = Flask(__name__)


class ItemView(MethodView):
    def post(self):
        param = request.headers.get("X-Target", "")
        limit = 40
        if limit * 3 < 100:
            bar = param
        else:
            bar = 'guest'
        conn = Connection(Server("ldap://127.0.0.1"), auto_bind=True)
        conn.search("dc=example,dc=com", "(uid=" + bar + ")")
        return "ok"


app.add_url_rule("/items", view_func=ItemView.as_view("items"))

