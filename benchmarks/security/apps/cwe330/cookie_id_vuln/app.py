import random

from flask import Flask, make_response

app = Flask(__name__)


@app.route('/visit')
def visit():
    resp = make_response('hi')
    visitor_id = random.randint(100000, 999999)
    resp.set_cookie('visitor', str(visitor_id), secure=True, httponly=True)
    return resp
