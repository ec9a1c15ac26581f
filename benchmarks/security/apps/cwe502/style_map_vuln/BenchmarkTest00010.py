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
    @app.route('/benchmark/502/BenchmarkTest00010', methods=['GET'])
    def BenchmarkTest00010_get():
        return BenchmarkTest00010_post()

    @app.route('/benchmark/502/BenchmarkTest00010', methods=['POST'])
    def BenchmarkTest00010_post():
        RESPONSE = ""

        param = request.cookies.get("BenchmarkTest00010", "noCookieValueSupplied")

        map2 = {}
        map2["keyA-0001"] = "a-Value"
        map2["keyB-0001"] = param
        map2["keyC"] = "another-Value"
        bar = map2["keyB-0001"]

        import yaml
        obj = yaml.load(bar, Loader=yaml.Loader)
        RESPONSE += str(obj)
        return RESPONSE
