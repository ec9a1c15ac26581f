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
    @app.route('/benchmark/89/BenchmarkTest00029', methods=['GET'])
    def BenchmarkTest00029_get():
        return BenchmarkTest00029_post()

    @app.route('/benchmark/89/BenchmarkTest00029', methods=['POST'])
    def BenchmarkTest00029_post():
        RESPONSE = ""

        values = request.form.getlist("BenchmarkTest00029")
        param = ""
        if values:
            param = values[0]

        possible = "ABC"
        guess = possible[0]
        match guess:
            case "A":
                bar = param
            case "B":
                bar = "bob"
            case "C" | "D":
                bar = param
            case _:
                bar = "bob's your uncle"

        sql = f"SELECT TOP 1 userid from USERS where USERNAME='foo' and PASSWORD='{bar}'"
        con = helpers.db.get_connection()
        cur = con.cursor()
        cur.execute(sql)
        RESPONSE += helpers.db.results(cur, sql)
        return RESPONSE
