"""The sectioned file layout shared by fragments, the summary pack and the kept
resolution: round trip, atomic write, and every way of damaging a file is rejected."""

from __future__ import annotations

import os
import struct
from pathlib import Path

import pyarrow as pa
import pytest

from codeanatomy_hamilton.core import sectioned

MAGIC = b"TST1"
TABLE = pa.table({"a": [1, 2, 3], "b": ["x", None, "z"]})


def _write(path: Path) -> None:
    sectioned.write(
        str(path),
        MAGIC,
        {"blob": b"hello", "table": sectioned.ipc_bytes(TABLE)},
        {"digest": "abc", "n": 3},
    )


def test_round_trip_by_file_and_by_map(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "f.bin"
    _write(path)
    # written through a temporary name: nothing else is left in the folder
    assert os.listdir(path.parent) == ["f.bin"]
    with open(path, "rb") as fh:
        start, header = sectioned.read_header(fh, MAGIC)
        assert header["digest"] == "abc" and header["n"] == 3
        assert sectioned.read_section(fh, start, header, "blob") == b"hello"
        raw = sectioned.read_section(fh, start, header, "table")
    assert pa.ipc.open_stream(pa.py_buffer(raw)).read_all().equals(TABLE)
    header, sections = sectioned.map_file(str(path), MAGIC)
    assert sections["blob"].to_pybytes() == b"hello"
    assert pa.ipc.open_stream(sections["table"]).read_all().equals(TABLE)
    assert sectioned.ipc_bytes(TABLE.to_batches()[0]).size > 0


def _damage(data: bytes, how: str) -> bytes:
    length = struct.unpack("<4sQI", data[:16])[1]
    return {
        "empty": b"",
        "head_cut": data[:7],
        "bad_magic": b"XXXX" + data[4:],
        "header_cut": data[: 16 + length // 2],
        "bad_header": data[:16] + b"{" * length + data[16 + length :],
        "huge_length": data[:4] + struct.pack("<Q", 1 << 60) + data[12:],
        # one flipped bit in the header, in a section: the size is right, the checksums
        # are not
        "header_bit": data[:20] + bytes([data[20] ^ 0x04]) + data[21:],
        "section_bit": data[:-2] + bytes([data[-2] ^ 0x01]) + data[-1:],
        "sections_cut": data[:-3],
        "trailing": data + b"junk",
    }[how]


@pytest.mark.parametrize(
    "how",
    [
        "empty",
        "head_cut",
        "bad_magic",
        "header_cut",
        "bad_header",
        "huge_length",
        "header_bit",
        "section_bit",
        "sections_cut",
        "trailing",
    ],
)
def test_damaged_files_are_rejected(tmp_path: Path, how: str) -> None:
    path = tmp_path / "f.bin"
    _write(path)
    path.write_bytes(_damage(path.read_bytes(), how))
    with open(path, "rb") as fh, pytest.raises(sectioned.BadFile):
        start, header = sectioned.read_header(fh, MAGIC)
        for name in header["sections"]:
            sectioned.read_section(fh, start, header, name)
    with pytest.raises(sectioned.BadFile):
        sectioned.map_file(str(path), MAGIC)


def test_other_kind_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "f.bin"
    _write(path)
    with pytest.raises(sectioned.BadFile, match="not a"):
        sectioned.map_file(str(path), b"OTHR")
