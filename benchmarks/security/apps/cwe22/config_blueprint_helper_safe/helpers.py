"""Helpers the views call."""

import os


def process(value):
    with open(os.path.join("/srv/reports", value)) as fh:
        print(fh.read())
    return "ok"

