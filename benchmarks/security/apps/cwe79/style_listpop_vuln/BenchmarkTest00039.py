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
    @app.route('/benchmark/79/BenchmarkTest00039', methods=['GET'])
    def BenchmarkTest00039_get():
        return BenchmarkTest00039_post()

    @app.route('/benchmark/79/BenchmarkTest00039', methods=['POST'])
    def BenchmarkTest00039_post():
        RESPONSE = ""

        parts = request.path.split("/")
        param = parts[1]

        bar = "alsosafe"
        if param:
            lst = []
            lst.append("safe")
            lst.append(param)
            lst.append("moresafe")
            lst.pop(0)
            bar = lst[0]

        RESPONSE += f"Parameter value: {bar}"
        return RESPONSE
