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
    @app.route('/benchmark/78/BenchmarkTest00004', methods=['GET'])
    def BenchmarkTest00004_get():
        return BenchmarkTest00004_post()

    @app.route('/benchmark/78/BenchmarkTest00004', methods=['POST'])
    def BenchmarkTest00004_post():
        RESPONSE = ""

        parts = request.path.split("/")
        param = parts[1]

        thing = helpers.things.ThingA()
        bar = thing.do_something(param)

        arg_list = []
        if "Windows" in platform.system():
            arg_list.append("cmd.exe")
            arg_list.append("/c")
        else:
            arg_list.append("sh")
            arg_list.append("-c")
        arg_list.append(f"echo {bar}")
        proc = subprocess.run(arg_list, capture_output=True, encoding="utf-8")
        RESPONSE += proc.stdout
        return RESPONSE
