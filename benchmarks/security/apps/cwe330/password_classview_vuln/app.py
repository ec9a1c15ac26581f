import random

from flask import Flask, jsonify
from flask.views import MethodView

app = Flask(__name__)


class NewUser(MethodView):
    def post(self):
        password = '%08d' % random.getrandbits(26)
        return jsonify(password=password)


app.add_url_rule('/users', view_func=NewUser.as_view('users'))
