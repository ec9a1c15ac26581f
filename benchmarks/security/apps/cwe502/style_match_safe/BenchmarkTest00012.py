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
    @app.route('/benchmark/502/BenchmarkTest00012', methods=['GET'])
    def BenchmarkTest00012_get():
        return BenchmarkTest00012_post()

    @app.route('/benchmark/502/BenchmarkTest00012', methods=['POST'])
    def BenchmarkTest00012_post():
        RESPONSE = ""

        map1 = request.form.to_dict()
        param = ""
        if map1:
            param = map1.get("BenchmarkTest00012")

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

        import yaml
        obj = yaml.load(bar, Loader=yaml.Loader)
        RESPONSE += str(obj)
        return RESPONSE
