"""Where things sit in a document's text, and the small pieces every format's reader shares.

A :class:`Span` records where one value (and its key) of a document starts;
:class:`Lines` turns character offsets into 1-based line and column
positions. :func:`decimal_number`, :func:`deep_offset` and :func:`empty_file`
are shared by the YAML, TOML and JSON readers.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from gradwork.documents import limits
from gradwork.documents.errors import ProblemError

DataPath = tuple[str | int, ...]


@dataclass(frozen=True)
class Position:
    line: int  # 1-based
    column: int  # 1-based


@dataclass(frozen=True)
class Span:
    """Where one value of the document sits in the text."""

    key: Position | None  # its key in the enclosing mapping; None for list items and the root
    value: Position  # the first character of the value (an opening quote included)
    content: Position  # the first character of a string's text (after any opening quote)
    content_exact: bool = True  # False where the text was folded or unescaped and columns may drift


START = Position(1, 1)


START = Position(1, 1)


class Lines:
    """Character offsets to (line, column) positions."""

    def __init__(self, text: str) -> None:
        self.starts = [0] + [i + 1 for i, c in enumerate(text) if c == "\n"]

    def __call__(self, offset: int) -> Position:
        line = bisect_right(self.starts, offset) - 1
        return Position(line + 1, offset - self.starts[line] + 1)


def empty_file(name: str) -> ProblemError:
    # Answers files and configs are read here too: the message names no kind of file.
    return ProblemError(name, 1, 1, "the file is empty", "a mapping with `layers:` or `graph:`")


def decimal_number(text: str, otherwise: Any = ...) -> Any:
    """A number's text as a Decimal (kept as written); past Decimal's range a float (inf or 0), or ``otherwise``.

    The text check refuses exponents this long before any parser runs; this only
    keeps Decimal's own exception from leaving a reader if that check is bypassed.
    """
    try:
        return Decimal(text)
    except InvalidOperation:
        if otherwise is not ...:
            return otherwise
        return float(text)


def deep_offset(text: str) -> int:
    """Where brackets first nest deeper than the depth limit (strings ignored: a rough place is enough)."""
    depth, limit = 0, limits.current().depth
    for offset, character in enumerate(text):
        if character in "[{":
            depth += 1
            if depth > limit:
                return offset
        elif character in "]}":
            depth -= 1
    return 0
