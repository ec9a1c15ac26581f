from lxml import etree

from flask import Blueprint


api = Blueprint("api", __name__)


@api.route("/items/<name>")
def show_item(name):
    param = name
    limit = 40
    if limit * 3 > 100:
        bar = param
    else:
        bar = 'a'
    root = etree.fromstring(b"<users><user name='a'/></users>")
    print(root.xpath("//user[@name='" + bar + "']"))
    return "ok"

