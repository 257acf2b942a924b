"""Reading problem files (YAML, TOML, JSON) into plain data plus the position of every key and value.

The data is plain Python: dicts (in file order), lists, str, int, bool, None,
and :class:`decimal.Decimal` for every number written with a fraction or an
exponent, so that exact mode can take ``0.01`` as exactly 1/100.

Positions (1-based line and column) come from:

* YAML: the composed node tree of PyYAML's safe loader, so they are exact;
* JSON: a small scanner over the text (after ``json`` itself has checked it),
  so they are exact too;
* TOML: ``tomllib`` gives no positions, so a small scanner walks the text
  (tables, arrays of tables, dotted and quoted keys, inline tables, arrays
  over several lines). It does not decode escapes in quoted keys; where it
  cannot place something, an error points at the nearest enclosing key.
"""

from __future__ import annotations

import json
import re
import sys
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from gradwork.problem import limits
from gradwork.problem.errors import ProblemError

FORMATS = ("yaml", "toml", "json")
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


_START = Position(1, 1)


@dataclass
class Document:
    """A parsed problem file: ``data`` and the :class:`Span` of every key path in it."""

    name: str  # the file name used in messages ("<stdin>" for stdin)
    text: str
    format: str  # yaml | toml | json
    data: Any
    spans: dict[DataPath, Span] = field(default_factory=dict)

    def span(self, path: DataPath) -> Span:
        """The span of ``path``, or of its nearest ancestor whose position is known."""
        path = tuple(path)
        while path:
            found = self.spans.get(path)
            if found is not None:
                return found
            path = path[:-1]
        return self.spans.get((), Span(None, _START, _START))

    def error(self, path: DataPath, message: str, expected: str = "", *, at: str = "value") -> ProblemError:
        """A :class:`ProblemError` at the value (or, with ``at="key"``, the key) of ``path``."""
        span = self.span(path)
        where = span.key if at == "key" and span.key is not None else span.value
        return ProblemError(self.name, where.line, where.column, message, expected)

    def error_in_text(self, path: DataPath, line: int, column: int, message: str, expected: str = "") -> ProblemError:
        """An error inside a string value (an expression), at its ``line`` (1-based) and ``column`` (0-based)."""
        span = self.span(path)
        start = span.content
        if line <= 1:
            return ProblemError(self.name, start.line, start.column + column, message, expected)
        return ProblemError(self.name, start.line + line - 1, column + 1, message, expected)


# --------------------------------------------------------------------------- reading


def read(source: str | Path, format: str | None = None) -> Document:  # noqa: A002 (the natural name)
    """Read and parse ``source``: a path, ``"-"`` for stdin, or the text of a problem itself.

    A ``str`` is taken as text when it contains a newline or starts with ``{``;
    otherwise it is a path. ``format`` (yaml, toml, json) overrides detection
    by file extension and content.
    """
    if format is not None and format not in FORMATS:
        raise ValueError(f"unknown format {format!r} (expected one of {', '.join(FORMATS)})")
    if isinstance(source, Path):
        name, text = str(source), _read_file(source)
        format = format or _format_from_suffix(source)
    elif source == "-":
        name, text = "<stdin>", _read_stdin()
    elif "\n" in source or source.lstrip().startswith("{"):
        name, text = "<string>", source
    else:
        name, text = source, _read_file(Path(source))
        format = format or _format_from_suffix(Path(source))
    format = format or sniff_format(text)
    return parse(text, format, name)


def _read_file(path: Path, what: str = "problem file") -> str:
    """The file's text, read up to the size limit only (``/dev/zero`` is refused, not read forever)."""
    cap = limits.current().file_size
    try:
        with path.open("rb") as stream:
            raw = stream.read(cap + 1)
    except OSError as error:
        reason = error.strerror or str(error)
        raise ProblemError(str(path), 1, 1, f"cannot read the file: {reason}",
                           f"a readable YAML, TOML or JSON {what}") from None
    if len(raw) > cap:
        raise ProblemError(str(path), 1, 1, f"the file is larger than {cap} bytes", limits.note("file_size"))
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        before = raw[: error.start]
        line = before.count(b"\n") + 1
        column = len(before) - (before.rfind(b"\n") + 1) + 1
        raise ProblemError(str(path), line, column, "the file is not valid UTF-8 text",
                           "a UTF-8 encoded text file") from None


def _read_stdin() -> str:
    cap = limits.current().file_size
    text = sys.stdin.read(cap + 1)
    if len(text) > cap:
        raise ProblemError("<stdin>", 1, 1, f"the input is larger than {cap} characters", limits.note("file_size"))
    return text


def _format_from_suffix(path: Path) -> str | None:
    return {".yaml": "yaml", ".yml": "yaml", ".toml": "toml", ".json": "json"}.get(path.suffix.lower())


