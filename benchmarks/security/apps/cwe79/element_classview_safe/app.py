from flask import Flask, request
from flask.views import MethodView


app = Flask(__name__)


class ItemView(MethodView):
    def post(self):
        param = request.form["name"]
        items = ['world', param]
        bar = items[0]
        return "<p>Hello " + bar + "</p>"


app.add_url_rule("/items", view_func=ItemView.as_view("items"))

