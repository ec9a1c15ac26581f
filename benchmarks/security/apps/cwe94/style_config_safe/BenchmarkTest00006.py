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
    @app.route('/benchmark/94/BenchmarkTest00006', methods=['GET'])
    def BenchmarkTest00006_get():
        return BenchmarkTest00006_post()

    @app.route('/benchmark/94/BenchmarkTest00006', methods=['POST'])
    def BenchmarkTest00006_post():
        RESPONSE = ""

        query_string = request.query_string.decode("utf-8")
        loc = query_string.find("BenchmarkTest00006=")
        param = query_string[loc + 14:]
        amp = param.find("&")
        if amp != -1:
            param = param[:amp]
        param = urllib.parse.unquote_plus(param)

        conf = configparser.ConfigParser()
        conf.add_section("section0001")
        conf.set("section0001", "keyA-0001", "a_Value")
        conf.set("section0001", "keyB-0001", param)
        bar = conf.get("section0001", "keyA-0001")

        result = eval(bar)
        RESPONSE += f"Result: {result}"
        return RESPONSE
