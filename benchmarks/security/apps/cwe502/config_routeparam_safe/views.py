import pickle

from flask import Blueprint

from .config import ALLOWED, DEFAULTS
api = Blueprint("api", __name__)


@api.route("/items/<name>")
def show_item(name):
    param = name.encode()
    settings = {"fallback": DEFAULTS["502"], "user": param}
    bar = settings["fallback"]
    obj = pickle.loads(bar)
    print(obj)
    return "ok"

