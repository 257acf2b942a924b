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

import math
import re
from dataclasses import dataclass
from functools import cached_property
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from gradwork.documents.errors import ProblemError
from gradwork.documents.sources import DataPath, Document, check_data, parse, read, sniff_format
from gradwork.numbers.tolerance import Tolerance, ToleranceError
from gradwork.problem.quantities import quantity_key

Section = Literal["loss", "values", "gradients", "updated"]
SECTIONS: tuple[Section, ...] = ("values", "gradients", "updated")
TOP_LEVEL = ("loss", "values", "gradients", "updated", "tolerance")
_ELEMENT = re.compile(r"^(?P<name>[^\[\]]+?)\s*\[(?P<index>\s*\d+\s*(?:,\s*\d+\s*)*)\]$")


class AnswersError(ProblemError):
    """A problem with an answers file: ``FILE:LINE:COL: what is wrong (what was expected)``, as for problem files."""


@dataclass(frozen=True)
class Answer:
    """One answered key: a whole array or scalar, or one element of it."""

    section: Section
    name: str  # the node or parameter name; "loss" for the loss
    index: tuple[int, ...] | None  # 0-based element index, or None for the whole quantity
    value: Any  # as written: number, string, nested list (None = a blank entry), or None (left blank)
    line: int = 1
    column: int = 1

    @cached_property
    def key(self) -> str:
        """How reports name the item: "loss", "values.output.a", "gradients.hidden.W[1,0]"."""
        return quantity_key(self.section, self.name, self.index)


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
        return AnswersError(self.source, answer.line, answer.column, message, expected or "")


def read_answers(source: str | Path, text: str | None = None) -> Answers:
    """Read an answers file (YAML, TOML or JSON; ``"-"`` for stdin). Raises :class:`AnswersError`.

    ``text``, when given, is the file's content and ``source`` only names it.
    Reading (with the position of every key and value) is ``gradwork.problem``'s.
    """
    try:
        if text is not None:
            suffix = Path(str(source)).suffix.lower().lstrip(".")
            form = {"yml": "yaml"}.get(suffix, suffix)
            document = parse(text, form if form in ("yaml", "toml", "json") else sniff_format(text), str(source))
        else:
            document = read("-" if str(source) == "-" else Path(source))
    except ProblemError as error:
        expected = error.expected.replace("problem file", "answers file")
        if error.message == "the file is empty":
            expected = "answers such as `loss: 0.25` or `gradients: {output.W: [...]}`"
        raise AnswersError(error.file, error.line, error.column, error.message, expected) from None
    return parse_answers(document)


def parse_answers(document: Document | dict[str, Any], source: str = "<answers>") -> Answers:
    """Answers from a parsed document (with positions), or from a plain dict (positions 1:1)."""
    if not isinstance(document, Document):
        if not isinstance(document, dict):
            raise TypeError(f"parse_answers() takes a Document or a dict of answers, not {type(document).__name__}")
        try:  # bounded like a file (depth, sizes): a 5,000-deep list is one located error
            document = check_data(document, source)
        except ProblemError as error:
            raise AnswersError(error.file, error.line, error.column, error.message, error.expected) from None
    source, data = document.name, document.data
    if not isinstance(data, dict):
        raise _error(document, (), "an answers file must be a mapping", "keys " + ", ".join(TOP_LEVEL))
    answers: list[Answer] = []
    tolerance: Tolerance | None = None
    for key, value in data.items():
        if key not in TOP_LEVEL:
            raise _error(document, (key,), f"unknown key {key!r}", "one of " + ", ".join(TOP_LEVEL), at="key")
        if key == "tolerance":
            tolerance = _tolerance(document, value)
        elif key == "loss":
            answers.append(Answer("loss", "loss", None, _value(document, ("loss",), value),
                                  *_where(document, ("loss",), "key")))
        elif value is not None:
            if not isinstance(value, dict):
                raise _error(document, (key,), f"{key} must be a mapping of names to answers",
                             f"e.g. {key}: {{hidden.W: [[...]]}}")
            for name, entry in value.items():
                answers.append(_answer(document, key, name, entry))
    return Answers(source, tuple(answers), tolerance)


def _answer(document: Document, section: Section, written: str, entry: Any) -> Answer:
    path: DataPath = (section, written)
    name, index = written.strip(), None
    if "[" in written or "]" in written:
        found = _ELEMENT.match(written.strip())
        if not found:
            raise _error(document, path, f"cannot read the element key {written!r}",
                         "a name and 0-based indices such as hidden.W[1,0]", at="key")
        name = found.group("name").strip()
        index = tuple(int(part) for part in found.group("index").split(","))
    value = _value(document, path, entry)
    if index is not None and isinstance(value, list):
        raise _error(document, path, f"{written} names one element but holds a list", "a single number")
    return Answer(section, name, index, value, *_where(document, path, "key"))


def _value(document: Document, path: DataPath, value: Any) -> Any:
    """The value as written; {T: M} becomes M's transpose; "" becomes None; decimals become floats."""
    if isinstance(value, dict):
        if set(value) == {"T"} and isinstance(value["T"], list):
            matrix = _value(document, path + ("T",), value["T"])
            if not matrix or not all(isinstance(row, list) and len(row) == len(matrix[0]) for row in matrix):
                raise _error(document, path, "{T: ...} needs a rectangular matrix", "a list of equally long rows")
            return [list(column) for column in zip(*matrix)]
        raise _error(document, path, "an answer cannot be a mapping",
                     "a number, a list of numbers, a string, or {T: [[...]]}")
    if isinstance(value, list):
        return [_value(document, path + (i,), item) for i, item in enumerate(value)]
    if isinstance(value, bool):
        raise _error(document, path, f"{value!r} is not a number",
                     "a number, a fraction string such as \"3/8\", or a formula")
    if isinstance(value, (Decimal, float)):  # written with a point or an exponent; exact mode reads it back exactly
        number = float(value)
        if not math.isfinite(number):  # .nan, .inf, 1e999999999: no answer to mark against
            raise _error(document, path, f"{value} is not a finite number", "a number below about 1.8e308")
        return number
    if isinstance(value, str) and not value.strip():
        return None
    return value


def _tolerance(document: Document, spec: Any) -> Tolerance:
    plain = {k: float(v) if isinstance(v, Decimal) else v for k, v in spec.items()} if isinstance(spec, dict) else spec
    try:
        return Tolerance.parse(plain)
    except ToleranceError as error:
        key = error.key
        path: DataPath = ("tolerance",)
        if key is not None and isinstance(spec, dict) and key in spec:
            path = ("tolerance", key)
        raise _error(document, path, str(error)) from None


def _where(document: Document, path: DataPath, at: str = "value") -> tuple[int, int]:
    span = document.span(path)
    position = span.key if at == "key" and span.key is not None else span.value
    return position.line, position.column


def _error(document: Document, path: DataPath, message: str, expected: str = "", at: str = "value") -> AnswersError:
    return AnswersError(document.name, *_where(document, path, at), message, expected)
