import random

from flask import Flask, session

app = Flask(__name__)


@app.route('/login')
def login():
    token = str(random.random())[2:]
    session['remember_me'] = token
    return 'ok'
