import configparser
import io
import os
import platform
import subprocess
import urllib.parse
import xml.etree.ElementTree as ET
import xml.sax

import elementpath
import flask
from flask import request

import helpers


def init(app):
    @app.route('/benchmark/94/BenchmarkTest00007', methods=['GET'])
    def BenchmarkTest00007_get():
        return BenchmarkTest00007_post()

    @app.route('/benchmark/94/BenchmarkTest00007', methods=['POST'])
    def BenchmarkTest00007_post():
        RESPONSE = ""

        param = request.args.get("BenchmarkTest00007")
        if not param:
            param = ""

        possible = "ABC"
        guess = possible[1]
        match guess:
            case "A":
                bar = param
            case "B":
                bar = "bob"
            case "C" | "D":
                bar = param
            case _:
                bar = "bob's your uncle"

        result = eval(bar)
        RESPONSE += f"Result: {result}"
        return RESPONSE
