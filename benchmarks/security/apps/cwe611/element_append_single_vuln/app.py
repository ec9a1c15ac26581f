from lxml import etree

from flask import Flask, request


app = Flask(__name__)


@app.route("/run", methods=["GET", "POST"])
def handler():
    param = request.cookies.get("pref", "")
    parts = []
    parts.append(param)
    parts.append('<a/>')
    bar = parts[0]
    parser = etree.XMLParser(resolve_entities=True)
    doc = etree.fromstring(bar.encode(), parser)
    print(doc.tag)
    return "ok"

