from flask import Flask, request


app = Flask(__name__)


@app.route("/run", methods=["GET", "POST"])
def handler():
    param = request.headers.get("X-Target", "")
    limit = 40
    if limit * 3 > 100:
        bar = param
    else:
        bar = 'world'
    return "<p>Hello " + bar + "</p>"

