from flask import Flask, request, session


app = Flask(__name__)


@app.route("/run", methods=["GET", "POST"])
def handler():
    param = request.headers.get("X-Target", "")
    items = ['anonymous', param]
    bar = items[1]
    session["user"] = bar
    return "ok"

