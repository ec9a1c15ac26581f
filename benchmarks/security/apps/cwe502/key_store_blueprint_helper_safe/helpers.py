"""Helpers the views call."""

import pickle


def process(value):
    obj = pickle.loads(value)
    print(obj)
    return "ok"

