import hashlib
import random
import secrets

import flask
from flask import request


def init(app):
    @app.route('/benchmark/614/BenchmarkTest00056', methods=['POST'])
    def BenchmarkTest00056_post():
        RESPONSE = ""
        response = flask.make_response(RESPONSE)
        response.set_cookie("SomeCookie", "v", secure=True, httponly=True, path=request.path)
        return response
