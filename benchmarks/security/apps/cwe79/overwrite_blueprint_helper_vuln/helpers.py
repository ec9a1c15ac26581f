"""Helpers the views call."""


def process(value):
    return "<p>Hello " + value + "</p>"

