import os
import subprocess

from flask import Blueprint


api = Blueprint("api", __name__)


@api.route("/items/<name>")
def show_item(name):
    param = name
    limit = 40
    if limit * 3 > 100:
        bar = param
    else:
        bar = 'localhost'
    subprocess.run("ping -c 1 " + bar, shell=True, check=False)
    return "ok"

