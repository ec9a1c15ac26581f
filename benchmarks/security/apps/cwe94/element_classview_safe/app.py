from flask import Flask, request
from flask.views import MethodView


app = Flask(__name__)


class ItemView(MethodView):
    def post(self):
        param = request.headers.get("X-Target", "")
        items = ['21', param]
        bar = items[0]
        result = eval("2 * " + bar)
        print(result)
        return "ok"


app.add_url_rule("/items", view_func=ItemView.as_view("items"))

