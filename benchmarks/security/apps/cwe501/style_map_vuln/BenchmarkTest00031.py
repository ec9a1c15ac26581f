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
    @app.route('/benchmark/501/BenchmarkTest00031', methods=['GET'])
    def BenchmarkTest00031_get():
        return BenchmarkTest00031_post()

    @app.route('/benchmark/501/BenchmarkTest00031', methods=['POST'])
    def BenchmarkTest00031_post():
        RESPONSE = ""

        param = request.cookies.get("BenchmarkTest00031", "noCookieValueSupplied")

        map2 = {}
        map2["keyA-0001"] = "a-Value"
        map2["keyB-0001"] = param
        map2["keyC"] = "another-Value"
        bar = map2["keyB-0001"]

        flask.session["userid"] = bar
        RESPONSE += "stored"
        return RESPONSE