_TOML_LINE = re.compile(r"""^\s*(\[\[?\s*[\w"'.-]+|[\w"'.-]+\s*=)""", re.MULTILINE)


def sniff_format(text: str) -> str:
    """Guess the format of text without a file name: JSON if it starts with ``{``, TOML if a line looks like TOML."""
    stripped = text.lstrip()
    if stripped.startswith("{"):
        return "json"
    for line in stripped.splitlines():
        content = line.strip()
        if not content or content.startswith("#"):
            continue
        return "toml" if _TOML_LINE.match(content) else "yaml"
    return "yaml"


def parse(text: str, format: str, name: str = "<string>") -> Document:  # noqa: A002
    """Parse ``text`` written in ``format`` into a :class:`Document`."""
    parser = {"yaml": _parse_yaml, "toml": _parse_toml, "json": _parse_json}[format]
    _check_text(text, name)
    document = parser(text, name)
    _check_data(document)
    return document


# --------------------------------------------------------------------------- limits on any document

_LONG_DIGITS: dict[int, re.Pattern[str]] = {}
# Python's Decimal holds exponents below 10**18; longer ones (1e9999...9) are no number anyone means.
_EXPONENT_DIGITS = 18
_LONG_EXPONENT = re.compile(r"(?<![A-Za-z_])(?:\d[\d_]*\.?[\d_]*|\.\d[\d_]*)[eE][-+]?0*[1-9]\d{%d,}" % _EXPONENT_DIGITS)


def _check_text(text: str, name: str) -> None:
    """Refuse what would be slow to parse at all: an over-long file, a run of too many digits."""
    bound = limits.current()
    if len(text) > bound.file_size:
        raise ProblemError(name, 1, 1, f"the text is longer than {bound.file_size} characters",
                           limits.note("file_size"))
    pattern = _LONG_DIGITS.setdefault(bound.digits, re.compile(r"\d{%d,}" % (bound.digits + 1)))
    found = pattern.search(text)
    if found:  # Python refuses int('9' * 4301) anyway; exact arithmetic on such numbers would not end
        where = _Lines(text)(found.start())
        raise ProblemError(name, where.line, where.column, f"a number with more than {bound.digits} digits",
                           limits.note("digits"))
    found = _LONG_EXPONENT.search(text)
    if found:  # Decimal cannot hold it, and 10**exponent as an exact number would never finish
        where = _Lines(text)(found.start())
        raise ProblemError(name, where.line, where.column,
                           f"a number whose exponent has more than {_EXPONENT_DIGITS} digits",
                           f"an exponent below 10^{_EXPONENT_DIGITS}")


def _bad_character(text: str) -> str | None:
    for character in text:
        code = ord(character)
        if 0xD800 <= code <= 0xDFFF:
            return f"a lone surrogate U+{code:04X} (not a character)"
        if (code < 0x20 and character not in "\t\n\r") or 0x7F <= code <= 0x9F:
            return f"the control character U+{code:04X}"
    return None


def _check_data(document: Document) -> None:
    """Depth, list length, number of values and characters of the parsed data, without recursion."""
    bound = limits.current()
    count = 0
    stack: list[tuple[DataPath, Any]] = [((), document.data)]
    while stack:
        path, value = stack.pop()
        count += 1
        if count > bound.values:
            raise document.error(path, f"more than {bound.values} values in one file", limits.note("values"))
        if len(path) > bound.depth:
            raise document.error(path, f"lists and mappings nested more than {bound.depth} deep",
                                 limits.note("depth"))
        if isinstance(value, dict):
            for key, item in value.items():
                if isinstance(key, str) and (problem := _bad_character(key)):
                    raise document.error(path + (key,), f"the key contains {problem}", "printable text", at="key")
                stack.append((path + (key,), item))
        elif isinstance(value, list):
            if len(value) > bound.list_length:
                raise document.error(path, f"a list of {len(value)} items", limits.note("list_length"))
            stack.extend((path + (index,), item) for index, item in enumerate(value))
        elif isinstance(value, str) and (problem := _bad_character(value)):
            raise document.error(path, f"the text contains {problem}", "printable text")


class _Lines:
    """Character offsets to (line, column) positions."""

    def __init__(self, text: str) -> None:
        self.starts = [0] + [i + 1 for i, c in enumerate(text) if c == "\n"]

    def __call__(self, offset: int) -> Position:
        line = bisect_right(self.starts, offset) - 1
        return Position(line + 1, offset - self.starts[line] + 1)


def _empty(name: str) -> ProblemError:
    # Answers files and configs are read here too: the message names no kind of file.
    return ProblemError(name, 1, 1, "the file is empty", "a mapping with `layers:` or `graph:`")


# --------------------------------------------------------------------------- YAML

