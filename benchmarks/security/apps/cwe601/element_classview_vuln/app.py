from flask import Flask, redirect, request
from flask.views import MethodView


app = Flask(__name__)


class ItemView(MethodView):
    def post(self):
        param = request.values.get("v", "")
        items = ['/home', param]
        bar = items[1]
        return redirect(bar)


app.add_url_rule("/items", view_func=ItemView.as_view("items"))

