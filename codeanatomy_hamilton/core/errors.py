"""Why a file could not be analysed: one ``extract_errors`` row. Scanning (symlinks,
size, id collisions) and extraction (decoding, parsing, passes) both make them."""

from __future__ import annotations

from dataclasses import dataclass

from codeanatomy_hamilton.core.vocabulary import ERROR_KINDS


@dataclass(frozen=True)
class SourceError:
    """Why a file could not be analysed (one ``extract_errors`` row of a kind in
    ``core.vocabulary.ERROR_KINDS``)."""

    error_kind: str
    message: str
    line: int | None = None

    def __post_init__(self) -> None:
        if self.error_kind not in ERROR_KINDS:
            raise ValueError(f"unknown error_kind {self.error_kind!r} (see ERROR_KINDS)")
