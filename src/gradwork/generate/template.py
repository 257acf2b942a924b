"""Reading a template: a problem file whose numbers may be ranges or choices, plus what a variant must satisfy.

A template is a problem file (YAML, TOML or JSON, either form) in which any value
may be replaced by

* ``{random: {shape: [2, 2], low: -1, high: 1, step: 0.1}}``: numbers drawn
  uniformly from the grid low, low + step, ..., high (``shape`` omitted: one
  number; ``step`` omitted: 0.1; ``nonzero: true`` leaves 0 out of the grid);
* ``{choice: [relu, sigmoid, tanh]}``: one of the listed values (any value:
  a name, a number, a list, a mapping).

and five top-level keys that are the template's own and never reach a variant:

* ``constraints: [nice, no_dead_relu, ...]`` (see :mod:`gradwork.generate.constraints`);
* ``tries: 1000``: how many candidates a variant may draw before giving up;
* ``expect: [...]``: author tests (see :mod:`gradwork.generate.expect`);
* ``uuid: ...``: the PrairieLearn question's UUID (default: one that follows from the file name);
* ``hints: [rules, "Use natural logs."]``: what the student sheet may tell (``rules``: each function's
  derivative rule; any other line is printed as it is). Without it the sheet asks and tells nothing else.

Every error is one ``FILE:LINE:COL`` line at the offending key or value of the
template, through :class:`~gradwork.documents.sources.Document`'s positions.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from dataclasses import dataclass, field
from functools import cached_property
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np

from gradwork.documents.errors import ProblemError
from gradwork.numbers.written import is_number
from gradwork.documents.sources import DataPath, Document, read
from gradwork.generate.constraints import CONSTRAINTS

TEMPLATE_KEYS = ("constraints", "tries", "expect", "uuid", "hints")
MAX_TRIES = 100_000  # bounded work: a template cannot ask for more candidates per variant than this
MAX_DRAWN = 10_000  # numbers drawn per candidate
MAX_GRID = 10**9  # points on one random grid
GRID_KEPT = 4096  # a grid of at most this many points is made once per template (its numbers are looked up)
GRID_DIGITS = 28  # significant digits of a grid point (Python's decimal arithmetic is exact up to 28)


@dataclass(frozen=True)
class RandomSpec:
    """Numbers drawn uniformly from the grid ``low + k * step`` (k = 0, 1, ..., n) within [low, high]."""

    path: DataPath
    shape: tuple[int, ...]
    low: Decimal
    step: Decimal
    count: int  # grid points: n + 1
    nonzero: bool = False

    @property
    def integers(self) -> bool:
        return self.low == self.low.to_integral_value() and self.step == self.step.to_integral_value()

    def values(self, indices: np.ndarray) -> Any:
        """Grid indices (an integer array of ``shape``) as exact numbers: nested lists of Decimal or int."""
        grid = self.grid
        if grid is not None and self.integers:
            return grid[indices].tolist() if self.shape else grid[int(indices)]
        if grid is not None:  # a new Decimal for each number drawn (+x: x itself), as each is its own in a variant
            return np.positive(grid[indices]).tolist() if self.shape else +grid[int(indices)]
        if not self.shape:
            return self.number(int(indices))
        flat = np.empty(len(indices.ravel()), dtype=object)
        flat[:] = [self.number(k) for k in indices.ravel().tolist()]
        return flat.reshape(indices.shape).tolist()

    def number(self, k: int) -> Any:
        """Grid point ``k`` as written in a variant: an int on an integer grid, else a normalised Decimal."""
        places = max(-self.low.as_tuple().exponent, -self.step.as_tuple().exponent, 0)  # type: ignore[operator]
        value = (self.low + self.step * k).quantize(Decimal(1).scaleb(-places))
        if self.integers:
            return int(value)
        return value.normalize() if value != 0 else Decimal(0)

    @cached_property
    def grid(self) -> np.ndarray | None:
        """Every grid point (an object array, :meth:`number` of each), for a grid of at most GRID_KEPT points."""
        if self.count > GRID_KEPT:
            return None
        grid = np.empty(self.count, dtype=object)
        grid[:] = [self.number(k) for k in range(self.count)]
        return grid


@dataclass(frozen=True)
class ChoiceSpec:
    path: DataPath
    options: tuple[Any, ...]


Spec = RandomSpec | ChoiceSpec


@dataclass
class Template:
    """A parsed template: the problem body with its random parts, and the template's own settings."""

    document: Document
    body: dict[str, Any]  # the problem data; each random part is still its {random: ...} / {choice: ...} mapping
    specs: tuple[Spec, ...]
    constraints: tuple[str, ...]
    tries: int
    expect: list[Any] = field(default_factory=list)
    checked: bool = False
    # What the student sheet may tell beyond the question (docs/generate.md): "rules" (each function's
    # derivative rule) and lines of text, in order. Without it a sheet asks and tells nothing else.
    hints: tuple[str, ...] = ()  # validated before (an export's template.json): variants skip the pydantic schema
    # Each choice of options' compiled first look at a candidate (gradwork.generate.screen), made by the first
    # draw that solves one; None: that choice cannot be screened.
    screens: dict[tuple[int, ...], Any] = field(default_factory=dict, init=False, compare=False, repr=False)

    @property
    def name(self) -> str:
        return self.document.name

    @property
    def hash(self) -> str:
        """SHA-256 of the template's text: which template a variant came from, whatever its file name."""
        return hashlib.sha256(self.document.text.encode("utf-8")).hexdigest()

    @property
    def stem(self) -> str:
        """The template's file name without suffix, made safe to name a folder and to print on one line.

        Letters, digits and ``_ . + -`` are kept; anything else becomes ``_`` and
        leading dots are dropped, so ``...yaml`` cannot name ``..`` and a new line
        in a file name cannot start a new line in an output.
        """
        name = self.document.name
        stem = Path(name).stem if not name.startswith("<") else "template"
        return re.sub(r"[^A-Za-z0-9_.+-]+", "_", stem).lstrip(".")[:100] or "template"

    def error(self, path: DataPath, message: str, expected: str = "", *, at: str = "value") -> ProblemError:
        return self.document.error(path, message, expected, at=at)

    def fill(self, drawn: dict[DataPath, Any]) -> dict[str, Any]:
        """The body with every random part replaced by its drawn value."""
        def walk(value: Any, path: DataPath) -> Any:
            if path in drawn:
                return drawn[path]
            if isinstance(value, dict):
                return {key: walk(item, path + (key,)) for key, item in value.items()}
            if isinstance(value, list):
                return [walk(item, path + (index,)) for index, item in enumerate(value)]
            return value
        return walk(self.body, ())


