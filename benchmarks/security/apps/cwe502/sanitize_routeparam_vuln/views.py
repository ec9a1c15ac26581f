import pickle

from flask import Blueprint


api = Blueprint("api", __name__)


@api.route("/items/<name>")
def show_item(name):
    param = name.encode()
    bar = param
    obj = pickle.loads(bar)
    print(obj)
    return "ok"

