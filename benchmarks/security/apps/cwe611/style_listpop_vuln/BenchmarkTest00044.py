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
    @app.route('/benchmark/611/BenchmarkTest00044', methods=['GET'])
    def BenchmarkTest00044_get():
        return BenchmarkTest00044_post()

    @app.route('/benchmark/611/BenchmarkTest00044', methods=['POST'])
    def BenchmarkTest00044_post():
        RESPONSE = ""

        param = request.headers.get("BenchmarkTest00044")
        param = urllib.parse.unquote(param)

        bar = "alsosafe"
        if param:
            lst = []
            lst.append("safe")
            lst.append(param)
            lst.append("moresafe")
            lst.pop(0)
            bar = lst[0]

        parser = xml.sax.make_parser()
        parser.setFeature(xml.sax.handler.feature_external_ges, True)
        parser.setContentHandler(xml.sax.handler.ContentHandler())
        parser.parse(io.StringIO(bar))
        RESPONSE += "parsed"
        return RESPONSE