_NUMBER_TEXT = re.compile(r"[-+]?(\d[\d_]*\.?[\d_]*|\.\d[\d_]*)([eE][-+]?\d+)?")


def _parse_yaml(text: str, name: str) -> Document:
    import yaml  # imported here: only YAML files pay for it

    fast = getattr(yaml, "CSafeLoader", None)  # libyaml: the same nodes, several times faster
    if fast is not None:
        loader = fast(text)
        try:
            root = loader.get_single_node()
        except yaml.YAMLError:
            pass  # re-read below with PyYAML's own parser, whose messages and positions we report
        else:
            return _yaml_document(root, loader, name, text)
        finally:
            loader.dispose()
    try:
        loader = yaml.SafeLoader(text)  # its reader already refuses characters YAML does not allow
        root = loader.get_single_node()
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        problem = error.problem or error.context or "cannot parse"
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        raise ProblemError(name, line, column, f"malformed YAML: {problem}", "valid YAML syntax") from None
    except yaml.YAMLError as error:  # a ReaderError: a character YAML does not allow
        position = getattr(error, "position", None)
        where = _Lines(text)(position) if isinstance(position, int) else _START
        raise ProblemError(name, where.line, where.column, f"malformed YAML: {_one_line(error)}",
                           "valid YAML text") from None
    except RecursionError:
        raise ProblemError(name, 1, 1, "the YAML is nested too deeply to read", limits.note("depth")) from None
    try:
        return _yaml_document(root, loader, name, text)
    finally:
        loader.dispose()


def _one_line(error: Exception) -> str:
    return " ".join(str(error).split())


def _yaml_document(root: Any, loader: Any, name: str, text: str) -> Document:
    if root is None:
        raise _empty(name)
    _yaml_size(root, name, {}, 0)
    spans: dict[DataPath, Span] = {(): Span(None, _mark(root.start_mark), _content_position(root))}
    data = _yaml_value(root, (), spans, loader, name, set(), [0])
    return Document(name, text, "yaml", data, spans)


def _yaml_size(node: Any, name: str, sizes: dict[int, int], depth: int) -> int:
    """How many values ``node`` stands for with its aliases expanded, counting each shared node once.

    A 300-byte alias bomb stands for 10^9 values; this finds out in a few hundred steps.
    """
    known = sizes.get(id(node))
    if known is not None:
        return known
    bound = limits.current()
    if depth > bound.depth:
        raise ProblemError(name, *_xy(node), f"lists and mappings nested more than {bound.depth} deep",
                           limits.note("depth"))
    sizes[id(node)] = 1  # a node that contains itself is reported by _yaml_value
    children = node.value if isinstance(node.value, list) else []
    total = 1
    for child in children:
        for part in (child if isinstance(child, tuple) else (child,)):
            total += _yaml_size(part, name, sizes, depth + 1)
    if total > bound.values:
        raise ProblemError(name, *_xy(node), f"more than {bound.values} values in one file (YAML aliases expanded)",
                           limits.note("values"))
    sizes[id(node)] = total
    return total


def _mark(mark: Any) -> Position:
    return Position(mark.line + 1, mark.column + 1)


def _content_position(node: Any) -> Position:
    start = _mark(node.start_mark)
    style = getattr(node, "style", None)
    if style in ('"', "'"):
        return Position(start.line, start.column + 1)
    if style in ("|", ">"):  # a block scalar's text starts on the next line, indented
        return Position(start.line + 1, 1)
    return start


def _yaml_value(node: Any, path: DataPath, spans: dict, loader: Any, name: str, active: set[int],
                count: list[int]) -> Any:
    import yaml

    if id(node) in active:
        raise ProblemError(name, *_xy(node), "a YAML alias refers to itself", "a finite value")
    # Checked while building: an alias repeats a node, so a few hundred bytes can stand for 10^9 values,
    # and deep nesting would exhaust Python's recursion before _check_data could see it.
    bound = limits.current()
    count[0] += 1
    if count[0] > bound.values:
        raise ProblemError(name, *_xy(node), f"more than {bound.values} values in one file (YAML aliases expanded)",
                           limits.note("values"))
    if len(path) > bound.depth:
        raise ProblemError(name, *_xy(node), f"lists and mappings nested more than {bound.depth} deep",
                           limits.note("depth"))
    if isinstance(node, yaml.MappingNode):
        active.add(id(node))
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise ProblemError(name, *_xy(key_node), "a key must be a plain name", "a name such as `layers`")
            key = key_node.value
            if key == "<<":
                raise ProblemError(name, *_xy(key_node), "YAML merge keys (<<) are not supported",
                                   "every key written out")
            if key in result:
                first = spans[path + (key,)].key
                raise ProblemError(name, *_xy(key_node), f"duplicate key {key!r}",
                                   f"each key once; it was first given on line {first.line}")
            spans[path + (key,)] = Span(_mark(key_node.start_mark), _mark(value_node.start_mark),
                                        _content_position(value_node), _exact_content(value_node))
            result[key] = _yaml_value(value_node, path + (key,), spans, loader, name, active, count)
        active.discard(id(node))
        return result
    if isinstance(node, yaml.SequenceNode):
        active.add(id(node))
        items = []
        for index, item in enumerate(node.value):
            spans[path + (index,)] = Span(None, _mark(item.start_mark), _content_position(item), _exact_content(item))
            items.append(_yaml_value(item, path + (index,), spans, loader, name, active, count))
        active.discard(id(node))
        return items
    return _yaml_scalar(node, loader)


