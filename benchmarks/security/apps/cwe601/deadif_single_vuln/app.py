from flask import Flask, redirect, request


app = Flask(__name__)


@app.route("/run", methods=["GET", "POST"])
def handler():
    param = request.form["name"]
    limit = 40
    if limit * 3 > 100:
        bar = param
    else:
        bar = '/home'
    return redirect(bar)

