"""Turning file bytes into something ``ast`` can parse, with specific errors.

CPython decodes source by PEP 263 (BOM, coding cookie, UTF-8 default). We decode the
same way, so that text props are right, and re-encode to UTF-8 because ``ast`` column
offsets are byte offsets into the UTF-8 form of each line.
"""

from __future__ import annotations

import codecs
import io
import re
import sys
import tokenize
from dataclasses import dataclass

from codeanatomy_hamilton.core.errors import SourceError

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
    if encoding in ("utf-8", "utf-8-sig") and not data.startswith(b"\xef\xbb\xbf"):
        utf8 = data
    else:
        utf8 = text.encode("utf-8", "surrogatepass")
    return DecodedSource(text, utf8, encoding)


# string prefixes of PEP 750 template strings (3.14), any case, raw or not
_T_PREFIXES = frozenset(("t", "tr", "rt"))
# ``except A, B:`` / ``except* A, B, C:`` without parentheses (PEP 758, 3.14): the
# exception list up to the colon, no ``as`` (3.14 still wants parentheses with ``as``)
_EXCEPT_LIST = re.compile(rb"^\s*except\s*(\*?)\s*([^:()\[\]]*?)\s*:", re.M)
_DOTTED = re.compile(r"^[A-Za-z_][\w.]*$")


def _t_string_line(data: bytes, upto: int) -> int | None:
    """Line of the first t-string (a ``t``/``tr``/``rt`` NAME token touching a STRING
    token, as a pre-3.14 tokenizer splits it) on lines ``1..upto``."""
    prev = None
    try:
        for tok in tokenize.tokenize(io.BytesIO(data).readline):
            if tok.start[0] > upto:
                break
            if (
                tok.type == tokenize.STRING
                and prev is not None
                and prev.type == tokenize.NAME
                and prev.string.lower() in _T_PREFIXES
                and prev.end == tok.start
            ):
                return prev.start[0]
            prev = tok
    except (tokenize.TokenError, SyntaxError, UnicodeDecodeError):
        return None
    return None


def newer_feature(msg: str, bad_line: bytes, line: int | None, data: bytes) -> str | None:
    """The newer-Python feature a SyntaxError points at, if it can be told."""
    if sys.version_info < (3, 14):
        if line and _t_string_line(data, line) is not None:
            return "template string literal (t-string t'...', PEP 750, Python 3.14)"
        if "multiple exception types must be parenthesized" in msg:
            m = _EXCEPT_LIST.match(bad_line)
            if m is not None and b" as " not in m.group(2) + b" ":
                star = m.group(1)
                items = [x.strip().decode("utf-8", "replace") for x in m.group(2).split(b",")]
                if all(_DOTTED.match(x) for x in items):
                    # Python 2's ``except E, name:`` binds a lowercase name; a list of
                    # three or more, ``except*``, or a second class-like item is PEP 758
                    last = items[-1]
                    if star or len(items) > 2 or "." in last or last[:1].isupper():
                        return "unparenthesized except list 'except A, B:' (PEP 758, Python 3.14)"
    return None


def classify_syntax_error(exc: SyntaxError, data: bytes) -> SourceError:
    """A SyntaxError as an error row; Python 2 sources and sources that need a newer
    Python than the running one get their own kinds."""
    msg = exc.msg or str(exc)
    line = exc.lineno
    kind = "syntax_error"
    lines = data.splitlines()
    bad_line = lines[line - 1] if line and 0 < line <= len(lines) else b""
    where = f" (line {line}, column {exc.offset})" if line else ""
    feature = newer_feature(msg, bad_line, line, data)
    if feature is not None:
        running = f"{sys.version_info.major}.{sys.version_info.minor}"
        return SourceError(
            "newer_syntax", f"{feature}: not supported by Python {running}: {msg}{where}", line
        )
    if any(h in msg for h in _PY2_HINTS) or _PY2_LINE.search(bad_line):
        kind = "python2_syntax"
    return SourceError(kind, f"{msg}{where}", line)
