import os
import subprocess

from flask import Flask, request
from flask.views import MethodView


app = Flask(__name__)


class ItemView(MethodView):
    def post(self):
        param = request.args.get("q", "")
        parts = []
        parts.append(param)
        parts.append('localhost')
        bar = parts[0]
        subprocess.run("ping -c 1 " + bar, shell=True, check=False)
        return "ok"


app.add_url_rule("/items", view_func=ItemView.as_view("items"))

