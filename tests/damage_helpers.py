"""Damage done to a sectioned cache file (``sectioned``) in the ways a disk or a killed
writer can: the tests check that every one only costs speed, never rows."""

from __future__ import annotations

import os
import struct

_HEAD = struct.Struct("<4sQ")


def garbled_body(data: bytes) -> bytes:
    """The file with its magic and header intact and every section byte inverted: it
    passes every size and header check, so only reading the sections can reject it."""
    start = _HEAD.size + _HEAD.unpack(data[: _HEAD.size])[1]
    return data[:start] + bytes(b ^ 0xFF for b in data[start:])


def damaged(data: bytes, how: str, magic: bytes) -> bytes:
    """``data`` damaged: ``truncate`` (cut in half), ``garbage`` (the right magic, then
    random bytes), ``body`` (see ``garbled_body``) or ``empty``."""
    if how == "truncate":
        return data[: len(data) // 2]
    if how == "garbage":
        return magic + os.urandom(300)
    if how == "body":
        return garbled_body(data)
    if how == "empty":
        return b""
    raise AssertionError(how)
