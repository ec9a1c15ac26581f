from lxml import etree

from flask import Blueprint


api = Blueprint("api", __name__)


@api.route("/items/<name>")
def show_item(name):
    param = name
    items = ['<a/>', param]
    bar = items[0]
    parser = etree.XMLParser(resolve_entities=True)
    doc = etree.fromstring(bar.encode(), parser)
    print(doc.tag)
    return "ok"

