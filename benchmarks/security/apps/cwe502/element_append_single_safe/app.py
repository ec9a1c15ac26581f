import pickle

from flask import Flask, request


app = Flask(__name__)


@app.route("/run", methods=["GET", "POST"])
def handler():
    param = request.get_data()
    parts = []
    parts.append(param)
    parts.append(b'.')
    bar = parts[1]
    obj = pickle.loads(bar)
    print(obj)
    return "ok"

