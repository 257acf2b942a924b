"""Re-evaluating a page of equations read back from any format.

The page is read top to bottom as a student reads it. Each equation chain
``lhs = formula = numbers = result`` is parsed (grammar.py); its result is
evaluated with interval arithmetic (values.py); every other side that can be
evaluated — numbers only, or symbols whose values the page has already given —
must meet it. A symbol on the left of an equation takes the result as its
value for the rest of the page (``a₃ = … = 0.4013``), as does a step reference
(``① … = 1.670``). Failures, by kind:

* ``false``: a side evaluates to something else than the printed result;
* ``shape``: a side cannot be evaluated as printed (a column times a column);
* ``unreadable``: an equation this reader cannot parse (code, engine words, a
  label that reads as a number's bracket …);
* ``substitution``: the numbers side is not the formula beside it with each symbol
  replaced by its number (terms reordered, a factor dropped or added);
* ``no_numbers``: a formula with symbols followed directly by its result, so a
  reader cannot check it (``[z₁ > 0] = 0`` without z₁'s value);
* ``two_meanings``: a symbol given two different values on one page.

Function definitions stated on the page (``σ(x) = 1 / (1 + exp(−x))``) are
used as printed when a later equation applies the function.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from tests.explain.reread import values as v
from tests.explain.reread.grammar import names_in, parse, show, split_name
from tests.explain.reread.values import I, Mismatch, NotNumeric, Unreadable

TABLES = ("Summary", "Answers")
KINDS = ("false", "shape", "unreadable", "substitution", "no_numbers", "two_meanings")


@dataclass(frozen=True)
class Equation:
    """One printed equation in the text notation, where it was found, and its step reference if any."""

    text: str
    where: str = ""
    label: str | None = None


@dataclass
class Report:
    equations: int = 0  # chains read
    checked: int = 0  # sides re-evaluated against their chain's result
    failures: dict[str, list[str]] = field(default_factory=lambda: {kind: [] for kind in KINDS})

    def add(self, kind: str, message: str) -> None:
        self.failures[kind].append(message)

    def merge(self, other: Report) -> None:
        self.equations += other.equations
        self.checked += other.checked
        for kind in KINDS:
            self.failures[kind] += other.failures[kind]

    def problems(self, kinds: tuple[str, ...] = KINDS) -> list[str]:
        return [f"[{kind}] {message}" for kind in kinds for message in self.failures[kind]]


class Reader:
    def __init__(self, digits: int = 4, steps_in_brackets: bool = False) -> None:
        """``steps_in_brackets``: a network page, where W⁽¹⁾[2] is W⁽¹⁾ after step 2 (not an element)."""
        self.digits = digits
        self.steps_in_brackets = steps_in_brackets
        self.env: dict[str, Any] = {}
        self.functions: dict[str, tuple[str, Any]] = {}
        self.report = Report()

    # ------------------------------------------------------------ the page
    def read(self, equations: list[Equation]) -> Report:
        for equation in equations:
            self.equation(equation)
        return self.report

    def equation(self, eq: Equation) -> None:
        if eq.where.strip() in TABLES:
            return  # the summary's rows are values already derived above
        where = f"{eq.where}: {eq.text}" if eq.where else eq.text
        try:
            sides, ops = parse(eq.text)
        except (Unreadable, KeyError, IndexError, ValueError) as error:
            self.report.add("unreadable", f"{where}  ({error})")
            return
        if not ops:
            return  # a formula on its own (a rule's name, a definition): nothing to compare
        self.report.equations += 1
        lhs = sides[0]
        if lhs[0] == "call" and len(lhs[2]) == 1 and lhs[2][0][0] == "name" and len(sides) == 2:
            self.functions[lhs[1]] = (lhs[2][0][1], sides[1])  # σ(x) = …: the page's own definition
            return
        try:
            result = self.value(sides[-1])
        except NotNumeric:
            return  # a general rule, or a result that is a formula
        except (Mismatch, OverflowError, ZeroDivisionError) as error:
            self.report.add("shape", f"{where}  (the result: {error})")
            return
        for i, side in enumerate(sides[:-1]):
            if i == 0 and side[0] == "name" and not self.defined(side[1]):
                continue  # a symbol the page has not given a value yet: it takes the result
            try:
                value = self.value(side)
            except NotNumeric:
                continue
            except (Mismatch, OverflowError, ZeroDivisionError) as error:
                self.report.add("shape", f"{where}  (side {i + 1}: {error})")
                continue
            if i == 0 and side[0] in ("name", "deriv", "label"):
                if not v.meets(value, result):  # a symbol that already has a value, now another
                    self.report.add("two_meanings", f"{where}  ({show(side)} was {v.show(value)}, "
                                                    f"now {v.show(result)})")
                continue
            self.report.checked += 1
            if not v.meets(value, result):
                self.report.add("false", f"{where}  (side {i + 1} is {v.show(value)}, the result "
                                         f"{v.show(result)})")
        self._structure(sides, where)
        for side in [sides[0]] + ([("label", eq.label)] if eq.label else []):
            if side[0] in ("name", "deriv", "label"):
                self.env.setdefault(show(side), result)

    def _structure(self, sides: list[Any], where: str) -> None:
        """Each formula side (its symbols all valued on the page) is followed by itself with numbers in."""
        last = len(sides) - 1
        for i in range(1, last):
            formula, numbers = sides[i], sides[i + 1]
            if not self.names(formula) or self.names(numbers) or not _known(formula, self):
                continue
            if i + 1 == last:
                if not _simple(formula) and _leaf(numbers):
                    self.report.add("no_numbers", f"{where}  ({show(formula)} has no numbers side)")
                continue
            reason = _follows(formula, numbers)
            if reason:
                self.report.add("substitution", f"{where}  ({reason})")

    def names(self, node: Any) -> list[str]:
        """The symbols of a side (e and π are numbers unless the page gives them a value)."""
        return [key for key in names_in(node) if key not in ("e", "π") or key in self.env]

    # ------------------------------------------------------------ values
    def value(self, node: Any) -> Any:
        kind = node[0]
        if kind == "num":
            return v.printed_number(node[1], self.digits)
        if kind == "name":
            return self.lookup(node[1])
        if kind in ("deriv", "label"):
            key = show(node)
            if key in self.env:
                return self.env[key]
            raise NotNumeric(key)
        if kind == "vec":
            return v.vector([self.value(i) for i in node[1]], node[2])
        if kind == "mat":
            return v.matrix([[self.value(i) for i in row] for row in node[1]])
        if kind == "add":
            return v.add(self.value(node[1]), self.value(node[2]))
        if kind == "sub":
            return v.sub(self.value(node[1]), self.value(node[2]))
        if kind == "neg":
            return v.neg(self.value(node[1]))
        if kind == "mul":
            return v.multiply(self.value(node[2]), self.value(node[3]), node[1])
        if kind == "div":
            return v.div(self.value(node[1]), self.value(node[2]))
        if kind == "pow":
            return v.power(self.value(node[1]), self.value(node[2]))
        if kind == "T":
            return v.transpose(self.value(node[1]))
        if kind == "iverson":
            return v.compare(self.value(node[2]), node[1], self.value(node[3]))
        if kind == "call":
            return self.call(node[1], node[2])
        if kind == "cases":
            return self.cases(node[1])
        if kind == "index":
            base = self.value(node[1])
            return _element(base, node[2], one_based=True)
        if kind == "at":
            base = self.value(node[1])
            return _element(base, node[2], one_based=False)
        raise NotNumeric(kind)

    def defined(self, key: str) -> bool:
        try:
            self.lookup(key, constants=False)
            return True
        except NotNumeric:
            return False

    def lookup(self, key: str, constants: bool = True) -> Any:
        if key in self.env:
            return self.env[key]
        name = split_name(key)
        if name is not None and (name.sub or name.bracket and not self.steps_in_brackets):
            index, one_based = (name.sub, True) if name.sub else (name.bracket, False)
            for base in dict.fromkeys([name.base, name.base.upper(), name.base.lower()]):
                whole = type(name)(base, name.primes, name.layer, "" if name.sub else name.sub,
                                   "" if name.bracket else name.bracket).key
                if whole in self.env and v.is_array(self.env[whole]):
                    return _element(self.env[whole], index, one_based)
        if key == "e" and constants:
            return I(math.e).widen()
        if key == "π" and constants:
            return I(math.pi).widen()
        raise NotNumeric(key)

    def call(self, name: str, args: list[Any]) -> Any:
        if name in self.functions and len(args) == 1:
            parameter, body = self.functions[name]
            argument = self.value(args[0])
            saved = self.env.get(parameter, _MISSING)
            self.env[parameter] = argument
            try:
                return self.value(body)
            finally:
                if saved is _MISSING:
                    del self.env[parameter]
                else:
                    self.env[parameter] = saved
        values = [self.value(a) for a in args]
        if name in v.SCALAR and len(values) == 1:
            return v.each(v.SCALAR[name], values[0])
        if name == "softmax" and len(values) == 1:
            return v.softmax(values[0])
        if name in ("sum", "Σ") and len(values) == 1:
            return v.total(values[0])
        if name == "mean" and len(values) == 1:
            size = values[0].size if v.is_array(values[0]) else 1
            return v.div(v.total(values[0]), I(size))
        if name in ("max", "min"):
            if len(values) == 2:
                return (v.elementwise_max if name == "max" else v.elementwise_min)(*values)
            if len(values) == 1 and v.is_array(values[0]):
                cells = list(values[0].flat)
                pick = max if name == "max" else min
                return I(pick(c.lo for c in cells), pick(c.hi for c in cells))
        if name == "LeakyReLU" and len(values) == 1:
            alpha = self.lookup("α")
            return v.elementwise_max(values[0], v.multiply(alpha, values[0], "dot"))
        if name == "diag" and len(values) == 1:
            cells = list(values[0].flat) if v.is_array(values[0]) else [values[0]]
            return v.matrix([[cells[i] if i == j else I(0) for j in range(len(cells))] for i in range(len(cells))])
        raise NotNumeric(f"function {name}")

    def cases(self, branches: list[tuple[Any, Any]]) -> Any:
        for value, condition in branches:
            if condition is None:
                return self.value(value)
            holds = self.value(condition)
            if v.is_array(holds):
                raise NotNumeric("cases over an array")
            if holds.lo == holds.hi == 1:
                return self.value(value)
            if holds.hi > 0:
                raise NotNumeric("a condition the rounding cannot decide")
        raise NotNumeric("no branch")


_MISSING = object()


def _element(value: Any, index: str, one_based: bool) -> Any:
    if not v.is_array(value):
        raise NotNumeric("an index into a number")
    parts = index.split(",") if "," in index else list(index)
    if not all(p.isdigit() for p in parts):
        raise NotNumeric(f"index {index}")
    position = [int(p) - (1 if one_based else 0) for p in parts]
    cells = value if not (value.ndim == 2 and 1 in value.shape) else value.reshape(-1)
    if len(position) != cells.ndim and len(parts) > 1 and cells.ndim == 1 and "," not in index:
        position = [int(index) - (1 if one_based else 0)]
    try:
        return cells[tuple(position)]
    except IndexError:
        raise NotNumeric(f"index {index} outside {value.shape}") from None


def _known(formula: Any, reader: Reader) -> bool:
    """Whether a formula side's numbers come from the page (every name has a value): then substitution is checked."""
    for key in names_in(formula):
        try:
            if key.startswith("[") or key.startswith("∂"):
                if key not in reader.env:
                    return False
            else:
                reader.lookup(key)
        except NotNumeric:
            return False
    return True


