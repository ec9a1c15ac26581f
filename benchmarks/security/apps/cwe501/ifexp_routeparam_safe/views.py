from flask import Blueprint, session


api = Blueprint("api", __name__)


@api.route("/items/<name>")
def show_item(name):
    param = name
    bar = param if 2 > 5 else 'anonymous'
    session["user"] = bar
    return "ok"

