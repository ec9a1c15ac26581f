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
    @app.route('/benchmark/22/BenchmarkTest00018', methods=['GET'])
    def BenchmarkTest00018_get():
        return BenchmarkTest00018_post()

    @app.route('/benchmark/22/BenchmarkTest00018', methods=['POST'])
    def BenchmarkTest00018_post():
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
            bar = lst[1]

        file_name = os.path.join(helpers.utils.TESTFILES_DIR, bar)
        with open(file_name, "rb") as fd:
            RESPONSE += fd.read().decode()
        return RESPONSE
