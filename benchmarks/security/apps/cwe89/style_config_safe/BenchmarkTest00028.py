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
    @app.route('/benchmark/89/BenchmarkTest00028', methods=['GET'])
    def BenchmarkTest00028_get():
        return BenchmarkTest00028_post()

    @app.route('/benchmark/89/BenchmarkTest00028', methods=['POST'])
    def BenchmarkTest00028_post():
        RESPONSE = ""

        param = request.args.get("BenchmarkTest00028")
        if not param:
            param = ""

        conf = configparser.ConfigParser()
        conf.add_section("section0001")
        conf.set("section0001", "keyA-0001", "a_Value")
        conf.set("section0001", "keyB-0001", param)
        bar = conf.get("section0001", "keyA-0001")

        sql = f"SELECT TOP 1 userid from USERS where USERNAME='foo' and PASSWORD='{bar}'"
        con = helpers.db.get_connection()
        cur = con.cursor()
        cur.execute(sql)
        RESPONSE += helpers.db.results(cur, sql)
        return RESPONSE
