import os

from flask import Flask, request
from flask.views import MethodView


app = Flask(__name__)


class ItemView(MethodView):
    def post(self):
        param = request.get_json(force=True).get("value", "")
        choices = {"default": 'summary.txt', "user": param}
        bar = choices["user"]
        with open(os.path.join("/srv/reports", bar)) as fh:
            print(fh.read())
        return "ok"


app.add_url_rule("/items", view_func=ItemView.as_view("items"))

