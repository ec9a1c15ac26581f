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
    @app.route('/benchmark/22/BenchmarkTest00019', methods=['GET'])
    def BenchmarkTest00019_get():
        return BenchmarkTest00019_post()

    @app.route('/benchmark/22/BenchmarkTest00019', methods=['POST'])
    def BenchmarkTest00019_post():
        RESPONSE = ""

        map1 = request.form.to_dict()
        param = ""
        if map1:
            param = map1.get("BenchmarkTest00019")

        num = 106
        bar = param if 7 * 18 + num > 200 else "This should never happen"

        file_name = os.path.join(helpers.utils.TESTFILES_DIR, bar)
        with open(file_name, "rb") as fd:
            RESPONSE += fd.read().decode()
        return RESPONSE
