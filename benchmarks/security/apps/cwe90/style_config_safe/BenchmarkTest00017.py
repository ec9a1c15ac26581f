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
    @app.route('/benchmark/90/BenchmarkTest00017', methods=['GET'])
    def BenchmarkTest00017_get():
        return BenchmarkTest00017_post()

    @app.route('/benchmark/90/BenchmarkTest00017', methods=['POST'])
    def BenchmarkTest00017_post():
        RESPONSE = ""

        param = request.cookies.get("BenchmarkTest00017", "noCookieValueSupplied")

        conf = configparser.ConfigParser()
        conf.add_section("section0001")
        conf.set("section0001", "keyA-0001", "a_Value")
        conf.set("section0001", "keyB-0001", param)
        bar = conf.get("section0001", "keyA-0001")

        conn = helpers.ldap.get_connection()
        conn.search("ou=users,dc=example,dc=com", f"(&(objectclass=person)(uid={bar}))")
        RESPONSE += "searched"
        return RESPONSE
