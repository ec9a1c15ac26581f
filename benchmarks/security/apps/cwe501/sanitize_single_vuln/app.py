from flask import Flask, request, session


app = Flask(__name__)


@app.route("/run", methods=["GET", "POST"])
def handler():
    param = request.form["name"]
    bar = param
    session["user"] = bar
    return "ok"

