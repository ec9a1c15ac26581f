from flask import Blueprint


api = Blueprint("api", __name__)


@api.route("/items/<name>")
def show_item(name):
    param = name
    parts = []
    parts.append(param)
    parts.append('world')
    bar = parts[0]
    return "<p>Hello " + bar + "</p>"

