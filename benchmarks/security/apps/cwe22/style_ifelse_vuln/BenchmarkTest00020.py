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
    @app.route('/benchmark/22/BenchmarkTest00020', methods=['GET'])
    def BenchmarkTest00020_get():
        return BenchmarkTest00020_post()

    @app.route('/benchmark/22/BenchmarkTest00020', methods=['POST'])
    def BenchmarkTest00020_post():
        RESPONSE = ""

        query_string = request.query_string.decode("utf-8")
        loc = query_string.find("BenchmarkTest00020=")
        param = query_string[loc + 14:]
        amp = param.find("&")
        if amp != -1:
            param = param[:amp]
        param = urllib.parse.unquote_plus(param)

        num = 86
        if (7 * 42) - num > 200:
            bar = param
        else:
            bar = "This_should_always_happen"

        file_name = os.path.join(helpers.utils.TESTFILES_DIR, bar)
        with open(file_name, "rb") as fd:
            RESPONSE += fd.read().decode()
        return RESPONSE
