from lxml import etree

from flask import Flask, request


app = Flask(__name__)


@app.route("/run", methods=["GET", "POST"])
def handler():
    param = request.args.get("q", "")
    num = 386
    bar = 'a' if (7 * 42) - num > 200 else param
    root = etree.fromstring(b"<users><user name='a'/></users>")
    print(root.xpath("//user[@name='" + bar + "']"))
    return "ok"

