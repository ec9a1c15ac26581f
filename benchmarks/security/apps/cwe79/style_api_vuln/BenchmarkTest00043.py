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
    @app.route('/benchmark/79/BenchmarkTest00043', methods=['GET'])
    def BenchmarkTest00043_get():
        return BenchmarkTest00043_post()

    @app.route('/benchmark/79/BenchmarkTest00043', methods=['POST'])
    def BenchmarkTest00043_post():
        RESPONSE = ""

        values = request.form.getlist("BenchmarkTest00043")
        param = ""
        if values:
            param = values[0]

        bar = param

        RESPONSE += f"Parameter value: {bar}"
        return RESPONSE
