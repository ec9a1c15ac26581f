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
    @app.route('/benchmark/501/BenchmarkTest00034', methods=['GET'])
    def BenchmarkTest00034_get():
        return BenchmarkTest00034_post()

    @app.route('/benchmark/501/BenchmarkTest00034', methods=['POST'])
    def BenchmarkTest00034_post():
        RESPONSE = ""

        query_string = request.query_string.decode("utf-8")
        loc = query_string.find("BenchmarkTest00034=")
        param = query_string[loc + 14:]
        amp = param.find("&")
        if amp != -1:
            param = param[:amp]
        param = urllib.parse.unquote_plus(param)

        thing = helpers.things.ThingA()
        bar = thing.do_something(param)

        flask.session["userid"] = bar
        RESPONSE += "stored"
        return RESPONSE
