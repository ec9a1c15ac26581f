from flask import Flask, request


app = Flask(__name__)


@app.route("/run", methods=["GET", "POST"])
def handler():
    param = request.values.get("v", "")
    limit = 40
    if limit * 3 < 100:
        bar = param
    else:
        bar = '21'
    result = eval("2 * " + bar)
    print(result)
    return "ok"

