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
    @app.route('/benchmark/502/BenchmarkTest00009', methods=['GET'])
    def BenchmarkTest00009_get():
        return BenchmarkTest00009_post()

    @app.route('/benchmark/502/BenchmarkTest00009', methods=['POST'])
    def BenchmarkTest00009_post():
        RESPONSE = ""

        param = request.headers.get("BenchmarkTest00009")
        param = urllib.parse.unquote(param)

        num = 86
        if (7 * 42) - num > 200:
            bar = param
        else:
            bar = "This_should_always_happen"

        import yaml
        obj = yaml.load(bar, Loader=yaml.Loader)
        RESPONSE += str(obj)
        return RESPONSE
