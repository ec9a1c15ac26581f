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
    @app.route('/benchmark/611/BenchmarkTest00048', methods=['GET'])
    def BenchmarkTest00048_get():
        return BenchmarkTest00048_post()

    @app.route('/benchmark/611/BenchmarkTest00048', methods=['POST'])
    def BenchmarkTest00048_post():
        RESPONSE = ""

        query_string = request.query_string.decode("utf-8")
        loc = query_string.find("BenchmarkTest00048=")
        param = query_string[loc + 14:]
        amp = param.find("&")
        if amp != -1:
            param = param[:amp]
        param = urllib.parse.unquote_plus(param)

        bar = param

        parser = xml.sax.make_parser()
        parser.setFeature(xml.sax.handler.feature_external_ges, False)
        parser.setContentHandler(xml.sax.handler.ContentHandler())
        parser.parse(io.StringIO(bar))
        RESPONSE += "parsed"
        return RESPONSE
