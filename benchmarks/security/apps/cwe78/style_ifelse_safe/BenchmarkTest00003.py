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
    @app.route('/benchmark/78/BenchmarkTest00003', methods=['GET'])
    def BenchmarkTest00003_get():
        return BenchmarkTest00003_post()

    @app.route('/benchmark/78/BenchmarkTest00003', methods=['POST'])
    def BenchmarkTest00003_post():
        RESPONSE = ""

        param = request.cookies.get("BenchmarkTest00003", "noCookieValueSupplied")

        num = 86
        if (7 * 42) - num > 200:
            bar = "This_should_always_happen"
        else:
            bar = param

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
