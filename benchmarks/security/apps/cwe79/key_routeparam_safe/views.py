from flask import Blueprint


api = Blueprint("api", __name__)


@api.route("/items/<name>")
def show_item(name):
    param = name
    choices = {"default": 'world', "user": param}
    bar = choices["default"]
    return "<p>Hello " + bar + "</p>"

