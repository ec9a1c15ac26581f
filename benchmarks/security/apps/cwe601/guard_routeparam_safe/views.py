from flask import Blueprint, redirect

from .config import ALLOWED, DEFAULTS
api = Blueprint("api", __name__)


@api.route("/items/<name>")
def show_item(name):
    param = name
    if param not in ALLOWED:
        return "bad request", 400
    bar = param
    return redirect(bar)

