from lxml import etree

from flask import Blueprint

from .config import ALLOWED, DEFAULTS
api = Blueprint("api", __name__)


@api.route("/items/<name>")
def show_item(name):
    param = name
    settings = {"fallback": DEFAULTS["611"], "user": param}
    bar = settings["fallback"]
    parser = etree.XMLParser(resolve_entities=True)
    doc = etree.fromstring(bar.encode(), parser)
    print(doc.tag)
    return "ok"

