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
    @app.route('/benchmark/502/BenchmarkTest00013', methods=['GET'])
    def BenchmarkTest00013_get():
        return BenchmarkTest00013_post()

    @app.route('/benchmark/502/BenchmarkTest00013', methods=['POST'])
    def BenchmarkTest00013_post():
        RESPONSE = ""

        query_string = request.query_string.decode("utf-8")
        loc = query_string.find("BenchmarkTest00013=")
        param = query_string[loc + 14:]
        amp = param.find("&")
        if amp != -1:
            param = param[:amp]
        param = urllib.parse.unquote_plus(param)

        bar = param

        import yaml
        obj = yaml.load(bar, Loader=yaml.SafeLoader)
        RESPONSE += str(obj)
        return RESPONSE
