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
    @app.route('/benchmark/78/BenchmarkTest00002', methods=['GET'])
    def BenchmarkTest00002_get():
        return BenchmarkTest00002_post()

    @app.route('/benchmark/78/BenchmarkTest00002', methods=['POST'])
    def BenchmarkTest00002_post():
        RESPONSE = ""

        param = request.headers.get("BenchmarkTest00002")
        param = urllib.parse.unquote(param)

        num = 106
        bar = "This should never happen" if 7 * 18 + num > 200 else param

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
