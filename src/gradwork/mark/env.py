"""The values a formula is evaluated with, at one line: the student's own (the versions in force there) or the
problem's true ones.

* **own**: a symbol's value is the number the student last gave it *before* the line
  (an update ``w = w - η g`` reads the version before it); a symbol the student never
  gave a number is the problem's.
* **true**: a symbol's value is its bound quantity in the problem, in the section its
  version in force belongs to (a parameter after its update line is the updated one).

Gradients (``∂J/∂w_5``) and local derivatives (``∂a_3/∂z_3``) inside a formula are
looked up the same way; a function (``σ(z)``, ``f'(z)``) is the document's own
definition when it has one (``σ(x) = x^2``), else the activation of the layer its
argument belongs to for a generic letter (or σ on a layer that is not a sigmoid), else
the registered op.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from gradwork.mark.bind import Bindings
from gradwork.mark.evaluate import Evaluator, Unbound
from gradwork.mark.functions import function_op
from gradwork.mark.parse import GENERIC_FUNCTIONS
from gradwork.mark.program import Statement, free_variable
from gradwork.mark.quantities import Q, role_of, LOSS_LETTERS, base_and_parts
from gradwork.mark.syntax import Func, Node, Sym, symbols, Matrix, Neg, Num

MAX_DEFINITION_DEPTH = 8


@dataclass
class FunctionDefinition:
    """``σ(x) = x^2``: a function the document defines, by its variable and formula (``order`` 1: of σ')."""

    name: str
    order: int
    variable: str
    formula: Node
    line: int


@dataclass
class Context:
    """Everything the environments need about one document."""

    quantities: dict[tuple[str, str], Q]
    loss: Q | None
    bindings: Bindings
    statements: list[Statement]
    definitions: dict[str, Node]  # symbol -> formula (a symbol the working defines but no quantity binds)
    functions: dict[tuple[str, int], FunctionDefinition]  # definitions that are a function of this network
    convention: str
    symbolic: bool
    layer_function: Callable[[str], Any]  # node key -> LayerFunction (or None)
    local: Callable[[str, str], Any]  # (numerator node key, denominator node key) -> true local derivative
    options: dict[str, dict[str, float]] = field(default_factory=dict)
    # definitions found wrong: the student's own later numbers follow them (their own working), the truth does not
    wrong_functions: dict[tuple[str, int], FunctionDefinition] = field(default_factory=dict)
    own: dict[str, list[tuple[int, Any, int, str]]] = field(default_factory=dict)  # name -> (index, value, step,
    #                                                                                   section), in order
    precision: dict[str, list[tuple[int, Any, int, str]]] = field(default_factory=dict)  # as own: half a last place
    sections: dict[str, list[tuple[int, Any, int, str]]] = field(default_factory=dict)  # symbol -> (index, section,
    #                                                                                     step, section)

    def record(self) -> None:
        """Index the student's numbers and sections by symbol and statement, for lookups "in force at"."""
        own: dict[str, list[tuple[int, Any, int, str]]] = {}
        sections: dict[str, list[tuple[int, Any, int, str]]] = {}
        precision: dict[str, list[tuple[int, Any, int, str]]] = {}
        for s in self.statements:
            names: list[str] = []
            section = s.section or "values"
            if s.kind == "symbol" and s.target is not None:
                names = [s.target] + ([s.written] if s.written and s.written != s.target else [])
                for name in names:
                    sections.setdefault(name, []).append((s.index, section, s.step, section))
            elif s.kind == "gradient" and s.target is not None:
                names = ["d/d" + s.target] + (["d/d" + s.written] if s.written and s.written != s.target else [])
            elif s.kind == "local" and s.target is not None:
                names = ["local:" + s.target]
            if s.value is None:
                continue
            half = written_precision(s)
            for name in names:
                own.setdefault(name, []).append((s.index, s.value, s.step, section))
                if half is not None:
                    precision.setdefault(name, []).append((s.index, half, s.step, section))
        self.own, self.sections, self.precision = own, sections, precision

    def before(self, table: dict[str, list[tuple[int, Any, int, str]]], name: str, at: int) -> Any:
        """The entry for ``name`` in force at statement ``at``: the last one before it, an update only from the
        next optimizer step on (backpropagation uses the weights of its own forward pass)."""
        entries = table.get(name)
        if not entries:
            return None
        k = bisect.bisect_left(entries, (at,), key=lambda entry: (entry[0],)) - 1
        step = self.statements[at].step if 0 <= at < len(self.statements) else 1 << 30
        while k >= 0:
            index, value, entry_step, section = entries[k]
            if section != "updated" or entry_step < step:
                return value
            k -= 1
        return None


class Env:
    """Symbol values at statement ``at`` (its index): the student's own (``own``) or the problem's."""

    def __init__(self, context: Context, at: int, own: bool) -> None:
        self.context = context
        self.at = at
        self.own = own
        self.depth = 0

    # ------------------------------------------------------------ evaluation
    def evaluator(self, shift: dict[str, Any] | None = None, **extra: Any) -> Evaluator:
        """An evaluator with these values; ``shift`` moves some symbols' values (to measure their rounding)."""
        lookup = self.lookup
        if shift:
            def lookup(name: str) -> Any:
                value = self.lookup(name)
                return value + np.reshape(shift[name], np.shape(value)) if name in shift else value
        return Evaluator(lookup, exact=self.context.symbolic and not self.own, options=self.context.options,
                         activation=self.function, **extra)

    @property
    def make(self) -> Any:
        """The evaluator factory :func:`gradwork.mark.arith.holds` takes, knowing how the own numbers were rounded."""
        return _Make(self)

    def precision(self, name: str) -> Any:
        """Half a unit in the last place of the student's own number for ``name`` in force here, or None."""
        if not self.own:
            return None
        if name.startswith("d") and "/d" in name:  # dC/dW_2: the student's own gradient, as it was written
            top, variable = name[1:].split("/d", 1)
            name = f"local:{top}|{variable}" if self._is_local(top) else "d/d" + variable
        return self.context.before(self.context.precision, name, self.at)

    def evaluate(self, node: Node | None) -> Any:
        if node is None:
            raise Unbound("an unread side")
        return self.evaluator()(node)

    def all_bound(self, node: Node) -> bool:
        for name in symbols(node):
            try:
                self.lookup(name)
            except Unbound:
                return False
        return True

    def derivatives_given(self, node: Node) -> bool:
        """Every derivative in ``node`` has a number the student gave before (a chain-rule product put in numbers
        is checked only against the student's own factors; a factor never written might be the slip itself)."""
        if not self.own:
            return True
        for name in symbols(node):
            if not (name.startswith("d") and "/d" in name):
                continue
            top, variable = name[1:].split("/d", 1)
            key = f"local:{top}|{variable}" if self._is_local(top) else "d/d" + variable
            if self.context.before(self.context.own, key, self.at) is None:
                return False
        return True

    def inferred(self, node: Node) -> bool:
        """Is any symbol of ``node`` bound by inference (not the problem's names:)?"""
        for name in symbols(node):
            variable = name.split("/d", 1)[1] if "/d" in name else name
            binding = self.context.bindings.get(variable)
            if binding is None or binding.inferred:
                return True
        return False

    def describe(self, node: Node) -> str:
        parts = []
        for name in sorted(symbols(node)):
            variable = name.split("/d", 1)[1] if "/d" in name else name
            binding = self.context.bindings.get(variable)
            parts.append(f"{name} = {binding.quantity if binding and binding.quantity else 'its definition'}")
        return ", ".join(parts)

    # ------------------------------------------------------------ symbols
    def lookup(self, name: str) -> Any:
        context = self.context
        if name.startswith("d") and "/d" in name:
            top, variable = name[1:].split("/d", 1)
            if self._is_local(top):
                return self._local(top, variable)
            if self.own:
                found = context.before(context.own, "d/d" + variable, self.at)
                if found is not None:
                    return self._shaped(found)
            node = context.bindings.node(variable)
            if node is None or node in ("target", "lr"):
                raise Unbound(name)
            return self._shaped(self._quantity("gradients", node))
        if self.own:
            found = context.before(context.own, name, self.at)
            if found is not None:
                return self._shaped(found)
        binding = context.bindings.get(name)
        if binding is None or binding.quantity is None:
            definition = context.definitions.get(name)
            if definition is None or self.depth > MAX_DEFINITION_DEPTH:
                raise Unbound(name)
            self.depth += 1
            try:
                return self.evaluator()(definition)
            finally:
                self.depth -= 1
        node = binding.quantity
        if node in ("target", "lr", "upstream"):
            return self._shaped(self._quantity("given", node))
        if node == "loss":
            return self._shaped(self._quantity("loss", "loss"))
        section = context.before(context.sections, name, self.at)
        if section == "updated":
            return self._shaped(self._quantity("updated", node))
        if section in ("gradients",) or (section is None and role_of(name) == "delta"):
            return self._shaped(self._quantity("gradients", node))
        return self._shaped(self._quantity("values", node))

    def _is_local(self, top: str) -> bool:
        if top in ("(expression)",):
            return False
        base = base_and_parts(top)[0]
        binding = self.context.bindings.get(top)
        if binding is not None and binding.quantity == "loss":
            return False
        return base not in LOSS_LETTERS and role_of(top) != "loss"

    def _local(self, top: str, variable: str) -> Any:
        context = self.context
        if self.own:
            found = context.before(context.own, f"local:{top}|{variable}", self.at)
            if found is not None:
                return self._shaped(found)
        numerator, denominator = context.bindings.node(top), context.bindings.node(variable)
        if numerator is None or denominator is None:
            raise Unbound(f"d{top}/d{variable}")
        value = context.local(numerator, denominator)
        if value is None:
            raise Unbound(f"d{top}/d{variable}")
        return self._shaped(value)

    def _quantity(self, section: str, node: str) -> Any:
        context = self.context
        for s in ((section, "given") if section == "values" else (section,)):
            q = context.quantities.get((s, node))
            if q is not None:
                return q.value
        if section == "loss" and context.loss is not None:
            return context.loss.value
        raise Unbound(node)

    def _shaped(self, value: Any) -> Any:
        array = np.asarray(value)
        if array.ndim == 1 and array.size > 1:
            return array.reshape(1, -1) if self.context.convention == "row" else array.reshape(-1, 1)
        return array

    # ------------------------------------------------------------ functions
    def function(self, node: Func) -> Any:
        """What ``σ(z)``/``f(z)`` means here (an object with ``value`` and ``derivative``), or None: the registry's."""
        context = self.context
        mistaken = context.wrong_functions.get((node.name, node.order)) if self.own else None
        if mistaken is not None and mistaken.line <= self._line():
            return _Defined(self, mistaken, node.order)
        defined = context.functions.get((node.name, node.order)) or context.functions.get((node.name, 0))
        if defined is not None and defined.line <= self._line():
            return _Defined(self, defined, node.order - (0 if (node.name, node.order) in context.functions else 0))
        sigma = function_op("σ")  # σ: the sigmoid, or any layer's activation (σ(x) = x² on seed 004's sheet)
        generic = node.name in GENERIC_FUNCTIONS or (sigma is not None and node.name == sigma.name)
        if not generic or len(node.args) != 1:
            return None
        argument = node.args[0]
        if not isinstance(argument, Sym):
            return None
        bound = context.bindings.node(argument.name)
        if bound is None:
            return None
        layer = context.layer_function(bound.split("[")[0])
        if layer is None:
            return None
        if node.name not in GENERIC_FUNCTIONS and layer.op_names == (node.name,):
            return None  # the registry's op is this layer's
        return layer

    def _line(self) -> int:
        statements = self.context.statements
        return statements[self.at].line if 0 <= self.at < len(statements) else 1 << 30


class _Make:
    def __init__(self, env: Env) -> None:
        self.env = env
        self.precision = env.precision

    def __call__(self, **extra: Any) -> Evaluator:
        return self.env.evaluator(**extra)


class _Defined:
    """A function the document defines, evaluated by its own formula (its derivative by a central difference of
    the formula, when only the function is defined)."""

    def __init__(self, env: Env, definition: FunctionDefinition, order: int) -> None:
        self.env, self.definition = env, definition

    def value(self, x: Any) -> Any:
        definition = self.definition
        env = self.env

        def lookup(name: str) -> Any:
            if name == definition.variable:
                return np.asarray(x, dtype=float)
            return env.lookup(name)

        return Evaluator(lookup, options=env.context.options)(definition.formula)

    def derivative(self, x: Any) -> Any:
        if self.definition.order == 1:
            return self.value(x)
        h = 1e-6
        x = np.asarray(x, dtype=float)
        return (np.asarray(self.value(x + h), dtype=float) - np.asarray(self.value(x - h), dtype=float)) / (2 * h)


def written_precision(statement: Statement) -> Any:
    """Half a unit in the last place of each number of the statement's result, as written (None: exact)."""
    if statement.result is None:
        return None
    node = statement.sides[statement.result].node

    def half(cell: Any) -> float:
        while isinstance(cell, Neg):
            cell = cell.operand
        if isinstance(cell, Num) and cell.decimals is not None:
            return 0.5 * 10.0 ** -cell.decimals
        return 0.0

    if isinstance(node, Matrix):
        return np.array([[half(c) for c in row] for row in node.rows])
    value = half(node)
    return value if value else None


def defined_function(statement: Statement) -> FunctionDefinition | None:
    """``σ(x) = x^2`` / ``σ'(x) = 2x``: a definition when its argument is a free symbol and a formula follows."""
    function = statement.function
    if function is None:
        return None
    variable = free_variable(function)
    if variable is None:
        return None
    for side in statement.sides[1:]:
        if side.node is not None and variable in symbols(side.node):
            return FunctionDefinition(function.name, function.order, variable, side.node, statement.line)
    return None