def _leaf(node: Any) -> bool:
    """A number (a fraction 3/8 too), or an array of numbers: what a symbol is replaced by."""
    if node[0] == "neg":
        return _leaf(node[1])
    if node[0] == "num":
        return True
    if node[0] == "div" and _leaf(node[1]) and _leaf(node[2]) and node[2][0] == "num":
        return True
    if node[0] == "vec":
        return all(_leaf(i) for i in node[1])
    if node[0] == "mat":
        return all(_leaf(i) for row in node[1] for i in row)
    return False


def _simple(node: Any) -> bool:
    """A formula that is one symbol (its value is the result): nothing to substitute."""
    if node[0] in ("name", "deriv", "label"):
        return True
    if node[0] in ("neg", "T"):
        return _simple(node[1])
    return False


def _normal(node: Any) -> Any:
    """A tree with differences as sums of negatives and a product's sign on its first factor, so that
    ``a·b + c·d`` with d negative, printed ``a·b − c·|d|``, compares term by term."""
    if not isinstance(node, tuple):
        return node
    kind = node[0]
    if kind == "sub":
        return ("add", _normal(node[1]), _normal(("neg", node[2])))
    if kind == "neg":
        inner = node[1]
        if inner[0] == "mul":
            return _normal(("mul", inner[1], ("neg", inner[2]), inner[3]))
        if inner[0] == "neg":
            return _normal(inner[1])
        if inner[0] == "div":
            return _normal(("div", ("neg", inner[1]), inner[2]))
        return ("neg", _normal(inner))
    if kind in ("add", "mul", "div", "pow", "T", "index", "at", "prime", "iverson"):
        return tuple(_normal(p) if isinstance(p, tuple) else p for p in node)
    if kind == "call":
        return ("call", node[1], [_normal(a) for a in node[2]])
    if kind == "vec":
        return ("vec", [_normal(i) for i in node[1]], node[2])
    if kind == "mat":
        return ("mat", [[_normal(i) for i in row] for row in node[1]])
    return node


