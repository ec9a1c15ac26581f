"""Helpers the views call."""

from flask import session


def process(value):
    session["user"] = value
    return "ok"