def read_template(source: str | Path, *, checked: bool = False) -> Template:
    """Read and check a template file (a path, ``"-"``, or the text itself).

    ``checked=True``: the template was validated when it was exported (PrairieLearn's
    ``template.json``), so its variants are built without pydantic (see ``problem.load``).
    """
    document = read(source)
    data = document.data
    if not isinstance(data, dict):
        raise document.error((), "a template must be a mapping", "a problem file with `layers:` or `graph:`")
    specs: list[Spec] = []
    _collect(document, data, (), specs, inside=None)
    constraints = _constraints(document, data.get("constraints"))
    tries = data.get("tries", 1000)
    if isinstance(tries, bool) or not isinstance(tries, int) or not 1 <= tries <= MAX_TRIES:
        raise document.error(("tries",), f"tries must be a whole number from 1 to {MAX_TRIES}",
                             "for example `tries: 1000`")
    expect = data.get("expect", [])
    if not isinstance(expect, list):
        raise document.error(("expect",), "expect must be a list of cases", "`- plant: log_base_10 ...` items")
    stated = data.get("uuid")
    if stated is not None:
        try:
            uuid.UUID(str(stated))
        except ValueError:
            raise document.error(("uuid",), f"uuid {str(stated)[:60]!r} is not a UUID",
                                 "for example 0f8fad5b-d9cb-469f-a165-70867728950e") from None
    hints = data.get("hints", [])
    if hints is True:
        hints = ["rules"]
    if not isinstance(hints, list) or not all(isinstance(h, str) and h.strip() for h in hints) or len(hints) > 20:
        raise document.error(("hints",), "hints must be a list of lines (at most 20)",
                             "for example `hints: [rules, \"Use the natural log.\"]`")
    body = {key: value for key, value in data.items() if key not in TEMPLATE_KEYS}
    return Template(document, body, tuple(specs), constraints, tries, expect, checked,
                    tuple(h.strip()[:300] for h in hints))


