from flask import Blueprint, session


api = Blueprint("api", __name__)


@api.route("/items/<name>")
def show_item(name):
    param = name
    num = 386
    bar = 'anonymous' if (7 * 42) - num > 200 else param
    session["user"] = bar
    return "ok"

