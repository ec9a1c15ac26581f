from flask import Blueprint, redirect


api = Blueprint("api", __name__)


@api.route("/items/<name>")
def show_item(name):
    param = name
    choices = {"default": '/home', "user": param}
    bar = choices["user"]
    return redirect(bar)

