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
    @app.route('/benchmark/611/BenchmarkTest00045', methods=['GET'])
    def BenchmarkTest00045_get():
        return BenchmarkTest00045_post()

    @app.route('/benchmark/611/BenchmarkTest00045', methods=['POST'])
    def BenchmarkTest00045_post():
        RESPONSE = ""

        param = request.cookies.get("BenchmarkTest00045", "noCookieValueSupplied")

        num = 106
        bar = "This should never happen" if 7 * 18 + num > 200 else param

        parser = xml.sax.make_parser()
        parser.setFeature(xml.sax.handler.feature_external_ges, True)
        parser.setContentHandler(xml.sax.handler.ContentHandler())
        parser.parse(io.StringIO(bar))
        RESPONSE += "parsed"
        return RESPONSE
