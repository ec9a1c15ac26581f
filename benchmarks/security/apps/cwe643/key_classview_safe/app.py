from lxml import etree

from flask import Flask, request
from flask.views import MethodView


app = Flask(__name__)


class ItemView(MethodView):
    def post(self):
        param = request.args.get("q", "")
        choices = {"default": 'a', "user": param}
        bar = choices["default"]
        root = etree.fromstring(b"<users><user name='a'/></users>")
        print(root.xpath("//user[@name='" + bar + "']"))
        return "ok"


app.add_url_rule("/items", view_func=ItemView.as_view("items"))

