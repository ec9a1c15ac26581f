"""Helpers the views call."""

import os
import subprocess


def process(value):
    subprocess.run("ping -c 1 " + value, shell=True, check=False)
    return "ok"

