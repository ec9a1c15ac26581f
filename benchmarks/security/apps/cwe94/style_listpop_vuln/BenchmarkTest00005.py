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
    @app.route('/benchmark/94/BenchmarkTest00005', methods=['GET'])
    def BenchmarkTest00005_get():
        return BenchmarkTest00005_post()

    @app.route('/benchmark/94/BenchmarkTest00005', methods=['POST'])
    def BenchmarkTest00005_post():
        RESPONSE = ""

        map1 = request.form.to_dict()
        param = ""
        if map1:
            param = map1.get("BenchmarkTest00005")

        bar = "alsosafe"
        if param:
            lst = []
            lst.append("safe")
            lst.append(param)
            lst.append("moresafe")
            lst.pop(0)
            bar = lst[0]

        result = eval(bar)
        RESPONSE += f"Result: {result}"
        return RESPONSE
