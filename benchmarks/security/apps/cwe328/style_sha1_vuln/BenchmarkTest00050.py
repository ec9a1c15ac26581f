import hashlib
import random
import secrets

import flask
from flask import request


def init(app):
    @app.route('/benchmark/328/BenchmarkTest00050', methods=['POST'])
    def BenchmarkTest00050_post():
        RESPONSE = ""
        hash1 = hashlib.sha1()
        hash1.update(request.args.get('x', '').encode())
        RESPONSE += hash1.hexdigest()
        return RESPONSE
