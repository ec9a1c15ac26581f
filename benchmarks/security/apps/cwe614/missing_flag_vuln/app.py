from flask import Flask, make_response, request

app = Flask(__name__)


@app.route('/prefs', methods=['POST'])
def prefs():
    resp = make_response('saved')
    resp.set_cookie('theme', request.form.get('theme', 'light'), httponly=True)
    return resp
