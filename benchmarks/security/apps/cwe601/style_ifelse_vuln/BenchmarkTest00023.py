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
    @app.route('/benchmark/601/BenchmarkTest00023', methods=['GET'])
    def BenchmarkTest00023_get():
        return BenchmarkTest00023_post()

    @app.route('/benchmark/601/BenchmarkTest00023', methods=['POST'])
    def BenchmarkTest00023_post():
        RESPONSE = ""

        param = request.headers.get("BenchmarkTest00023")
        param = urllib.parse.unquote(param)

        num = 86
        if (7 * 42) - num > 200:
            bar = param
        else:
            bar = "This_should_always_happen"

        return flask.redirect(bar)
