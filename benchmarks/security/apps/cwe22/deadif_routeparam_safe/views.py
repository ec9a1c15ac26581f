import os

from flask import Blueprint


api = Blueprint("api", __name__)


@api.route("/items/<name>")
def show_item(name):
    param = name
    limit = 40
    if limit * 3 < 100:
        bar = param
    else:
        bar = 'summary.txt'
    with open(os.path.join("/srv/reports", bar)) as fh:
        print(fh.read())
    return "ok"