def _follows(formula: Any, numbers: Any) -> str | None:
    """Why ``numbers`` is not ``formula`` with each symbol replaced by a number, or None when it is."""
    reason = _same(_normal(formula), _normal(numbers))
    return None if reason is None else f"{show(formula)} became {show(numbers)}: {reason}"


def _numeric(node: Any) -> bool:
    return _leaf(node) or node[0] == "neg" and _numeric(node[1])


def _same(formula: Any, numbers: Any) -> str | None:
    if formula[0] == "name" and formula == numbers and formula[1] in ("e", "π"):
        return None  # Euler's number is a number on both sides
    if formula[0] in ("name", "deriv", "label"):
        return None if _numeric(numbers) else f"{show(formula)} became {show(numbers)}"
    if formula[0] == "neg" and numbers[0] == "neg":
        return _same(formula[1], numbers[1])
    if formula[0] == "neg" and formula[1][0] in ("name", "deriv", "label") and _numeric(numbers):
        return None  # −w with w = −0.5 printed 0.5 after folding the signs
    if formula[0] == "num":
        return None if _numeric(numbers) and show(numbers).lstrip("−") == show(formula).lstrip("−") else \
            f"{show(formula)} became {show(numbers)}"
    if formula[0] == "T" and _numeric(numbers):
        return None  # a transposed symbol replaced by its numbers, drawn transposed
    if formula[0] != numbers[0]:
        return f"{show(formula)} became {show(numbers)}"
    if formula[0] == "mul" and formula[1] != numbers[1]:
        scalar = not any(n[0] in ("vec", "mat") for n in numbers[2:])
        if not ({formula[1], numbers[1]} == {"juxt", "dot"} and scalar):
            return f"{show(formula)} became {show(numbers)}"
    if formula[0] == "call" and (formula[1] != numbers[1] or len(formula[2]) != len(numbers[2])):
        return f"{show(formula)} became {show(numbers)}"
    if formula[0] == "call":
        for a, b in zip(formula[2], numbers[2]):
            reason = _same(a, b)
            if reason:
                return reason
        return None
    if formula[0] in ("vec", "mat"):
        left = formula[1] if formula[0] == "vec" else [i for row in formula[1] for i in row]
        right = numbers[1] if numbers[0] == "vec" else [i for row in numbers[1] for i in row]
        if len(left) != len(right):
            return f"{show(formula)} became {show(numbers)}"
        for a, b in zip(left, right):
            reason = _same(a, b)
            if reason:
                return reason
        return None
    if formula[0] == "cases":
        if len(formula[1]) != len(numbers[1]):
            return f"{show(formula)} became {show(numbers)}"
        for (value_f, cond_f), (value_n, cond_n) in zip(formula[1], numbers[1]):
            for a, b in ((value_f, value_n), (cond_f, cond_n)):
                if (a is None) != (b is None):
                    return "a case and its numbers differ"
                reason = _same(a, b) if a is not None else None
                if reason:
                    return reason
        return None
    if formula[0] in ("iverson", "mul"):
        pairs = list(zip(formula[2:], numbers[2:]))
    else:
        pairs = list(zip(formula[1:], numbers[1:]))
    for a, b in pairs:
        if isinstance(a, tuple) and isinstance(b, tuple):
            reason = _same(a, b)
            if reason:
                return reason
        elif a != b:
            return f"{show(formula)} became {show(numbers)}"
    return None


def total_checked(reports: list[Report]) -> int:
    return sum(r.checked for r in reports)


__all__ = ["Equation", "KINDS", "Reader", "Report", "np"]
