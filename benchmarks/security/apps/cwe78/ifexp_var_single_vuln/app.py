import os
import subprocess

from flask import Flask, request


app = Flask(__name__)


@app.route("/run", methods=["GET", "POST"])
def handler():
    param = request.cookies.get("pref", "")
    num = 386
    bar = 'localhost' if (7 * 42) - num > 200 else param
    subprocess.run("ping -c 1 " + bar, shell=True, check=False)
    return "ok"

