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
    @app.route('/benchmark/611/BenchmarkTest00047', methods=['GET'])
    def BenchmarkTest00047_get():
        return BenchmarkTest00047_post()

    @app.route('/benchmark/611/BenchmarkTest00047', methods=['POST'])
    def BenchmarkTest00047_post():
        RESPONSE = ""

        map1 = request.form.to_dict()
        param = ""
        if map1:
            param = map1.get("BenchmarkTest00047")

        thing = helpers.things.ThingB()
        bar = thing.do_something(param)

        parser = xml.sax.make_parser()
        parser.setFeature(xml.sax.handler.feature_external_ges, True)
        parser.setContentHandler(xml.sax.handler.ContentHandler())
        parser.parse(io.StringIO(bar))
        RESPONSE += "parsed"
        return RESPONSE
