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
    @app.route('/benchmark/501/BenchmarkTest00033', methods=['GET'])
    def BenchmarkTest00033_get():
        return BenchmarkTest00033_post()

    @app.route('/benchmark/501/BenchmarkTest00033', methods=['POST'])
    def BenchmarkTest00033_post():
        RESPONSE = ""

        map1 = request.form.to_dict()
        param = ""
        if map1:
            param = map1.get("BenchmarkTest00033")

        possible = "ABC"
        guess = possible[0]
        match guess:
            case "A":
                bar = param
            case "B":
                bar = "bob"
            case "C" | "D":
                bar = param
            case _:
                bar = "bob's your uncle"

        flask.session["userid"] = bar
        RESPONSE += "stored"
        return RESPONSE
