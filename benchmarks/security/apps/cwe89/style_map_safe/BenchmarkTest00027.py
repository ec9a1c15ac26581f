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
    @app.route('/benchmark/89/BenchmarkTest00027', methods=['GET'])
    def BenchmarkTest00027_get():
        return BenchmarkTest00027_post()

    @app.route('/benchmark/89/BenchmarkTest00027', methods=['POST'])
    def BenchmarkTest00027_post():
        RESPONSE = ""

        query_string = request.query_string.decode("utf-8")
        loc = query_string.find("BenchmarkTest00027=")
        param = query_string[loc + 14:]
        amp = param.find("&")
        if amp != -1:
            param = param[:amp]
        param = urllib.parse.unquote_plus(param)

        map2 = {}
        map2["keyA-0001"] = "a-Value"
        map2["keyB-0001"] = param
        map2["keyC"] = "another-Value"
        bar = map2["keyA-0001"]

        sql = f"SELECT TOP 1 userid from USERS where USERNAME='foo' and PASSWORD='{bar}'"
        con = helpers.db.get_connection()
        cur = con.cursor()
        cur.execute(sql)
        RESPONSE += helpers.db.results(cur, sql)
        return RESPONSE