def _xy(node: Any) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


def _exact_content(node: Any) -> bool:
    # Escapes in double quotes and folded/block scalars move characters around.
    style = getattr(node, "style", None)
    if style in ("|", ">"):
        return False
    return not (style == '"' and "\\" in str(getattr(node, "value", "")))


def _decimal(text: str, otherwise: Any = ...) -> Any:
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


def _yaml_scalar(node: Any, loader: Any) -> Any:
    tag = node.tag.rsplit(":", 1)[-1]
    if tag == "int":
        return loader.construct_yaml_int(node)
    if tag == "float":
        number = _decimal(node.value.replace("_", ""), None)
        # None: .inf, .nan, sexagesimal: YAML's own reading
        return number if number is not None else loader.construct_yaml_float(node)
    if tag == "bool":
        return loader.construct_yaml_bool(node)
    if tag == "null":
        return None
    value = node.value
    # YAML 1.1 reads 1e-3 (no dot) as a string; a plain scalar that is a number is a number.
    if not node.style and _NUMBER_TEXT.fullmatch(value):  # plain scalar (libyaml says "", PyYAML None)
        return _decimal(value.replace("_", ""))
    return value


# --------------------------------------------------------------------------- TOML

_TOML_ERROR_AT = re.compile(r"\(at line (\d+), column (\d+)\)")


def _parse_toml(text: str, name: str) -> Document:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # Python 3.10 (Gradescope's Ubuntu 22.04 image): the same parser, as the tomli package
        import tomli as tomllib

    try:
        data = tomllib.loads(text, parse_float=_decimal)
    except RecursionError:
        where = _Lines(text)(_deep_offset(text))
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
        raise _empty(name)
    spans: dict[DataPath, Span] = {(): Span(None, _START, _START)}
    try:
        _TomlScanner(text, spans).document()
    except (IndexError, ValueError):  # positions are best effort; the data is already right
        pass
    return Document(name, text, "toml", data, spans)


def _deep_offset(text: str) -> int:
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


_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


class _TomlScanner:
    """Walks valid TOML text and records the position of every key and value."""

    def __init__(self, text: str, spans: dict[DataPath, Span]) -> None:
        self.text = text
        self.spans = spans
        self.position = _Lines(text)
        self.array_index: dict[DataPath, int] = {}

    def document(self) -> None:
        text, i, table = self.text, 0, ()
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


# --------------------------------------------------------------------------- JSON


def _parse_json(text: str, name: str) -> Document:
    try:
        data = json.loads(text, parse_float=_decimal)
    except json.JSONDecodeError as error:
        raise ProblemError(name, error.lineno, error.colno, f"malformed JSON: {error.msg}",
                           "valid JSON syntax") from None
    except RecursionError:
        where = _Lines(text)(_deep_offset(text))
        raise ProblemError(name, where.line, where.column, "the JSON is nested too deeply to read",
                           limits.note("depth")) from None
    if data is None or data == {}:
        raise _empty(name)
    spans: dict[DataPath, Span] = {}
    position = _Lines(text)
    start = _skip_json_space(text, 0)
    spans[()] = Span(None, position(start), position(start))
    try:
        _JsonScanner(text, spans, position, name).value(start, ())
    except RecursionError:  # positions are best effort; the data is already right
        pass
    return Document(name, text, "json", data, spans)


_JSON_SPACE = re.compile(r"[ \t\n\r]*")
_JSON_SCALAR = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?|true|false|null|NaN|-?Infinity")


def _skip_json_space(text: str, i: int) -> int:
    return _JSON_SPACE.match(text, i).end()  # type: ignore[union-attr]


class _JsonScanner:
    """Walks JSON that ``json`` has already accepted and records every key's and value's position."""

    def __init__(self, text: str, spans: dict[DataPath, Span], position: Callable[[int], Position],
                 name: str = "<string>") -> None:
        from json.decoder import scanstring

        self.text, self.spans, self.position, self.scanstring = text, spans, position, scanstring
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
