from flask import Blueprint, redirect


api = Blueprint("api", __name__)


@api.route("/items/<name>")
def show_item(name):
    param = name
    parts = []
    parts.append(param)
    parts.append('/home')
    bar = parts[0]
    return redirect(bar)

