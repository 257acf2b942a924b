"""Answers files: a student's numbers in the shape of ``gradwork solve --format json``.

    loss: 0.2225
    values:    {output.a: 0.401}
    gradients: {output.W: [0, 0.3208], "hidden.W[1,0]": -0.2005}
    updated:   {hidden.W: [[0.5, -0.597], [-0.4, 0.80401]]}
    tolerance: {sigfigs: 3}       # or {digits: 3}, or {rtol: 1e-3, atol: 1e-8}

YAML, TOML or JSON. A key is a node or parameter name as ``solve`` reports it,
optionally with a 0-based element index (``hidden.W[1,0]``). A value is a
number, a nested list of numbers, a string (a fraction such as "3/8", or a
formula in symbolic mode), or ``{T: [[...]]}`` for the transpose of the listed
matrix (as problem files allow). ``null`` (or an empty string) marks an answer
left blank; inside a list it marks one blank entry.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from gradwork.check.compare import Tolerance, ToleranceError
from gradwork.check.source import DocumentError, Located, read_document

Section = Literal["loss", "values", "gradients", "updated"]
SECTIONS: tuple[Section, ...] = ("values", "gradients", "updated")
TOP_LEVEL = ("loss", "values", "gradients", "updated", "tolerance")
_ELEMENT = re.compile(r"^(?P<name>[^\[\]]+?)\s*\[(?P<index>\s*\d+\s*(?:,\s*\d+\s*)*)\]$")


class AnswersError(ValueError):
    """A problem with an answers file, shown as ``FILE:LINE:COL: what is wrong (what was expected)``."""

    def __init__(self, source: str, line: int, column: int, message: str, expected: str | None = None) -> None:
        text = f"{source}:{line}:{column}: {message}" + (f" (expected {expected})" if expected else "")
        super().__init__(text)
        self.source, self.line, self.column = source, line, column
        self.message, self.expected = message, expected


@dataclass(frozen=True)
class Answer:
    """One answered key: a whole array or scalar, or one element of it."""

    section: Section
    name: str  # the node or parameter name; "loss" for the loss
    index: tuple[int, ...] | None  # 0-based element index, or None for the whole quantity
    value: Any  # as written: number, string, nested list (None = a blank entry), or None (left blank)
    line: int = 1
    column: int = 1

    @property
    def key(self) -> str:
        """How reports name the item: "loss", "values.output.a", "gradients.hidden.W[1,0]"."""
        if self.section == "loss":
            return "loss"
        suffix = "" if self.index is None else "[" + ",".join(map(str, self.index)) + "]"
        return f"{self.section}.{self.name}{suffix}"


@dataclass(frozen=True)
class Answers:
    """A student's answers file."""

    source: str
    answers: tuple[Answer, ...]
    tolerance: Tolerance | None = None  # None: the default (3 significant figures)

    @property
    def student(self) -> str:
        """The file's stem: a gradebook's row name."""
        return Path(self.source).stem if self.source not in ("-", "<stdin>") else "stdin"

    def error(self, answer: Answer, message: str, expected: str | None = None) -> AnswersError:
        return AnswersError(self.source, answer.line, answer.column, message, expected)


def read_answers(source: str | Path, text: str | None = None) -> Answers:
    """Read an answers file (YAML, TOML or JSON; ``"-"`` for stdin). Raises :class:`AnswersError`."""
    try:
        name, document = read_document(source, text)
    except DocumentError as error:
        raise AnswersError(error.source, error.line, error.column, error.message) from None
    return parse_answers(document, name)


def parse_answers(document: Located | dict[str, Any], source: str = "<answers>") -> Answers:
    """Answers from a parsed document (a :class:`Located` tree, or a plain dict without positions)."""
    root = document if isinstance(document, Located) else _locate(document)
    if not isinstance(root.value, dict):
        raise AnswersError(source, root.line, root.column, "an answers file must be a mapping",
                           "keys " + ", ".join(TOP_LEVEL))
    answers: list[Answer] = []
    tolerance: Tolerance | None = None
    for key, located in root.value.items():
        if key not in TOP_LEVEL:
            raise AnswersError(source, *root.key_position(key), f"unknown key {key!r}", "one of " + ", ".join(TOP_LEVEL))
        if key == "tolerance":
            tolerance = _tolerance(source, located)
        elif key == "loss":
            answers.append(Answer("loss", "loss", None, _value(source, located), *root.key_position(key)))
        else:
            if located.value is None:
                continue
            if not isinstance(located.value, dict):
                raise AnswersError(source, located.line, located.column, f"{key} must be a mapping of names to answers",
                                   f"e.g. {key}: {{hidden.W: [[...]]}}")
            for name, entry in located.value.items():
                answers.append(_answer(source, key, name, entry, located.key_position(name)))  # type: ignore[arg-type]
    return Answers(source, tuple(answers), tolerance)


def _answer(source: str, section: Section, written: str, entry: Located, at: tuple[int, int]) -> Answer:
    name, index = written.strip(), None
    if "[" in written or "]" in written:
        found = _ELEMENT.match(written.strip())
        if not found:
            raise AnswersError(source, *at, f"cannot read the element key {written!r}",
                               "a name and 0-based indices such as hidden.W[1,0]")
        name = found.group("name").strip()
        index = tuple(int(part) for part in found.group("index").split(","))
    value = _value(source, entry)
    if index is not None and isinstance(value, list):
        raise AnswersError(source, entry.line, entry.column, f"{written} names one element but holds a list",
                           "a single number")
    return Answer(section, name, index, value, *at)


def _value(source: str, entry: Located) -> Any:
    """The value as written, positions dropped; {T: M} becomes M's transpose; "" becomes None."""
    value = entry.value
    if isinstance(value, dict):
        if set(value) == {"T"} and isinstance(value["T"].value, list):
            matrix = _value(source, value["T"])
            if not matrix or not all(isinstance(row, list) and len(row) == len(matrix[0]) for row in matrix):
                raise AnswersError(source, entry.line, entry.column, "{T: ...} needs a rectangular matrix",
                                   "a list of equally long rows")
            return [list(column) for column in zip(*matrix)]
        raise AnswersError(source, entry.line, entry.column, "an answer cannot be a mapping",
                           "a number, a list of numbers, a string, or {T: [[...]]}")
    if isinstance(value, list):
        return [_value(source, item) for item in value]
    if isinstance(value, bool):
        raise AnswersError(source, entry.line, entry.column, f"{value!r} is not a number",
                           "a number, a fraction string such as \"3/8\", or a formula")
    if isinstance(value, str) and not value.strip():
        return None
    return value


def _tolerance(source: str, located: Located) -> Tolerance:
    spec = located.plain()
    try:
        return Tolerance.parse(spec)
    except ToleranceError as error:
        where = located.value.get(error.key, located) if isinstance(located.value, dict) and error.key else located
        raise AnswersError(source, where.line, where.column, str(error)) from None


def _locate(data: Any) -> Located:
    if isinstance(data, dict):
        return Located({str(k): _locate(v) for k, v in data.items()})
    if isinstance(data, (list, tuple)):
        return Located([_locate(v) for v in data])
    return Located(data)
