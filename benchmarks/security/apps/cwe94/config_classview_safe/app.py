from flask import Flask, request
from flask.views import MethodView

from .config import ALLOWED, DEFAULTS
app = Flask(__name__)


class ItemView(MethodView):
    def post(self):
        param = request.values.get("v", "")
        settings = {"fallback": DEFAULTS["94"], "user": param}
        bar = settings["fallback"]
        result = eval("2 * " + bar)
        print(result)
        return "ok"


app.add_url_rule("/items", view_func=ItemView.as_view("items"))

