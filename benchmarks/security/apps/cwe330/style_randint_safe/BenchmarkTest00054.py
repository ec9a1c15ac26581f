import hashlib
import random
import secrets

import flask
from flask import request


def init(app):
    @app.route('/benchmark/330/BenchmarkTest00054', methods=['POST'])
    def BenchmarkTest00054_post():
        RESPONSE = ""
        remember_me_key = secrets.token_hex(16)
        cookie_name = 'rememberMe00054'
        flask.session[cookie_name] = remember_me_key
        response = flask.make_response(RESPONSE)
        response.set_cookie(cookie_name, remember_me_key, secure=True, httponly=True)
        return response
