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
    @app.route('/benchmark/643/BenchmarkTest00035', methods=['GET'])
    def BenchmarkTest00035_get():
        return BenchmarkTest00035_post()

    @app.route('/benchmark/643/BenchmarkTest00035', methods=['POST'])
    def BenchmarkTest00035_post():
        RESPONSE = ""

        param = request.args.get("BenchmarkTest00035")
        if not param:
            param = ""

        num = 106
        bar = param if 7 * 18 + num > 200 else "This should never happen"

        root = ET.fromstring(helpers.utils.EMPLOYEES_XML)
        query = f"/Employees/Employee[@emplid='{bar}']"
        nodes = elementpath.select(root, query)
        RESPONSE += str(len(nodes))
        return RESPONSE
