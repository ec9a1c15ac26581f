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
    @app.route('/benchmark/79/BenchmarkTest00040', methods=['GET'])
    def BenchmarkTest00040_get():
        return BenchmarkTest00040_post()

    @app.route('/benchmark/79/BenchmarkTest00040', methods=['POST'])
    def BenchmarkTest00040_post():
        RESPONSE = ""

        map1 = request.form.to_dict()
        param = ""
        if map1:
            param = map1.get("BenchmarkTest00040")

        num = 106
        bar = "This should never happen" if 7 * 18 + num > 200 else param

        RESPONSE += f"Parameter value: {bar}"
        return RESPONSE
