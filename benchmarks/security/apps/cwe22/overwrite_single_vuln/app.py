import os

from flask import Flask, request


app = Flask(__name__)


@app.route("/run", methods=["GET", "POST"])
def handler():
    param = request.cookies.get("pref", "")
    bar = 'summary.txt'
    bar = param
    with open(os.path.join("/srv/reports", bar)) as fh:
        print(fh.read())
    return "ok"

