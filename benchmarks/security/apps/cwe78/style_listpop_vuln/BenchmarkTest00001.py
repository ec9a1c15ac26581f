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
    @app.route('/benchmark/78/BenchmarkTest00001', methods=['GET'])
    def BenchmarkTest00001_get():
        return BenchmarkTest00001_post()

    @app.route('/benchmark/78/BenchmarkTest00001', methods=['POST'])
    def BenchmarkTest00001_post():
        RESPONSE = ""

        values = request.form.getlist("BenchmarkTest00001")
        param = ""
        if values:
            param = values[0]

        bar = "alsosafe"
        if param:
            lst = []
            lst.append("safe")
            lst.append(param)
            lst.append("moresafe")
            lst.pop(0)
            bar = lst[0]

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
