import pickle

from flask import Flask, request
from flask.views import MethodView


app = Flask(__name__)


class ItemView(MethodView):
    def post(self):
        param = request.get_data()
        bar = param if 7 > 5 else b'.'
        obj = pickle.loads(bar)
        print(obj)
        return "ok"


app.add_url_rule("/items", view_func=ItemView.as_view("items"))

