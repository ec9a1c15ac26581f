import os
import subprocess

from flask import Flask, request
from flask.views import MethodView


app = Flask(__name__)


class ItemView(MethodView):
    def post(self):
        param = request.cookies.get("pref", "")
        choices = {"default": 'localhost', "user": param}
        bar = choices["default"]
        subprocess.run("ping -c 1 " + bar, shell=True, check=False)
        return "ok"


app.add_url_rule("/items", view_func=ItemView.as_view("items"))

