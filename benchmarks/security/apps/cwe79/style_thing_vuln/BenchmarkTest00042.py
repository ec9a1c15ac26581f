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
    @app.route('/benchmark/79/BenchmarkTest00042', methods=['GET'])
    def BenchmarkTest00042_get():
        return BenchmarkTest00042_post()

    @app.route('/benchmark/79/BenchmarkTest00042', methods=['POST'])
    def BenchmarkTest00042_post():
        RESPONSE = ""

        param = request.args.get("BenchmarkTest00042")
        if not param:
            param = ""

        thing = helpers.things.ThingA()
        bar = thing.do_something(param)

        RESPONSE += f"Parameter value: {bar}"
        return RESPONSE
