"""Helpers the views call."""

from flask import redirect


def process(value):
    return redirect(value)

