from lxml import etree

from flask import Blueprint


api = Blueprint("api", __name__)


@api.route("/items/<name>")
def show_item(name):
    param = name
    table = {}
    table["keyA"] = 'a'
    table["keyB"] = param
    bar = table.get("keyB")
    root = etree.fromstring(b"<users><user name='a'/></users>")
    print(root.xpath("//user[@name='" + bar + "']"))
    return "ok"

