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
    @app.route('/benchmark/643/BenchmarkTest00036', methods=['GET'])
    def BenchmarkTest00036_get():
        return BenchmarkTest00036_post()

    @app.route('/benchmark/643/BenchmarkTest00036', methods=['POST'])
    def BenchmarkTest00036_post():
        RESPONSE = ""

        values = request.form.getlist("BenchmarkTest00036")
        param = ""
        if values:
            param = values[0]

        num = 86
        if (7 * 42) - num > 200:
            bar = "This_should_always_happen"
        else:
            bar = param

        root = ET.fromstring(helpers.utils.EMPLOYEES_XML)
        query = f"/Employees/Employee[@emplid='{bar}']"
        nodes = elementpath.select(root, query)
        RESPONSE += str(len(nodes))
        return RESPONSE
