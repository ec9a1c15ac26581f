from flask import Flask, request


app = Flask(__name__)


@app.route("/run", methods=["GET", "POST"])
def handler():
    param = request.headers.get("X-Target", "")
    table = {}
    table["keyA"] = '21'
    table["keyB"] = param
    bar = table.get("keyB")
    result = eval("2 * " + bar)
    print(result)
    return "ok"

