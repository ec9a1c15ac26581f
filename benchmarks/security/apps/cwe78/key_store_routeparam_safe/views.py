import os
import subprocess

from flask import Blueprint


api = Blueprint("api", __name__)


@api.route("/items/<name>")
def show_item(name):
    param = name
    table = {}
    table["keyA"] = 'localhost'
    table["keyB"] = param
    bar = table.get("keyA")
    subprocess.run("ping -c 1 " + bar, shell=True, check=False)
    return "ok"

