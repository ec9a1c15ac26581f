from lxml import etree

from flask import Flask, request


app = Flask(__name__)


@app.route("/run", methods=["GET", "POST"])
def handler():
    param = request.get_json(force=True).get("value", "")
    choices = {"default": '<a/>', "user": param}
    bar = choices["default"]
    parser = etree.XMLParser(resolve_entities=True)
    doc = etree.fromstring(bar.encode(), parser)
    print(doc.tag)
    return "ok"

