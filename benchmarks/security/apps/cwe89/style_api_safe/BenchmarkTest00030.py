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
    @app.route('/benchmark/89/BenchmarkTest00030', methods=['GET'])
    def BenchmarkTest00030_get():
        return BenchmarkTest00030_post()

    @app.route('/benchmark/89/BenchmarkTest00030', methods=['POST'])
    def BenchmarkTest00030_post():
        RESPONSE = ""

        param = request.headers.get("BenchmarkTest00030")
        param = urllib.parse.unquote(param)

        bar = param

        sql = "SELECT TOP 1 userid from USERS where USERNAME='foo' and PASSWORD=?"
        con = helpers.db.get_connection()
        cur = con.cursor()
        cur.execute(sql, (bar,))
        RESPONSE += helpers.db.results(cur, sql)
        return RESPONSE
