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
    @app.route('/benchmark/502/BenchmarkTest00011', methods=['GET'])
    def BenchmarkTest00011_get():
        return BenchmarkTest00011_post()

    @app.route('/benchmark/502/BenchmarkTest00011', methods=['POST'])
    def BenchmarkTest00011_post():
        RESPONSE = ""

        parts = request.path.split("/")
        param = parts[1]

        conf = configparser.ConfigParser()
        conf.add_section("section0001")
        conf.set("section0001", "keyA-0001", "a_Value")
        conf.set("section0001", "keyB-0001", param)
        bar = conf.get("section0001", "keyB-0001")

        import yaml
        obj = yaml.load(bar, Loader=yaml.Loader)
        RESPONSE += str(obj)
        return RESPONSE
