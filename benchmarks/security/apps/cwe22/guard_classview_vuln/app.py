import os

from flask import Flask, request
from flask.views import MethodView

from .config import ALLOWED, DEFAULTS
app = Flask(__name__)


class ItemView(MethodView):
    def post(self):
        param = request.args.get("q", "")
        if param not in ALLOWED:
            print("unexpected value")
        bar = param
        with open(os.path.join("/srv/reports", bar)) as fh:
            print(fh.read())
        return "ok"


app.add_url_rule("/items", view_func=ItemView.as_view("items"))

