from flask import Flask, redirect, request, url_for
from flask.views import MethodView


app = Flask(__name__)


class ItemView(MethodView):
    def post(self):
        param = request.headers.get("X-Target", "")
        bar = url_for("index", next=param)
        return redirect(bar)


app.add_url_rule("/items", view_func=ItemView.as_view("items"))

