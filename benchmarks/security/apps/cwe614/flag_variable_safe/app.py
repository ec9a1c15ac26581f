from flask import Flask, make_response

app = Flask(__name__)
USE_TLS = True


@app.route('/login')
def login():
    resp = make_response('welcome')
    secure_flag = USE_TLS
    resp.set_cookie('sid', 'abc', secure=secure_flag, httponly=True)
    return resp
