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
    @app.route('/benchmark/94/BenchmarkTest00008', methods=['GET'])
    def BenchmarkTest00008_get():
        return BenchmarkTest00008_post()

    @app.route('/benchmark/94/BenchmarkTest00008', methods=['POST'])
    def BenchmarkTest00008_post():
        RESPONSE = ""

        values = request.form.getlist("BenchmarkTest00008")
        param = ""
        if values:
            param = values[0]

        thing = helpers.things.ThingB()
        bar = thing.do_something(param)

        result = eval(bar)
        RESPONSE += f"Result: {result}"
        return RESPONSE
