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
    @app.route('/benchmark/22/BenchmarkTest00021', methods=['GET'])
    def BenchmarkTest00021_get():
        return BenchmarkTest00021_post()

    @app.route('/benchmark/22/BenchmarkTest00021', methods=['POST'])
    def BenchmarkTest00021_post():
        RESPONSE = ""

        param = request.args.get("BenchmarkTest00021")
        if not param:
            param = ""

        thing = helpers.things.ThingB()
        bar = thing.do_something(param)

        file_name = os.path.join(helpers.utils.TESTFILES_DIR, bar)
        with open(file_name, "rb") as fd:
            RESPONSE += fd.read().decode()
        return RESPONSE
