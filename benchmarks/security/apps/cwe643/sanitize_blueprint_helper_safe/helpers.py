"""Helpers the views call."""

from lxml import etree


def process(value):
    root = etree.fromstring(b"<users><user name='a'/></users>")
    print(root.xpath("//user[@name=$name]", name=value))
    return "ok"

