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
    @app.route('/benchmark/79/BenchmarkTest00041', methods=['GET'])
    def BenchmarkTest00041_get():
        return BenchmarkTest00041_post()

    @app.route('/benchmark/79/BenchmarkTest00041', methods=['POST'])
    def BenchmarkTest00041_post():
        RESPONSE = ""

        query_string = request.query_string.decode("utf-8")
        loc = query_string.find("BenchmarkTest00041=")
        param = query_string[loc + 14:]
        amp = param.find("&")
        if amp != -1:
            param = param[:amp]
        param = urllib.parse.unquote_plus(param)

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

        RESPONSE += f"Parameter value: {bar}"
        return RESPONSE
