import hashlib
import random
import secrets

import flask
from flask import request


def init(app):
    @app.route('/benchmark/330/BenchmarkTest00052', methods=['POST'])
    def BenchmarkTest00052_post():
        RESPONSE = ""
        num = secrets.randbelow(10**12)
        remember_me_key = str(num)
        cookie_name = 'rememberMe00052'
        flask.session[cookie_name] = remember_me_key
        response = flask.make_response(RESPONSE)
        response.set_cookie(cookie_name, remember_me_key, secure=True, httponly=True)
        return response
