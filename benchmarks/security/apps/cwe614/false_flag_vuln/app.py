from flask import Flask, make_response

app = Flask(__name__)


@app.route('/login')
def login():
    resp = make_response('welcome')
    resp.set_cookie('sid', 'abc', secure=False)
    return resp
