"""Helpers the views call."""


def process(value):
    result = eval("2 * " + value)
    print(result)
    return "ok"

