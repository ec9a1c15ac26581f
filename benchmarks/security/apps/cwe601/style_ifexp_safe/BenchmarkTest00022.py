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
    @app.route('/benchmark/601/BenchmarkTest00022', methods=['GET'])
    def BenchmarkTest00022_get():
        return BenchmarkTest00022_post()

    @app.route('/benchmark/601/BenchmarkTest00022', methods=['POST'])
    def BenchmarkTest00022_post():
        RESPONSE = ""

        values = request.form.getlist("BenchmarkTest00022")
        param = ""
        if values:
            param = values[0]

        num = 106
        bar = "This should never happen" if 7 * 18 + num > 200 else param

        return flask.redirect(bar)
