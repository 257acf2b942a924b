"""Reading problem files (YAML, TOML, JSON) into plain data plus the position of every key and value.

The data is plain Python: dicts (in file order), lists, str, int, bool, None,
and :class:`decimal.Decimal` for every number written with a fraction or an
exponent, so that exact mode can take ``0.01`` as exactly 1/100.

Positions (1-based line and column) come from:

* YAML: the composed node tree of PyYAML's safe loader, so they are exact;
* JSON: a small scanner over the text (after ``json`` itself has checked it),
  so they are exact too (:mod:`gradwork.documents.json_positions`);
* TOML: ``tomllib`` gives no positions, so a small scanner walks the text
  (:mod:`gradwork.documents.toml_positions`); where it cannot place something,
  an error points at the nearest enclosing key.

This module reads (a path, stdin or text; with size and character limits), parses
YAML itself and builds the :class:`Document` every reader above works on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gradwork.documents import files, limits
from gradwork.documents.errors import ProblemError
from gradwork.documents.json_positions import parse_json
from gradwork.documents.positions import START, DataPath, Lines, Position, Span, decimal_number, empty_file
from gradwork.documents.toml_positions import parse_toml

__all__ = ["FORMATS", "DataPath", "Document", "Position", "Span", "check_data", "parse", "read", "sniff_format"]

FORMATS = ("yaml", "toml", "json")


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
        return self.spans.get((), Span(None, START, START))

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
    if not isinstance(source, (str, Path)):
        hint = " (pass json.dumps(data) to give the data itself)" if isinstance(source, (dict, list)) else ""
        raise TypeError(f"expected a path, '-' for standard input, or the text of a file, "
                        f"not {type(source).__name__}{hint}")
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
    """The file's text: a regular file only (a FIFO or ``/dev/zero`` is refused unread), up to the size limit."""
    return files.read_text(path, what, f"a readable YAML, TOML or JSON {what}")


def _read_stdin() -> str:
    return files.read_stdin()


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
    if format not in FORMATS:
        raise ValueError(f"unknown format {format!r} (expected one of {', '.join(FORMATS)})")
    _check_text(text, name)
    if format == "yaml":
        document = _parse_yaml(text, name)
    else:
        data, spans = (parse_toml if format == "toml" else parse_json)(text, name)
        document = Document(name, text, format, data, spans)
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
        where = Lines(text)(found.start())
        raise ProblemError(name, where.line, where.column, f"a number with more than {bound.digits} digits",
                           limits.note("digits"))
    found = _LONG_EXPONENT.search(text)
    if found:  # Decimal cannot hold it, and 10**exponent as an exact number would never finish
        where = Lines(text)(found.start())
        raise ProblemError(name, where.line, where.column,
                           f"a number whose exponent has more than {_EXPONENT_DIGITS} digits",
                           f"an exponent below 10^{_EXPONENT_DIGITS}")


_BAD_CHARACTER = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def _bad_character(text: str) -> str | None:
    if _BAD_CHARACTER.search(text) is None:  # the common case, in one call; else the first one, named below
        return None
    for character in text:
        code = ord(character)
        if 0xD800 <= code <= 0xDFFF:
            return f"a lone surrogate U+{code:04X} (not a character)"
        if (code < 0x20 and character not in "\t\n\r") or 0x7F <= code <= 0x9F:
            return f"the control character U+{code:04X}"
    return None


def check_data(data: Any, name: str = "<data>") -> Document:
    """Plain data handed over in code (not read from a file), as a :class:`Document` checked like a file's.

    Depth, list lengths, the number of values and the characters are bounded as
    for a file (a 5,000-deep list is one :class:`ProblemError`, never a
    RecursionError later); positions are all 1:1.
    """
    document = Document(name, "", "yaml", data)
    _check_data(document)
    return document


def _check_data(document: Document) -> None:
    """Depth, list length, number of values and characters of the parsed data, without recursion."""
    bound = limits.current()
    if _within(document.data, bound):  # the common case, without the paths an error names
        return
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


def _within(data: Any, bound: limits.Limits) -> bool:
    """Does ``data`` keep within ``bound`` (what _check_data checks, in the same walk, without naming a path)?"""
    count = 0
    stack: list[tuple[int, Any]] = [(0, data)]
    while stack:
        depth, value = stack.pop()
        count += 1
        if count > bound.values or depth > bound.depth:
            return False
        if isinstance(value, dict):
            for key, item in value.items():
                if isinstance(key, str) and _BAD_CHARACTER.search(key) is not None:
                    return False
                stack.append((depth + 1, item))
        elif isinstance(value, list):
            if len(value) > bound.list_length:
                return False
            stack.extend((depth + 1, item) for item in value)
        elif isinstance(value, str) and _BAD_CHARACTER.search(value) is not None:
            return False
    return True


# --------------------------------------------------------------------------- YAML

_NUMBER_TEXT = re.compile(r"[-+]?(\d[\d_]*\.?[\d_]*|\.\d[\d_]*)([eE][-+]?\d+)?")


