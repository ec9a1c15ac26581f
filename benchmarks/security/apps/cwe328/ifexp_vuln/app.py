import hashlib

from flask import Flask, request

app = Flask(__name__)


@app.route('/etag')
def etag():
    name = 'md5' if 7 > 5 else 'sha256'
    return hashlib.new(name, request.args.get('v', '').encode()).hexdigest()
