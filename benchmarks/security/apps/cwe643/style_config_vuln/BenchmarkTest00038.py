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
    @app.route('/benchmark/643/BenchmarkTest00038', methods=['GET'])
    def BenchmarkTest00038_get():
        return BenchmarkTest00038_post()

    @app.route('/benchmark/643/BenchmarkTest00038', methods=['POST'])
    def BenchmarkTest00038_post():
        RESPONSE = ""

        param = request.cookies.get("BenchmarkTest00038", "noCookieValueSupplied")

        conf = configparser.ConfigParser()
        conf.add_section("section0001")
        conf.set("section0001", "keyA-0001", "a_Value")
        conf.set("section0001", "keyB-0001", param)
        bar = conf.get("section0001", "keyB-0001")

        root = ET.fromstring(helpers.utils.EMPLOYEES_XML)
        query = f"/Employees/Employee[@emplid='{bar}']"
        nodes = elementpath.select(root, query)
        RESPONSE += str(len(nodes))
        return RESPONSE
