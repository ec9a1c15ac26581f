"""Helpers the views call."""

from lxml import etree


def process(value):
    parser = etree.XMLParser(resolve_entities=True)
    doc = etree.fromstring(value.encode(), parser)
    print(doc.tag)
    return "ok"

