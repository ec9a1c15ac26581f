from flask import Flask, request


app = Flask(__name__)


@app.route("/run", methods=["GET", "POST"])
def handler():
    param = request.form["name"]
    table = {}
    table["keyA"] = 'world'
    table["keyB"] = param
    bar = table.get("keyA")
    return "<p>Hello " + bar + "</p>"

