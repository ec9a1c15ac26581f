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
    @app.route('/benchmark/90/BenchmarkTest00014', methods=['GET'])
    def BenchmarkTest00014_get():
        return BenchmarkTest00014_post()

    @app.route('/benchmark/90/BenchmarkTest00014', methods=['POST'])
    def BenchmarkTest00014_post():
        RESPONSE = ""

        param = request.args.get("BenchmarkTest00014")
        if not param:
            param = ""

        num = 106
        bar = "This should never happen" if 7 * 18 + num > 200 else param

        conn = helpers.ldap.get_connection()
        conn.search("ou=users,dc=example,dc=com", f"(&(objectclass=person)(uid={bar}))")
        RESPONSE += "searched"
        return RESPONSE
