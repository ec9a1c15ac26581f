from flask import Blueprint


api = Blueprint("api", __name__)


@api.route("/items/<name>")
def show_item(name):
    param = name
    parts = []
    parts.append(param)
    parts.append('21')
    bar = parts[0]
    result = eval("2 * " + bar)
    print(result)
    return "ok"

