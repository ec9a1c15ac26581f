"""Files of named binary sections behind a small header, written atomically.

The fragment store (one file per source file), the summary pack, the kept interner and
the kept resolution share this layout: a 4-byte magic, the header's length (u64) and
the CRC-32 of the header (u32), a JSON header (``{"sections": {name: [offset, length,
crc32]}, ...plain extras}``), then the sections back to back (Arrow IPC streams,
pickles). A file is accepted only whole: its size must be the header's end, so a file
cut short anywhere is rejected, and every section is checked against its CRC-32 when
it is read, so a flipped bit (a bad disk, a stray write) is a rejected file (a cache
miss), never rows in the graph, never a crash of the Arrow or pickle reader.
CRC-32 (zlib) runs at ~2 GB/s here: ~1 ms per 2 MB section read.

Writes go to a temporary name next to the target (``<target>.<pid>.tmp``), then a
rename, so a killed writer never leaves a torn file, only a temporary one
(``FragmentStore.prune`` removes those); a write that fails (a full disk) removes its
temporary file and raises ``CacheWriteError`` naming the target.
"""

from __future__ import annotations

import errno
import json
import os
import struct
import zlib
from collections.abc import Mapping
from typing import Any, BinaryIO

import pyarrow as pa

_HEAD = struct.Struct("<4sQI")
# explicit options: without them every writer reads two environment variables
_WRITE_OPTIONS = pa.ipc.IpcWriteOptions()


class BadFile(ValueError):
    """Not a whole, intact sectioned file of the expected kind."""


class CacheWriteError(OSError):
    """A cache file could not be written (disk full, read-only folder); the message is
    one line naming the file (and survives pickling to the driver of a worker)."""

    def __init__(self, message: str, code: int = 0) -> None:
        super().__init__(message)
        self.errno = code or None


def write_error(exc: OSError, target: str) -> CacheWriteError:
    """``exc`` as one line naming ``target`` (``no space left on device writing ...``)."""
    if exc.errno == errno.ENOSPC:
        what = "no space left on device"
    else:
        what = (exc.strerror or str(exc)).lower()
    return CacheWriteError(f"{what} writing {target}", exc.errno or 0)


def remove_quietly(path: str) -> None:
    """Deletes a damaged or partial cache file; gone already or undeletable is fine
    (a read-only cache is read again, and rejected again, by the next build)."""
    try:
        os.remove(path)
    except OSError:
        pass


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
        table[name] = [offset, n, zlib.crc32(data)]
        offset += n
    head = json.dumps({**(extra or {}), "sections": table}).encode()
    tmp = f"{target}.{os.getpid()}.tmp"
    try:
        os.makedirs(os.path.dirname(target) or ".", exist_ok=True)
        with open(tmp, "wb") as fh:
            fh.write(_HEAD.pack(magic, len(head), zlib.crc32(head)))
            fh.write(head)
            for data in sections.values():
                fh.write(data)
        os.replace(tmp, target)
    except OSError as exc:
        remove_quietly(tmp)
        raise write_error(exc, target) from exc


def _parse(head: bytes, raw: bytes, size: int, magic: bytes) -> tuple[int, dict[str, Any]]:
    if len(head) != _HEAD.size:
        raise BadFile("file cut short")
    found, length, crc = _HEAD.unpack(head)
    if found != magic:
        raise BadFile(f"not a {magic!r} file")
    if len(raw) != length:
        raise BadFile("header cut short")
    if zlib.crc32(raw) != crc:
        raise BadFile("header checksum mismatch")
    try:
        header = json.loads(raw)
        sections = header["sections"]
        end = max((off + n for off, n, _ in sections.values()), default=0)
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


def _checked(name: str, data: Any, crc: int) -> None:
    if zlib.crc32(data) != crc:
        raise BadFile(f"section {name!r}: checksum mismatch")


def read_section(fh: BinaryIO, start: int, header: dict[str, Any], name: str) -> bytes:
    """The bytes of section ``name`` of the open file ``fh``, checked."""
    off, n, crc = header["sections"][name]
    fh.seek(start + off)
    data = fh.read(n)
    _checked(name, data, crc)
    return data


def map_file(path: str, magic: bytes) -> tuple[dict[str, Any], dict[str, pa.Buffer]]:
    """The header and every section of ``path``, memory-mapped (zero-copy slices),
    each checked."""
    buf = pa.memory_map(path, "r").read_buffer()
    head = buf.slice(0, min(_HEAD.size, buf.size)).to_pybytes()
    length = _HEAD.unpack(head)[1] if len(head) == _HEAD.size else 0
    raw = (
        buf.slice(_HEAD.size, min(length, buf.size - _HEAD.size)).to_pybytes()
        if buf.size >= _HEAD.size
        else b""
    )
    start, header = _parse(head, raw, buf.size, magic)
    out = {}
    for name, (off, n, crc) in header["sections"].items():
        out[name] = buf.slice(start + off, n)
        _checked(name, out[name], crc)
    return header, out
