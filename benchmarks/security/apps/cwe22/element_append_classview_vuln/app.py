import os

from flask import Flask, request
from flask.views import MethodView


app = Flask(__name__)


class ItemView(MethodView):
    def post(self):
        param = request.cookies.get("pref", "")
        parts = []
        parts.append(param)
        parts.append('summary.txt')
        bar = parts[0]
        with open(os.path.join("/srv/reports", bar)) as fh:
            print(fh.read())
        return "ok"


app.add_url_rule("/items", view_func=ItemView.as_view("items"))

