import hashlib

from flask import Flask, request

app = Flask(__name__)


@app.route('/digest', methods=['POST'])
def digest():
    data = request.get_data()
    return hashlib.sha256(data).hexdigest()
