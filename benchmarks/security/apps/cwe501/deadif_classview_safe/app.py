from flask import Flask, request, session
from flask.views import MethodView


app = Flask(__name__)


class ItemView(MethodView):
    def post(self):
        param = request.values.get("v", "")
        limit = 40
        if limit * 3 < 100:
            bar = param
        else:
            bar = 'anonymous'
        session["user"] = bar
        return "ok"


app.add_url_rule("/items", view_func=ItemView.as_view("items"))

