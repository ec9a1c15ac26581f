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
    @app.route('/benchmark/601/BenchmarkTest00024', methods=['GET'])
    def BenchmarkTest00024_get():
        return BenchmarkTest00024_post()

    @app.route('/benchmark/601/BenchmarkTest00024', methods=['POST'])
    def BenchmarkTest00024_post():
        RESPONSE = ""

        param = request.cookies.get("BenchmarkTest00024", "noCookieValueSupplied")

        map2 = {}
        map2["keyA-0001"] = "a-Value"
        map2["keyB-0001"] = param
        map2["keyC"] = "another-Value"
        bar = map2["keyB-0001"]

        return flask.redirect(bar)
