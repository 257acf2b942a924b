"""Reading a YAML, TOML or JSON document with the line and column of every value.

SEAM: ``gradwork.problem`` is getting its own position-aware loader (problem
files need the same ``FILE:LINE:COL`` errors). When it is merged, answers files
should be read with it and this module should go; only :func:`read_document`
and :class:`Located` are used by ``answers.py``.

YAML and JSON go through ``yaml.compose`` (JSON is YAML's flow style), which
keeps a mark for every node. ``tomllib`` keeps none, so a TOML value is placed
at the line where its key is written (found in the text) or at 1:1.
"""

from __future__ import annotations

import json
import re
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

_NUMBER = re.compile(r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_CONSTRUCTOR = yaml.constructor.SafeConstructor()


class DocumentError(ValueError):
    """A document that cannot be read, with where the problem is."""

    def __init__(self, source: str, line: int, column: int, message: str) -> None:
        super().__init__(f"{source}:{line}:{column}: {message}")
        self.source, self.line, self.column, self.message = source, line, column, message


@dataclass(frozen=True)
class Located:
    """A value and where it is written (1-based line and column).

    ``value`` is a dict of ``str -> Located``, a list of ``Located``, or a plain
    scalar (int, float, bool, str or None).
    """

    value: Any
    line: int = 1
    column: int = 1
    keys: dict[str, tuple[int, int]] | None = None  # for a mapping: where each key is written

    def key_position(self, key: str) -> tuple[int, int]:
        """Where ``key`` of this mapping is written (its value's position when unknown)."""
        if self.keys and key in self.keys:
            return self.keys[key]
        child = self.value.get(key) if isinstance(self.value, dict) else None
        return (child.line, child.column) if child is not None else (self.line, self.column)

    def plain(self) -> Any:
        """The value with every position stripped."""
        if isinstance(self.value, dict):
            return {k: v.plain() for k, v in self.value.items()}
        if isinstance(self.value, list):
            return [v.plain() for v in self.value]
        return self.value


def read_document(source: str | Path, text: str | None = None) -> tuple[str, Located]:
    """Read ``source`` (a path, or ``"-"`` for stdin) into a :class:`Located` tree.

    Returns the name used in messages and the tree. The format follows the
    file extension (.yaml/.yml, .toml, .json); stdin is JSON when it starts with
    ``{``, else YAML, else TOML.
    """
    name = str(source)
    if text is None:
        try:
            text = sys.stdin.read() if name == "-" else Path(source).read_text(encoding="utf-8")
        except FileNotFoundError:
            raise DocumentError(name, 1, 1, "no such file (expected an answers file: YAML, TOML or JSON)") from None
        except IsADirectoryError:
            raise DocumentError(name, 1, 1, "is a directory (expected an answers file)") from None
        except (OSError, UnicodeDecodeError) as error:
            raise DocumentError(name, 1, 1, f"cannot read ({error}) (expected a UTF-8 text file)") from None
        if name == "-":
            name = "<stdin>"
    suffix = Path(name).suffix.lower()
    if suffix == ".toml":
        return name, _read_toml(name, text)
    if suffix == ".json" or (suffix not in (".yaml", ".yml") and text.lstrip().startswith("{")):
        return name, _read_json(name, text)
    try:
        return name, _read_yaml(name, text)
    except DocumentError:
        if suffix in (".yaml", ".yml"):
            raise
        return name, _read_toml(name, text)


# ---------------------------------------------------------------- YAML and JSON
def _read_yaml(name: str, text: str) -> Located:
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        raise DocumentError(name, line, column, f"{error.problem or 'invalid YAML'} (expected valid YAML)") from None
    except yaml.YAMLError as error:
        raise DocumentError(name, 1, 1, f"{error} (expected valid YAML)") from None
    if node is None:
        return Located({}, 1, 1)
    return _from_yaml_node(name, node)


def _from_yaml_node(name: str, node: yaml.Node) -> Located:
    line, column = node.start_mark.line + 1, node.start_mark.column + 1
    if isinstance(node, yaml.MappingNode):
        mapping: dict[str, Located] = {}
        keys: dict[str, tuple[int, int]] = {}
        for key_node, value_node in node.value:
            key = _scalar(key_node) if isinstance(key_node, yaml.ScalarNode) else None
            if not isinstance(key, (str, int, float)) or isinstance(key, bool):
                raise DocumentError(name, key_node.start_mark.line + 1, key_node.start_mark.column + 1,
                                    "a key must be a name (expected e.g. hidden.W)")
            mapping[str(key)] = _from_yaml_node(name, value_node)
            keys[str(key)] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
        return Located(mapping, line, column, keys)
    if isinstance(node, yaml.SequenceNode):
        return Located([_from_yaml_node(name, item) for item in node.value], line, column)
    return Located(_scalar(node), line, column)


def _scalar(node: yaml.ScalarNode) -> Any:
    """A scalar as YAML resolves it, except that plain ``1e-3`` is a number (YAML 1.1 wants ``1.0e-3``)."""
    if node.style:  # quoted or block: a string exactly as written (plain style is None or "")
        return node.value
    if node.tag == "tag:yaml.org,2002:str":
        return float(node.value) if _NUMBER.match(node.value) else node.value
    return _CONSTRUCTOR.construct_object(node)


def _read_json(name: str, text: str) -> Located:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise DocumentError(name, error.lineno, error.colno, f"{error.msg} (expected valid JSON)") from None
    try:  # JSON is YAML's flow style: compose it again for positions
        return _from_yaml_node(name, yaml.compose(text, Loader=_Loader))
    except (yaml.YAMLError, DocumentError, AttributeError):
        return _unlocated(data)


def _unlocated(data: Any, line: int = 1, column: int = 1) -> Located:
    if isinstance(data, dict):
        return Located({str(k): _unlocated(v, line, column) for k, v in data.items()}, line, column)
    if isinstance(data, list):
        return Located([_unlocated(v, line, column) for v in data], line, column)
    return Located(data, line, column)


# ---------------------------------------------------------------- TOML
_TOML_AT = re.compile(r"\(at line (\d+), column (\d+)\)")


def _read_toml(name: str, text: str) -> Located:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        found = _TOML_AT.search(str(error))
        line, column = (int(found.group(1)), int(found.group(2))) if found else (1, 1)
        message = _TOML_AT.sub("", str(error)).strip()
        raise DocumentError(name, line, column, f"{message} (expected valid TOML)") from None
    lines = text.splitlines()
    return _toml_located(data, lines, (1, 1))


def _toml_located(data: Any, lines: list[str], where: tuple[int, int]) -> Located:
    if isinstance(data, dict):
        return Located({k: _toml_located(v, lines, _find_key(lines, k, where)) for k, v in data.items()}, *where)
    if isinstance(data, list):
        return Located([_toml_located(v, lines, where) for v in data], *where)
    return Located(data, *where)


def _find_key(lines: list[str], key: str, after: tuple[int, int]) -> tuple[int, int]:
    """Where ``key`` is written (as ``key =``, ``"key" =`` or a table header), searching from ``after``."""
    pattern = re.compile(r'^\s*(\[\s*)?("?)' + re.escape(key) + r'\2\s*(=|\])')
    for number in range(after[0] - 1, len(lines)):
        found = pattern.search(lines[number]) or _inline_key(lines[number], key)
        if found:
            return number + 1, found.start(2) + 1 if found.re is pattern else found.start() + 1
    return after


def _inline_key(line: str, key: str) -> re.Match[str] | None:
    return re.search(r'(?<=[{,\s])"?' + re.escape(key) + r'"?\s*=', line)
