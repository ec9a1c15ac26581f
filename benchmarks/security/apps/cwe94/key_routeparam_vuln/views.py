from flask import Blueprint


api = Blueprint("api", __name__)


@api.route("/items/<name>")
def show_item(name):
    param = name
    choices = {"default": '21', "user": param}
    bar = choices["user"]
    result = eval("2 * " + bar)
    print(result)
    return "ok"

