from flask import Flask, request, session
from flask.views import MethodView


app = Flask(__name__)


class ItemView(MethodView):
    def post(self):
        param = request.headers.get("X-Target", "")
        table = {}
        table["keyA"] = 'anonymous'
        table["keyB"] = param
        bar = table.get("keyA")
        session["user"] = bar
        return "ok"


app.add_url_rule("/items", view_func=ItemView.as_view("items"))

