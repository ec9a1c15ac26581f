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
    @app.route('/benchmark/89/BenchmarkTest00026', methods=['GET'])
    def BenchmarkTest00026_get():
        return BenchmarkTest00026_post()

    @app.route('/benchmark/89/BenchmarkTest00026', methods=['POST'])
    def BenchmarkTest00026_post():
        RESPONSE = ""

        map1 = request.form.to_dict()
        param = ""
        if map1:
            param = map1.get("BenchmarkTest00026")

        num = 86
        if (7 * 42) - num > 200:
            bar = param
        else:
            bar = "This_should_always_happen"

        sql = f"SELECT TOP 1 userid from USERS where USERNAME='foo' and PASSWORD='{bar}'"
        con = helpers.db.get_connection()
        cur = con.cursor()
        cur.execute(sql)
        RESPONSE += helpers.db.results(cur, sql)
        return RESPONSE
