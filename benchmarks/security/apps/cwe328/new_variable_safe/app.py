import hashlib

from flask import Flask, request

app = Flask(__name__)


@app.route('/sign', methods=['POST'])
def sign():
    algorithm = 'sha512'
    h = hashlib.new(algorithm)
    h.update(request.get_data())
    return h.hexdigest()
