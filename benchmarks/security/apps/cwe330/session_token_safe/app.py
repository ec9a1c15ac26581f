import random
import secrets

from flask import Flask, session

app = Flask(__name__)


@app.route('/login')
def login():
    token = secrets.token_hex(16)
    session['remember_me'] = token
    colour = random.choice(['red', 'blue'])
    return colour
