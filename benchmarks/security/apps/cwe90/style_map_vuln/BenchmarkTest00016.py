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
    @app.route('/benchmark/90/BenchmarkTest00016', methods=['GET'])
    def BenchmarkTest00016_get():
        return BenchmarkTest00016_post()

    @app.route('/benchmark/90/BenchmarkTest00016', methods=['POST'])
    def BenchmarkTest00016_post():
        RESPONSE = ""

        param = request.headers.get("BenchmarkTest00016")
        param = urllib.parse.unquote(param)

        map2 = {}
        map2["keyA-0001"] = "a-Value"
        map2["keyB-0001"] = param
        map2["keyC"] = "another-Value"
        bar = map2["keyB-0001"]

        conn = helpers.ldap.get_connection()
        conn.search("ou=users,dc=example,dc=com", f"(&(objectclass=person)(uid={bar}))")
        RESPONSE += "searched"
        return RESPONSE
