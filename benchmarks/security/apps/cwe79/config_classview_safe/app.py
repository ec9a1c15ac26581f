from flask import Flask, request
from flask.views import MethodView

from .config import ALLOWED, DEFAULTS
app = Flask(__name__)


class ItemView(MethodView):
    def post(self):
        param = request.headers.get("X-Target", "")
        settings = {"fallback": DEFAULTS["79"], "user": param}
        bar = settings["fallback"]
        return "<p>Hello " + bar + "</p>"


app.add_url_rule("/items", view_func=ItemView.as_view("items"))

