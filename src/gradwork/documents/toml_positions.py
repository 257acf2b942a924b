"""TOML read with positions: ``tomllib`` parses, and a small scanner places every key and value.

``tomllib`` gives no positions, so :class:`_TomlScanner` walks the (already
valid) text: tables, arrays of tables, dotted and quoted keys, inline tables,
arrays over several lines. It does not decode escapes in quoted keys; where it
cannot place something, an error points at the nearest enclosing key.
"""

from __future__ import annotations

import re
import sys
from typing import Any

from gradwork.documents import limits
from gradwork.documents.errors import ProblemError
from gradwork.documents.positions import START, DataPath, Lines, Span, decimal_number, deep_offset, empty_file

_TOML_ERROR_AT = re.compile(r"\(at line (\d+), column (\d+)\)")


def parse_toml(text: str, name: str) -> tuple[Any, dict[DataPath, Span]]:
    """The data of a TOML text and the span of every key path in it (best effort: tomllib gives none)."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # Python 3.10 (Gradescope's Ubuntu 22.04 image): the same parser, as the tomli package
        import tomli as tomllib

    try:
        data = tomllib.loads(text, parse_float=decimal_number)
    except RecursionError:
        where = Lines(text)(deep_offset(text))
        raise ProblemError(name, where.line, where.column, "arrays or tables nested too deeply to read",
                           limits.note("depth")) from None
    except tomllib.TOMLDecodeError as error:
        message = str(error)
        found = _TOML_ERROR_AT.search(message)
        if found:
            line, column = int(found.group(1)), int(found.group(2))
        else:  # "(at end of document)"
            lines = text.split("\n")
            line, column = len(lines), len(lines[-1]) + 1
        problem = re.sub(r"\s*\(at [^)]*\)\s*$", "", message)
        raise ProblemError(name, line, column, f"malformed TOML: {problem}", "valid TOML syntax") from None
    if not data:
        raise empty_file(name)
    spans: dict[DataPath, Span] = {(): Span(None, START, START)}
    try:
        _TomlScanner(text, spans).document()
    except (IndexError, ValueError):  # positions are best effort; the data is already right
        pass
    return data, spans


_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


class _TomlScanner:
    """Walks valid TOML text and records the position of every key and value."""

    def __init__(self, text: str, spans: dict[DataPath, Span]) -> None:
        self.text = text
        self.spans = spans
        self.position = Lines(text)
        self.array_index: dict[DataPath, int] = {}

    def document(self) -> None:
        text, i = self.text, 0
        table: DataPath = ()
        while True:
            i = self._skip(i, newlines=True)
            if i >= len(text):
                return
            start = i
            if text.startswith("[[", i):
                parts, i = self._key(i + 2)
                path = self._resolve(parts[:-1]) + (parts[-1],)
                self.array_index[path] = self.array_index.get(path, -1) + 1
                table = path + (self.array_index[path],)
                self.spans.setdefault(path, Span(self.position(start), self.position(start), self.position(start)))
                self._record(table, None, start)
                i = self._end_of_line(i)
            elif text[i] == "[":
                parts, i = self._key(i + 1)
                table = self._resolve(parts)
                self._record(table, start, start)
                i = self._end_of_line(i)
            else:
                i = self._pair(i, table)

    def _resolve(self, parts: tuple[str, ...]) -> DataPath:
        # `[layers.activation]` after `[[layers]]` means the last element of layers.
        path: DataPath = ()
        for part in parts:
            path += (part,)
            if path in self.array_index:
                path += (self.array_index[path],)
        return path

    def _pair(self, i: int, table: DataPath) -> int:
        key_start = i
        parts, i = self._key(i)
        i = self._skip(i)
        if self.text[i] != "=":
            raise ValueError("expected =")
        i = self._skip(i + 1)
        path = table + parts
        self._record(path, key_start, i)
        return self._value(i, path)

    def _record(self, path: DataPath, key: int | None, value: int) -> None:
        text = self.text
        content, exact = value, True
        if text.startswith(('"""', "'''"), value):
            content = value + 3
            if text.startswith("\n", content):
                content += 1
            exact = False
        elif text.startswith(('"', "'"), value):
            content = value + 1
        self.spans[path] = Span(None if key is None else self.position(key), self.position(value),
                                self.position(content), exact)

    def _key(self, i: int) -> tuple[tuple[str, ...], int]:
        text, parts = self.text, []
        while True:
            i = self._skip(i)
            if text[i] in "\"'":
                end = text.index(text[i], i + 1)
                parts.append(text[i + 1:end])
                i = end + 1
            else:
                match = _BARE_KEY.match(text, i)
                if not match:
                    raise ValueError("expected a key")
                parts.append(match.group())
                i = match.end()
            i = self._skip(i)
            if text[i] != ".":
                if text.startswith("]]", i):
                    return tuple(parts), i + 2
                if text[i] == "]":
                    return tuple(parts), i + 1
                return tuple(parts), i
            i += 1

    def _value(self, i: int, path: DataPath) -> int:
        text = self.text
        if text[i] == "[":
            i, index = i + 1, 0
            while True:
                i = self._skip(i, newlines=True)
                if text[i] == "]":
                    return i + 1
                self._record(path + (index,), None, i)
                i = self._skip(self._value(i, path + (index,)), newlines=True)
                index += 1
                if text[i] == ",":
                    i += 1
        if text[i] == "{":
            i += 1
            while True:
                i = self._skip(i, newlines=True)
                if text[i] == "}":
                    return i + 1
                i = self._skip(self._pair(i, path), newlines=True)
                if text[i] == ",":
                    i += 1
        for quote in ('"""', "'''"):
            if text.startswith(quote, i):
                end = i + 3
                while True:
                    end = text.index(quote, end)
                    if quote == "'''" or not _escaped(text, end):
                        break
                    end += 1
                while text.startswith(quote[0], end + 3):  # up to two quotes may end the string
                    end += 1
                return end + 3
        if text[i] == '"':
            end = i + 1
            while True:
                end = text.index('"', end)
                if not _escaped(text, end):
                    return end + 1
                end += 1
        if text[i] == "'":
            return text.index("'", i + 1) + 1
        match = re.compile(r"[^\s,\]}#]+").match(text, i)
        if not match:
            raise ValueError("expected a value")
        return match.end()

    def _skip(self, i: int, newlines: bool = False) -> int:
        text = self.text
        while i < len(text):
            c = text[i]
            if c in " \t" or (newlines and c in "\r\n"):
                i += 1
            elif c == "#" and newlines:
                i = self._end_of_line(i)
            else:
                break
        return i

    def _end_of_line(self, i: int) -> int:
        end = self.text.find("\n", i)
        return len(self.text) if end < 0 else end + 1


def _escaped(text: str, index: int) -> bool:
    backslashes = 0
    while index - backslashes - 1 >= 0 and text[index - backslashes - 1] == "\\":
        backslashes += 1
    return backslashes % 2 == 1