def _parse_yaml(text: str, name: str) -> Document:
    import yaml  # imported here: only YAML files pay for it

    fast = getattr(yaml, "CSafeLoader", None)  # libyaml: the same nodes, several times faster
    if fast is not None:
        loader = fast(text)
        try:
            root = loader.get_single_node()
        except yaml.MarkedYAMLError as error:
            if "exceeded maximum nesting depth" in (error.problem or ""):  # libyaml stops at 1000 levels
                # PyYAML's own parser would recurse until Python's limit (seconds: its scanner is quadratic
                # in the depth) to say the same; libyaml's mark is where the depth ran out
                mark = error.problem_mark
                line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
                raise ProblemError(name, line, column, "the YAML is nested too deeply to read",
                                   limits.note("depth")) from None
            # other errors are read again below with PyYAML's own parser, whose messages and positions we report
        except yaml.YAMLError:
            pass  # as above
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
        where = Lines(text)(position) if isinstance(position, int) else START
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
        raise empty_file(name)
    bound = limits.current()
    # Without an anchor (&) there is no alias, so no node is shared: _yaml_value's own walk bounds the depth and
    # the count, and _yaml_size (which counts keys as well) runs only where it could refuse the file, and before
    # _yaml_value's error, as it would have.
    tree = "&" not in text
    if not tree:
        _yaml_size(root, name, {}, 0)
    spans: dict[DataPath, Span] = {(): Span(None, _mark(root.start_mark), _content_position(root))}
    count = [0]
    try:
        data = _yaml_value(root, (), spans, loader, name, set(), count, bound)
    except Exception:
        if tree:
            _yaml_size(root, name, {}, 0)
        raise
    if tree and 2 * count[0] > bound.values:  # every key is a value to _yaml_size: at most one per value
        _yaml_size(root, name, {}, 0)
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


def _node_span(key: Position | None, node: Any) -> Span:
    """The span of a value node (``_mark``, ``_content_position`` and ``_exact_content`` in one pass)."""
    mark = node.start_mark
    value = Position(mark.line + 1, mark.column + 1)
    style = getattr(node, "style", None)
    if style in ('"', "'"):
        return Span(key, value, Position(value.line, value.column + 1),
                    not (style == '"' and "\\" in str(getattr(node, "value", ""))))
    if style in ("|", ">"):  # a block scalar's text starts on the next line, indented
        return Span(key, value, Position(value.line + 1, 1), False)
    return Span(key, value, value, True)


def _yaml_value(node: Any, path: DataPath, spans: dict, loader: Any, name: str, active: set[int],
                count: list[int], bound: limits.Limits) -> Any:
    yaml = _yaml_module()
    if id(node) in active:
        raise ProblemError(name, *_xy(node), "a YAML alias refers to itself", "a finite value")
    # Checked while building: an alias repeats a node, so a few hundred bytes can stand for 10^9 values,
    # and deep nesting would exhaust Python's recursion before _check_data could see it.
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
            child = path + (key,)
            spans[child] = _node_span(_mark(key_node.start_mark), value_node)
            # A scalar within the bounds is read here (what _yaml_value would do with it, one call less).
            if type(value_node) is yaml.ScalarNode and count[0] < bound.values and len(child) <= bound.depth:
                count[0] += 1
                result[key] = _yaml_scalar(value_node, loader)
            else:
                result[key] = _yaml_value(value_node, child, spans, loader, name, active, count, bound)
        active.discard(id(node))
        return result
    if isinstance(node, yaml.SequenceNode):
        active.add(id(node))
        items = []
        for index, item in enumerate(node.value):
            child = path + (index,)
            spans[child] = _node_span(None, item)
            if type(item) is yaml.ScalarNode and count[0] < bound.values and len(child) <= bound.depth:
                count[0] += 1
                items.append(_yaml_scalar(item, loader))
            else:
                items.append(_yaml_value(item, child, spans, loader, name, active, count, bound))
        active.discard(id(node))
        return items
    return _yaml_scalar(node, loader)


def _yaml_module() -> Any:
    """PyYAML, imported on first use (only YAML files pay for it)."""
    global _YAML
    if _YAML is None:
        import yaml

        _YAML = yaml
    return _YAML


_YAML: Any = None


def _xy(node: Any) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


def _exact_content(node: Any) -> bool:
    # Escapes in double quotes and folded/block scalars move characters around.
    style = getattr(node, "style", None)
    if style in ("|", ">"):
        return False
    return not (style == '"' and "\\" in str(getattr(node, "value", "")))


def _yaml_scalar(node: Any, loader: Any) -> Any:
    tag = node.tag.rsplit(":", 1)[-1]
    if tag == "int":
        return loader.construct_yaml_int(node)
    if tag == "float":
        number = decimal_number(node.value.replace("_", ""), None)
        # None: .inf, .nan, sexagesimal: YAML's own reading
        return number if number is not None else loader.construct_yaml_float(node)
    if tag == "bool":
        return loader.construct_yaml_bool(node)
    if tag == "null":
        return None
    value = node.value
    # YAML 1.1 reads 1e-3 (no dot) as a string; a plain scalar that is a number is a number.
    if not node.style and _NUMBER_TEXT.fullmatch(value):  # plain scalar (libyaml says "", PyYAML None)
        return decimal_number(value.replace("_", ""))
    return value


