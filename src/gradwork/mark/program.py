"""The working read as a program: each equation a statement that gives its head a new version.

A worked solution is read top to bottom as a student wrote it. Each chain
``head = side = ... = result`` is one :class:`Statement`:

* its **head** says what it gives: a symbol (``z_1``, ``w'_5``, ``W_1``), a
  gradient of the loss (``∂J/∂w_5``, ``δ_2``: section ``gradients``), a local
  derivative (``∂a_3/∂z_3``, ``σ'(z_3)``), a function definition
  (``σ(x) = x^2``, ``tanh'(z) = 1 - tanh(z)^2`` with ``x``/``z`` free), or
  nothing (an equation between formulas);
* its **phase**: forward (values, the loss), backward (gradients, local
  derivatives) or update (parameters after the step), with the optimizer
  **step** it belongs to: a value written after an update is the next step's;
* its **version**: each assignment to a symbol makes a new version (an update
  ``w = w - η g`` reads the version before it on its right side). A formula on
  a line is evaluated with the versions in force at that line, never with a
  number written later.

Updates are recognised in every common form: a prime (``w'``, ``V′``), ``new`` or
``+`` as a label (``w_{new}``, ``w^{+}``, ``w_new``), an arrow or ``:=``
(normalised to ``=``), or a line that uses its own symbol, the learning rate or
a gradient to give a parameter a number.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from gradwork.mark.document import Chain, Side, Work
from gradwork.mark.syntax import Deriv, Func, Node, Sym, has_derivative, is_number, symbols, numbers, Bin, Neg, Num

UPDATE_LABEL = re.compile(r"^(?P<base>.*?)(?:_\{?(?:new|neu|upd|updated)\}?|\^\{?(?:new|\+|\(new\))\}?|_\(new\)"
                          r"|\^\{?\*\}?)(?P<rest>.*)$")


@dataclass
class Statement:
    """One chain read as an assignment (or a check of formulas, when its head gives nothing)."""

    index: int
    chain: Chain
    kind: str  # symbol | gradient | local | function | none
    target: str | None = None  # symbol: the symbol without its update mark; gradient: the variable; local: "a|z"
    written: str | None = None  # the head as written
    numerator: str | None = None  # local derivative: the function differentiated
    function: Func | None = None  # function definition or derivative at a point: the head
    updated: bool = False  # written as an update (prime, new, arrow, its own symbol on the right)
    phase: str = "forward"  # forward | backward | update
    step: int = 1
    version: int = 0
    result: int | None = None  # the side holding the result number
    value: Any = None  # the student's number, evaluated
    section: str | None = None  # where the number belongs: values | gradients | updated | given | loss | local
    definition: bool = False  # a function definition: its variable is free
    binding: Any = None  # the head's Binding (bind.py), once bound
    key: str | None = None  # the check key its number is marked as ("gradients.output.W[0]"), or None
    result_value: Any = None  # the number marked by check (the result, or a formula's value)
    formula_result: bool = False  # the marked value is the head's formula on the problem's numbers
    verdicts: dict[int, list[Any]] = field(default_factory=dict)  # side index -> Verdicts (checks.py)
    notes: dict[int, list[str]] = field(default_factory=dict)  # side index -> remarks that are not marks

    @property
    def sides(self) -> list[Side]:
        return self.chain.sides

    @property
    def line(self) -> int:
        return self.chain.rows[self.result if self.result is not None else 0].line

    def formulas(self) -> list[int]:
        """The sides (after the head) that are formulas: read, with symbols."""
        return [i for i, side in enumerate(self.sides) if i > 0 and side.node is not None
                and not is_number(side.node)]


DERIVATIVE_PRIMES = {"sigma", "phi", "varphi", "psi", "f", "g", "F", "G", "E", "L", "J", "C"}  # σ', E': derivatives


def strip_update(symbol: str) -> tuple[str, bool]:
    """``w'_5`` -> (``w_5``, True); ``w_{new}`` / ``w^{+}`` / ``w_5_new`` -> (``w`` / ``w`` / ``w_5``, True).

    A prime on a function letter or the loss (σ', f', E'_{BCE}) is a derivative, not an update.
    """
    if "'" in symbol:
        base = re.match(r"[A-Za-z]+", symbol)
        if base is not None and base.group() in DERIVATIVE_PRIMES:
            return symbol, False
        return symbol.replace("'", ""), True
    match = UPDATE_LABEL.match(symbol)
    if match and match.group("base"):
        rest = match.group("rest")
        return match.group("base") + rest, True
    return symbol, False


def read_program(work: Work, is_loss: Callable[[str], bool], role: Callable[[str], str | None],
                 is_rate: Callable[[Any], bool], steps: int = 1) -> list[Statement]:
    """The statements of ``work`` in reading order, with phases, steps and versions.

    ``is_loss(symbol)``: the symbol names the loss; ``role(symbol)``: weight, bias, delta, ... or None;
    ``is_rate(number)``: a number the problem gives as the learning rate; ``steps``: the problem's optimizer
    steps (a forward value with a number after an update starts the next one; with one step, never).
    """
    statements = [_statement(index, chain, is_loss) for index, chain in enumerate(work.chains)]
    phase, step = "forward", 1
    versions: dict[str, int] = {}
    for statement in statements:
        kind = statement.kind
        if kind in ("gradient", "local") or (kind == "symbol" and role(statement.target or "") == "delta"):
            phase = "backward" if phase != "update" else phase
        elif kind == "function" and not statement.definition:
            phase = "backward" if phase == "forward" else phase
        elif kind == "symbol":
            target = statement.target or ""
            parameter = role(target) in ("weight", "bias")
            stepping = _takes_a_step(statement, is_rate, role, strict=phase == "forward")
            if parameter and (statement.updated or stepping or phase in ("backward", "update")):
                statement.updated = True
                phase = "update"
            elif statement.updated and phase in ("backward", "update") and role(target) is None:
                phase = "update"  # an update of a symbol whose letter says nothing (v_1, c): its own symbol used
            elif phase == "update" and steps > 1 and not parameter and role(target) not in ("target", "lr", "input") \
                    and any(side.node is not None and is_number(side.node) for side in statement.sides[1:]):
                phase, step = "forward", step + 1
        statement.phase, statement.step = phase, step
        if statement.target is not None and kind in ("symbol", "gradient"):
            key = f"{kind}:{statement.target}"
            statement.version = versions.get(key, -1) + 1
            versions[key] = statement.version
    return statements


def _statement(index: int, chain: Chain, is_loss: Callable[[str], bool]) -> Statement:
    head = chain.sides[0].node
    if isinstance(head, Sym):
        target, updated = strip_update(head.name)
        statement = Statement(index, chain, "symbol", target, head.name, updated=updated)
        if any(target in symbols(side.node) or head.name in symbols(side.node)
               for side in chain.sides[1:] if side.node is not None):
            statement.updated = True  # w = w - eta g: its own symbol on the right, the version before
        return statement
    if isinstance(head, Deriv):
        top = head.numerator.name
        if is_loss(top):
            return Statement(index, chain, "gradient", strip_update(head.denominator.name)[0], head.denominator.name)
        return Statement(index, chain, "local", f"{top}|{head.denominator.name}", top, numerator=top)
    if isinstance(head, Func) and head.order <= 1:
        statement = Statement(index, chain, "function", head.name, head.name, function=head)
        statement.definition = free_variable(head) is not None and any(
            free_variable(head) in symbols(side.node) for side in chain.sides[1:] if side.node is not None)
        return statement
    return Statement(index, chain, "none")


def _takes_a_step(statement: Statement, is_rate: Callable[[Any], bool], role: Callable[[str], str | None],
                  strict: bool = False) -> bool:
    """Does the line use the learning rate (as a symbol or its number) or a gradient to give its number?

    ``strict`` (before any gradient is written): the learning rate's number counts only as a factor of a
    term added to or taken from another (``0.3 - (0.01)(0.2)``), not as one of the data (``W = [-0.1, ...]``).
    """
    for side in statement.sides[1:]:
        node = side.node
        if node is None:
            continue
        if has_derivative(node) or any(role(s) in ("lr", "delta") for s in symbols(node)):
            return True
        if strict:
            if _rate_in_a_step(node, is_rate):
                return True
        elif any(is_rate(n.value) for n in numbers(node)):
            return True
    return False


def _rate_in_a_step(node: Node, is_rate: Callable[[Any], bool]) -> bool:
    if not isinstance(node, Bin) or node.op not in "+-":
        return False
    for term in (node.left, node.right):
        while isinstance(term, Neg):
            term = term.operand
        if isinstance(term, Bin) and term.op in ("*", "/") and any(
                isinstance(part, Num) and is_rate(part.value) for part in (term.left, term.right)):
            return True
        if isinstance(term, Bin) and term.op == "*" and any(is_rate(n.value) for n in numbers(term)):
            return True
        if isinstance(term, Bin) and term.op in "+-" and _rate_in_a_step(term, is_rate):
            return True
    return False


def free_variable(function: Func) -> str | None:
    """The argument of ``f(x)`` when it is one plain symbol (a function definition's variable), else None."""
    if len(function.args) == 1 and isinstance(function.args[0], Sym):
        return function.args[0].name
    return None


def uses(statement: Statement) -> set[str]:
    """The symbols the statement's formulas use."""
    found: set[str] = set()
    for i in statement.formulas():
        node = statement.sides[i].node
        if node is not None:
            found |= symbols(node)
    return found


Node_ = Node  # re-exported for type hints in callers
