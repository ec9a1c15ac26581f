# -*- coding: latin-1 -*-
"""Legacy labels, stored in latin-1."""

LABELS = {"cafe": "café", "creme": "crème brûlée"}


def label(key):
    return LABELS.get(key, key)
