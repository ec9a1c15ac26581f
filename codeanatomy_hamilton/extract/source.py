"""Turning file bytes into something ``ast`` can parse, with specific errors.

CPython decodes source by PEP 263 (BOM, coding cookie, UTF-8 default). We decode the
same way, so that text props are right, and re-encode to UTF-8 because ``ast`` column
offsets are byte offsets into the UTF-8 form of each line.
"""

from __future__ import annotations

import codecs
import io
import re
import tokenize
from dataclasses import dataclass

# every ``extract_errors.error_kind`` (README lists them): the one vocabulary of reasons
# a file is not (fully) analysed
ERROR_KINDS = (
    "syntax_error",  # CPython refuses the file
    "python2_syntax",  # ... and it looks like Python 2
    "newer_syntax",  # needs a newer Python than the one running
    "decode_error",  # bytes that the declared (or default UTF-8) encoding cannot decode
    "unknown_encoding",  # a coding cookie naming no codec, or a codec that is not text
    "null_bytes",
    "parse_error",  # ast.parse failed otherwise (ValueError, MemoryError)
    "too_deep",  # nesting beyond the recursion limit
    "too_large",  # over the size limit, or more nodes than an id can address
    "symlink",  # a symlink inside the repository (its target is analysed on its own)
    "symlink_outside_repo",
    "not_regular_file",  # a FIFO, socket or device named *.py (never opened)
    "unreadable",  # an OS error reading the file
    "id_collision",  # its node-id range collides with another path's (see ids)
    "pass_error",  # one analysis pass failed; the file's other rows are kept
)


# The per-file memory budget. Extraction's peak memory grows linearly with a file's
# tokens, about 1.6-2.5 KB per token (benchmarks/bench_memory.py; ``ast.parse`` alone
# takes ~0.6 KB per source byte of dense code), so the 20 MB size limit alone would
# allow a 30 GB peak for a generated module of short lines. A file over
# MAX_FILE_TOKENS (about 2.5 GB of peak memory per worker) is one ``too_large`` row,
# refused before it is parsed. Tokens are estimated by a regex (words and single
# punctuation; words inside strings count too, so it over-estimates), only for files
# over TOKEN_CHECK_BYTES: smaller files stay well inside the budget.
MAX_FILE_TOKENS = 1_000_000
TOKEN_CHECK_BYTES = 256 * 1024
_TOKEN_RE = re.compile(rb"\w+|[^\w\s]")


def over_token_budget(data: bytes) -> SourceError | None:
    """A ``too_large`` error for a file over the token budget, else None."""
    if len(data) <= TOKEN_CHECK_BYTES:
        return None
    tokens = 0
    for tokens, _ in enumerate(_TOKEN_RE.finditer(data), 1):
        if tokens > MAX_FILE_TOKENS:
            return SourceError(
                "too_large",
                f"more than {MAX_FILE_TOKENS:,} tokens ({len(data):,} bytes): over the "
                "per-file memory budget",
            )
    return None


@dataclass(frozen=True)
class SourceError:
    """Why a file could not be analysed (one ``extract_errors`` row; kinds above)."""

    error_kind: str
    message: str
    line: int | None = None


@dataclass(frozen=True)
class DecodedSource:
    text: str
    utf8: bytes
    encoding: str


_PY2_HINTS = (
    "Missing parentheses in call to 'print'",
    "Missing parentheses in call to 'exec'",
    "multiple exception types must be parenthesized",
)
_PY2_LINE = re.compile(
    rb"^\s*(print\s+[^(=\s]|exec\s+[\"'\w]|raise\s+\w+\s*,|except\s+[\w.]+\s*,\s*\w+\s*:)",
    re.M,
)


def decode_source(data: bytes) -> DecodedSource | SourceError:
    """Decode per PEP 263; a clear error for null bytes, bad cookies, bad bytes."""
    if b"\x00" in data:
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        return SourceError("null_bytes", "source contains a null byte", line)
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as exc:
        msg = str(exc)
        kind = "unknown_encoding" if "unknown encoding" in msg else "decode_error"
        return SourceError(kind, msg, getattr(exc, "lineno", None))
    # a cookie may name a bytes-to-bytes codec (rot13, hex, base64, zlib, ...): those
    # are no text encodings, and CPython refuses them too; never decode with one
    try:
        text_codec = codecs.lookup(encoding)._is_text_encoding  # type: ignore[attr-defined]
    except LookupError:
        text_codec = False
    if not text_codec:
        return SourceError(
            "unknown_encoding", f"coding cookie names {encoding!r}, not a text encoding", 1
        )
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return SourceError(
            "decode_error",
            f"cannot decode as {encoding}: {exc.reason} at byte {exc.start}",
            line,
        )
    except (UnicodeError, LookupError, ValueError, TypeError) as exc:
        # text codecs that cannot decode at all (``undefined``) or fail oddly
        return SourceError("decode_error", f"cannot decode as {encoding}: {exc}", 1)
    if text.startswith("\ufeff"):
        text = text[1:]
    if encoding in ("utf-8", "utf-8-sig") and not data.startswith(b"\xef\xbb\xbf"):
        utf8 = data
    else:
        utf8 = text.encode("utf-8", "surrogatepass")
    return DecodedSource(text, utf8, encoding)


def classify_syntax_error(exc: SyntaxError, data: bytes) -> SourceError:
    """A SyntaxError as an error row; Python 2 sources get their own kind."""
    msg = exc.msg or str(exc)
    line = exc.lineno
    kind = "syntax_error"
    lines = data.splitlines()
    bad_line = lines[line - 1] if line and 0 < line <= len(lines) else b""
    if any(h in msg for h in _PY2_HINTS) or _PY2_LINE.search(bad_line):
        kind = "python2_syntax"
    where = f" (line {line}, column {exc.offset})" if line else ""
    return SourceError(kind, f"{msg}{where}", line)
