from flask import Blueprint, session


api = Blueprint("api", __name__)


@api.route("/items/<name>")
def show_item(name):
    param = name
    bar = 'anonymous'
    bar = param
    session["user"] = bar
    return "ok"

