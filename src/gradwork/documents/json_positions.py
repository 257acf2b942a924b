"""JSON read with positions: ``json`` parses and checks, then a small scanner places every key and value.

The scanner runs over text that ``json`` has already accepted, so the positions
are exact; it also refuses a key given twice (``json`` would keep the last).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from gradwork.documents import limits
from gradwork.documents.errors import ProblemError
from gradwork.documents.positions import DataPath, Lines, Position, Span, decimal_number, deep_offset, empty_file
def parse_json(text: str, name: str) -> tuple[Any, dict[DataPath, Span]]:
    """The data of a JSON text and the span of every key path in it (exact: a scanner re-walks the text)."""
    try:
        data = json.loads(text, parse_float=decimal_number)
    except json.JSONDecodeError as error:
        raise ProblemError(name, error.lineno, error.colno, f"malformed JSON: {error.msg}",
                           "valid JSON syntax") from None
    except RecursionError:
        where = Lines(text)(deep_offset(text))
        raise ProblemError(name, where.line, where.column, "the JSON is nested too deeply to read",
                           limits.note("depth")) from None
    if data is None or data == {}:
        raise empty_file(name)
    spans: dict[DataPath, Span] = {}
    position = Lines(text)
    start = _skip_json_space(text, 0)
    spans[()] = Span(None, position(start), position(start))
    try:
        _JsonScanner(text, spans, position, name).value(start, ())
    except RecursionError:  # positions are best effort; the data is already right
        pass
    return data, spans


# json's own string scanner (the C one where present): the end of a string that starts at an index.
_scanstring: Callable[[str, int], tuple[str, int]] = json.decoder.scanstring  # type: ignore[attr-defined]
_JSON_SPACE = re.compile(r"[ \t\n\r]*")
_JSON_SCALAR = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?|true|false|null|NaN|-?Infinity")


def _skip_json_space(text: str, i: int) -> int:
    return _JSON_SPACE.match(text, i).end()  # type: ignore[union-attr]


class _JsonScanner:
    """Walks JSON that ``json`` has already accepted and records every key's and value's position."""

    def __init__(self, text: str, spans: dict[DataPath, Span], position: Callable[[int], Position],
                 name: str = "<string>") -> None:
        self.text, self.spans, self.position, self.scanstring = text, spans, position, _scanstring
        self.name = name

    def _record(self, path: DataPath, key: int | None, value: int) -> None:
        content = value + 1 if self.text[value] == '"' else value
        exact = True
        if self.text[value] == '"':
            _, end = self.scanstring(self.text, value + 1)
            exact = "\\" not in self.text[value:end]
        self.spans[path] = Span(None if key is None else self.position(key), self.position(value),
                                self.position(content), exact)

    def value(self, i: int, path: DataPath) -> int:
        text = self.text
        if text[i] == "{":
            i = _skip_json_space(text, i + 1)
            if text[i] == "}":
                return i + 1
            seen: dict[str, int] = {}
            while True:
                key_start = i
                key, i = self.scanstring(text, i + 1)
                if key in seen:  # json keeps the last silently; a problem file means one of them
                    where = self.position(key_start)
                    raise ProblemError(self.name, where.line, where.column, f"duplicate key {key!r}",
                                       f"each key once; it was first given on line {self.position(seen[key]).line}")
                seen[key] = key_start
                i = _skip_json_space(text, i)
                i = _skip_json_space(text, i + 1)  # past the colon
                self._record(path + (key,), key_start, i)
                i = _skip_json_space(text, self.value(i, path + (key,)))
                if text[i] == "}":
                    return i + 1
                i = _skip_json_space(text, i + 1)  # past the comma
        if text[i] == "[":
            i = _skip_json_space(text, i + 1)
            if text[i] == "]":
                return i + 1
            index = 0
            while True:
                self._record(path + (index,), None, i)
                i = _skip_json_space(text, self.value(i, path + (index,)))
                index += 1
                if text[i] == "]":
                    return i + 1
                i = _skip_json_space(text, i + 1)
        if text[i] == '"':
            return self.scanstring(text, i + 1)[1]
        return _JSON_SCALAR.match(text, i).end()  # type: ignore[union-attr]
