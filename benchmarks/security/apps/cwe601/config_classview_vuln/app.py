from flask import Flask, redirect, request
from flask.views import MethodView

from .config import ALLOWED, DEFAULTS
app = Flask(__name__)


class ItemView(MethodView):
    def post(self):
        param = request.form["name"]
        settings = {"fallback": DEFAULTS["601"], "user": param}
        bar = settings["user"]
        return redirect(bar)


app.add_url_rule("/items", view_func=ItemView.as_view("items"))

