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
    @app.route('/benchmark/643/BenchmarkTest00037', methods=['GET'])
    def BenchmarkTest00037_get():
        return BenchmarkTest00037_post()

    @app.route('/benchmark/643/BenchmarkTest00037', methods=['POST'])
    def BenchmarkTest00037_post():
        RESPONSE = ""

        param = request.headers.get("BenchmarkTest00037")
        param = urllib.parse.unquote(param)

        map2 = {}
        map2["keyA-0001"] = "a-Value"
        map2["keyB-0001"] = param
        map2["keyC"] = "another-Value"
        bar = map2["keyB-0001"]

        root = ET.fromstring(helpers.utils.EMPLOYEES_XML)
        query = f"/Employees/Employee[@emplid='{bar}']"
        nodes = elementpath.select(root, query)
        RESPONSE += str(len(nodes))
        return RESPONSE
