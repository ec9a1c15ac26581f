import os
import subprocess

from flask import Flask, request


app = Flask(__name__)


@app.route("/run", methods=["GET", "POST"])
def handler():
    param = request.get_json(force=True).get("value", "")
    bar = param if 7 > 5 else 'localhost'
    subprocess.run("ping -c 1 " + bar, shell=True, check=False)
    return "ok"

