"""Files of named binary sections behind a small header, written atomically.

The fragment store (one file per source file), the summary pack and the kept
resolution share this layout: a 4-byte magic, the header's length (u64), a JSON header
(``{"sections": {name: [offset, length]}, ...plain extras}``), then the sections back
to back (Arrow IPC streams, pickles). A file is accepted only whole: its size must be
the header's end, so a file cut short anywhere is rejected. Writes go to a temporary
name next to the target (``<target>.<pid>.tmp``), then a rename, so a killed writer
never leaves a torn file, only a temporary one (``FragmentStore.prune`` removes those).
"""

from __future__ import annotations

import json
import os
import struct
from collections.abc import Mapping
from typing import Any, BinaryIO

import pyarrow as pa

_HEAD = struct.Struct("<4sQ")
# explicit options: without them every writer reads two environment variables
_WRITE_OPTIONS = pa.ipc.IpcWriteOptions()


class BadFile(ValueError):
    """Not a whole sectioned file of the expected kind."""


def ipc_bytes(data: pa.Table | pa.RecordBatch) -> pa.Buffer:
    """``data`` as one Arrow IPC stream."""
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, data.schema, options=_WRITE_OPTIONS) as writer:
        if isinstance(data, pa.Table):
            writer.write_table(data)
        else:
            writer.write_batch(data)
    return sink.getvalue()


def write(
    target: str,
    magic: bytes,
    sections: Mapping[str, bytes | pa.Buffer],
    extra: Mapping[str, Any] | None = None,
) -> None:
    """Writes ``sections`` (in order) and ``extra`` (JSON-able) to ``target`` atomically."""
    table: dict[str, list[int]] = {}
    offset = 0
    for name, data in sections.items():
        n = data.size if isinstance(data, pa.Buffer) else len(data)
        table[name] = [offset, n]
        offset += n
    head = json.dumps({**(extra or {}), "sections": table}).encode()
    os.makedirs(os.path.dirname(target) or ".", exist_ok=True)
    tmp = f"{target}.{os.getpid()}.tmp"
    with open(tmp, "wb") as fh:
        fh.write(_HEAD.pack(magic, len(head)))
        fh.write(head)
        for data in sections.values():
            fh.write(data)
    os.replace(tmp, target)


def _parse(head: bytes, raw: bytes, size: int, magic: bytes) -> tuple[int, dict[str, Any]]:
    if len(head) != _HEAD.size:
        raise BadFile("file cut short")
    found, length = _HEAD.unpack(head)
    if found != magic:
        raise BadFile(f"not a {magic!r} file")
    if len(raw) != length:
        raise BadFile("header cut short")
    try:
        header = json.loads(raw)
        sections = header["sections"]
        end = max((off + n for off, n in sections.values()), default=0)
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise BadFile(f"unreadable header: {exc}") from exc
    start = _HEAD.size + length
    if size != start + end:
        raise BadFile("file has the wrong size")
    return start, header


def read_header(fh: BinaryIO, magic: bytes) -> tuple[int, dict[str, Any]]:
    """Offset of the first section and the header of the open file ``fh``."""
    size = os.fstat(fh.fileno()).st_size
    head = fh.read(_HEAD.size)
    length = _HEAD.unpack(head)[1] if len(head) == _HEAD.size else 0
    # never more than the file holds (a garbled length must not allocate gigabytes)
    raw = fh.read(min(length, max(size - _HEAD.size, 0)))
    return _parse(head, raw, size, magic)


def read_section(fh: BinaryIO, start: int, header: dict[str, Any], name: str) -> bytes:
    """The bytes of section ``name`` of the open file ``fh``."""
    off, n = header["sections"][name]
    fh.seek(start + off)
    return fh.read(n)


def map_file(path: str, magic: bytes) -> tuple[dict[str, Any], dict[str, pa.Buffer]]:
    """The header and every section of ``path``, memory-mapped (zero-copy slices)."""
    buf = pa.memory_map(path, "r").read_buffer()
    head = buf.slice(0, min(_HEAD.size, buf.size)).to_pybytes()
    length = _HEAD.unpack(head)[1] if len(head) == _HEAD.size else 0
    raw = (
        buf.slice(_HEAD.size, min(length, buf.size - _HEAD.size)).to_pybytes()
        if buf.size >= _HEAD.size
        else b""
    )
    start, header = _parse(head, raw, buf.size, magic)
    return header, {
        name: buf.slice(start + off, n) for name, (off, n) in header["sections"].items()
    }
