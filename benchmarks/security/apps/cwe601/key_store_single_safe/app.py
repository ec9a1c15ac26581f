from flask import Flask, redirect, request


app = Flask(__name__)


@app.route("/run", methods=["GET", "POST"])
def handler():
    param = request.values.get("v", "")
    table = {}
    table["keyA"] = '/home'
    table["keyB"] = param
    bar = table.get("keyA")
    return redirect(bar)

