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
    @app.route('/benchmark/90/BenchmarkTest00015', methods=['GET'])
    def BenchmarkTest00015_get():
        return BenchmarkTest00015_post()

    @app.route('/benchmark/90/BenchmarkTest00015', methods=['POST'])
    def BenchmarkTest00015_post():
        RESPONSE = ""

        values = request.form.getlist("BenchmarkTest00015")
        param = ""
        if values:
            param = values[0]

        num = 86
        if (7 * 42) - num > 200:
            bar = "This_should_always_happen"
        else:
            bar = param

        conn = helpers.ldap.get_connection()
        conn.search("ou=users,dc=example,dc=com", f"(&(objectclass=person)(uid={bar}))")
        RESPONSE += "searched"
        return RESPONSE
