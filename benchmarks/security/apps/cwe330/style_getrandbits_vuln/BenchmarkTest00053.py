import hashlib
import random
import secrets

import flask
from flask import request


def init(app):
    @app.route('/benchmark/330/BenchmarkTest00053', methods=['POST'])
    def BenchmarkTest00053_post():
        RESPONSE = ""
        remember_me_key = str(random.getrandbits(64))
        cookie_name = 'rememberMe00053'
        flask.session[cookie_name] = remember_me_key
        response = flask.make_response(RESPONSE)
        response.set_cookie(cookie_name, remember_me_key, secure=True, httponly=True)
        return response
