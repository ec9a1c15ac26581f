import hashlib
import random
import secrets

import flask
from flask import request


def init(app):
    @app.route('/benchmark/614/BenchmarkTest00055', methods=['POST'])
    def BenchmarkTest00055_post():
        RESPONSE = ""
        response = flask.make_response(RESPONSE)
        response.set_cookie("SomeCookie", "v", secure=True, httponly=True, path=request.path)
        return response
