import random

from flask import Flask, jsonify
from flask.views import MethodView

app = Flask(__name__)


class NewUser(MethodView):
    def post(self):
        delay = random.getrandbits(4)
        print('backoff', delay)
        return jsonify(created=True)


app.add_url_rule('/users', view_func=NewUser.as_view('users'))
