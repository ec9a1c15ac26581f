from flask import Flask, request, session

from .config import ALLOWED, DEFAULTS
app = Flask(__name__)


@app.route("/run", methods=["GET", "POST"])
def handler():
    param = request.values.get("v", "")
    settings = {"fallback": DEFAULTS["501"], "user": param}
    bar = settings["fallback"]
    session["user"] = bar
    return "ok"

