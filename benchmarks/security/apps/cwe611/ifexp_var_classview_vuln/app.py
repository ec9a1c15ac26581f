from lxml import etree

from flask import Flask, request
from flask.views import MethodView


app = Flask(__name__)


class ItemView(MethodView):
    def post(self):
        param = request.get_json(force=True).get("value", "")
        num = 386
        bar = '<a/>' if (7 * 42) - num > 200 else param
        parser = etree.XMLParser(resolve_entities=True)
        doc = etree.fromstring(bar.encode(), parser)
        print(doc.tag)
        return "ok"


app.add_url_rule("/items", view_func=ItemView.as_view("items"))

