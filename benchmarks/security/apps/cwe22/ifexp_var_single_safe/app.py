import os

from flask import Flask, request


app = Flask(__name__)


@app.route("/run", methods=["GET", "POST"])
def handler():
    param = request.get_json(force=True).get("value", "")
    num = 86
    bar = 'summary.txt' if (7 * 42) - num > 200 else param
    with open(os.path.join("/srv/reports", bar)) as fh:
        print(fh.read())
    return "ok"

