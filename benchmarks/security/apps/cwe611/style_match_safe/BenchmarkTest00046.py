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
    @app.route('/benchmark/611/BenchmarkTest00046', methods=['GET'])
    def BenchmarkTest00046_get():
        return BenchmarkTest00046_post()

    @app.route('/benchmark/611/BenchmarkTest00046', methods=['POST'])
    def BenchmarkTest00046_post():
        RESPONSE = ""

        parts = request.path.split("/")
        param = parts[1]

        possible = "ABC"
        guess = possible[1]
        match guess:
            case "A":
                bar = param
            case "B":
                bar = "bob"
            case "C" | "D":
                bar = param
            case _:
                bar = "bob's your uncle"

        parser = xml.sax.make_parser()
        parser.setFeature(xml.sax.handler.feature_external_ges, True)
        parser.setContentHandler(xml.sax.handler.ContentHandler())
        parser.parse(io.StringIO(bar))
        RESPONSE += "parsed"
        return RESPONSE
