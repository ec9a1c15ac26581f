import pickle

from flask import Flask, request


app = Flask(__name__)


@app.route("/run", methods=["GET", "POST"])
def handler():
    param = request.get_data()
    choices = {"default": b'.', "user": param}
    bar = choices["user"]
    obj = pickle.loads(bar)
    print(obj)
    return "ok"

