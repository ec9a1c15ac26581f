import hashlib
import random
import secrets

import flask
from flask import request


def init(app):
    @app.route('/benchmark/328/BenchmarkTest00051', methods=['POST'])
    def BenchmarkTest00051_post():
        RESPONSE = ""
        alg = "MD5"
        hash1 = hashlib.new(alg)
        hash1.update(request.args.get('x', '').encode())
        RESPONSE += hash1.hexdigest()
        return RESPONSE
