from lxml import etree

from flask import Flask, request
from flask.views import MethodView


app = Flask(__name__)


class ItemView(MethodView):
    def post(self):
        param = request.get_json(force=True).get("value", "")
        parts = []
        parts.append(param)
        parts.append('a')
        bar = parts[1]
        root = etree.fromstring(b"<users><user name='a'/></users>")
        print(root.xpath("//user[@name='" + bar + "']"))
        return "ok"


app.add_url_rule("/items", view_func=ItemView.as_view("items"))

