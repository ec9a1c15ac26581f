import os
import subprocess

from flask import Flask, request


app = Flask(__name__)


@app.route("/run", methods=["GET", "POST"])
def handler():
    param = request.args.get("q", "")
    bar = param
    bar = 'localhost'
    subprocess.run("ping -c 1 " + bar, shell=True, check=False)
    return "ok"

