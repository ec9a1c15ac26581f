import os

from flask import Blueprint


api = Blueprint("api", __name__)


@api.route("/items/<name>")
def show_item(name):
    param = name
    table = {}
    table["keyA"] = 'summary.txt'
    table["keyB"] = param
    bar = table.get("keyB")
    with open(os.path.join("/srv/reports", bar)) as fh:
        print(fh.read())
    return "ok"

