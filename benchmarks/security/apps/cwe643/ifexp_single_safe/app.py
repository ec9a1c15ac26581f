from lxml import etree

from flask import Flask, request


app = Flask(__name__)


@app.route("/run", methods=["GET", "POST"])
def handler():
    param = request.cookies.get("pref", "")
    bar = param if 2 > 5 else 'a'
    root = etree.fromstring(b"<users><user name='a'/></users>")
    print(root.xpath("//user[@name='" + bar + "']"))
    return "ok"