def _constraints(document: Document, value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise document.error(("constraints",), "constraints must be a list of names",
                             "for example [nice, no_dead_relu]")
    names = []
    for index, name in enumerate(value):
        if name not in CONSTRAINTS:
            raise document.error(("constraints", index), f"unknown constraint {name!r}",
                                 "one of " + ", ".join(CONSTRAINTS))
        if name in names:
            raise document.error(("constraints", index), f"constraint {name!r} is listed twice", "each once")
        names.append(name)
    return tuple(names)


def _collect(document: Document, value: Any, path: DataPath, specs: list[Spec], inside: DataPath | None) -> None:
    if path and path[0] in TEMPLATE_KEYS:
        return
    if isinstance(value, dict) and len(value) == 1 and next(iter(value)) in ("random", "choice"):
        if inside is not None:
            raise document.error(path, "a random part cannot sit inside another one's options",
                                 "plain values inside `choice:`")
        kind = next(iter(value))
        spec = (_random(document, value["random"], path) if kind == "random"
                else _choice(document, value["choice"], path))
        specs.append(spec)
        if isinstance(spec, ChoiceSpec):
            for index, option in enumerate(spec.options):
                _collect(document, option, path + ("choice", index), specs, path)
        return
    if isinstance(value, dict):
        for key, item in value.items():
            _collect(document, item, path + (key,), specs, inside)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _collect(document, item, path + (index,), specs, inside)


def _choice(document: Document, options: Any, path: DataPath) -> ChoiceSpec:
    if not isinstance(options, list) or not options:
        raise document.error(path + ("choice",), "choice needs a non-empty list of options",
                             "for example {choice: [relu, sigmoid, tanh]}")
    return ChoiceSpec(path, tuple(options))


def _decimal(document: Document, spec: dict, key: str, path: DataPath, default: Any = None) -> Decimal:
    value = spec.get(key, default)
    if value is None:
        raise document.error(path, f"random needs `{key}`", "low, high and optionally shape, step", at="key")
    if not is_number(value) or isinstance(value, float):
        raise document.error(path + (key,), f"{key} must be a number", "for example -1 or 0.5")
    try:
        number = Decimal(value) if isinstance(value, int) else Decimal(str(value))
    except (ArithmeticError, ValueError):  # "1/3": a fraction has no exact decimal grid
        raise document.error(path + (key,), f"{key} must be a decimal number, not {value!r}",
                             "a decimal such as -1 or 0.5; a fraction such as 1/3 has no grid of decimals") from None
    if not number.is_finite():
        raise document.error(path + (key,), f"{key} must be finite", "a number such as 1")
    return number


def _random(document: Document, spec: Any, path: DataPath) -> RandomSpec:
    where = path + ("random",)
    if not isinstance(spec, dict):
        raise document.error(where, "random needs a mapping", "{shape: [2, 2], low: -1, high: 1, step: 0.1}")
    unknown = [key for key in spec if key not in ("shape", "low", "high", "step", "nonzero")]
    if unknown:
        raise document.error(where + (unknown[0],), f"unknown key {unknown[0]!r} in random",
                             "shape, low, high, step, nonzero", at="key")
    shape_value = spec.get("shape", [])
    if not isinstance(shape_value, list) or not all(
            isinstance(n, int) and not isinstance(n, bool) and n >= 1 for n in shape_value):
        raise document.error(where + ("shape",), "shape must be a list of positive whole numbers", "[2, 2], [3] or []")
    shape = tuple(shape_value)
    if int(np.prod(shape, dtype=np.int64)) > MAX_DRAWN:
        raise document.error(where + ("shape",), f"shape {list(shape)} holds more than {MAX_DRAWN} numbers",
                             "a small exercise")
    low = _decimal(document, spec, "low", where)
    high = _decimal(document, spec, "high", where)
    step = _decimal(document, spec, "step", where, Decimal("0.1"))
    if step <= 0:
        raise document.error(where + ("step",), "step must be positive", "for example 0.1")
    if high < low:
        raise document.error(where + ("high",), f"high ({high}) is below low ({low})", "low <= high")
    places = max(-low.as_tuple().exponent, -step.as_tuple().exponent, 0)  # type: ignore[operator]
    digits = max(abs(low), abs(high)).adjusted() + 1 + places
    if digits > GRID_DIGITS:  # every grid point must be exact in decimal arithmetic (step: 1e-40 next to 5)
        raise document.error(where + ("step",), f"the grid from {low} to {high} by {step} needs {digits} significant "
                             f"digits", f"at most {GRID_DIGITS}: a coarser step or smaller numbers")
    steps = (high - low) / step
    if steps > MAX_GRID:
        raise document.error(where + ("step",), f"the grid from {low} to {high} by {step} has over {MAX_GRID} points",
                             "a coarser step")
    if steps != steps.to_integral_value():
        raise document.error(where + ("step",), f"high - low ({high - low}) is not a whole number of steps of {step}",
                             "low and high on the step's grid")
    nonzero = spec.get("nonzero", False)
    if not isinstance(nonzero, bool):
        raise document.error(where + ("nonzero",), "nonzero must be true or false", "true or false")
    count = int(steps) + 1
    if nonzero and low <= 0 <= high and (-low) % step == 0 and count == 1:
        raise document.error(where, "the only number on this grid is 0, and nonzero leaves it out",
                             "a range with more than 0 in it")
    return RandomSpec(path, shape, low, step, count, nonzero)
