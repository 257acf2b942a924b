"""Binding by the shape of a formula: what a symbol is, from where it stands in a line of a network.

Numbers bind most symbols (:mod:`gradwork.mark.bind`), but not a weight whose
gradient is 0 (a dead ReLU), nor a value a student got wrong. Where a formula
says it, the network's structure does:

* ``z_2 = w_3 x_1 + w_4 x_2 + b_2``: with ``z_2`` a layer's unit and ``x_2`` its input
  i, ``w_4`` is the weight from input i to that unit (in the problem's convention)
  and the lone ``b_2`` its bias;
* ``∂L/∂w_4 = ∂L/∂z_2 · x_2`` (or ``δ_2 x_2``): ``w_4`` is that weight again; a
  gradient equated to a unit's ``∂L/∂z``/``δ`` alone is its bias's;
* ``δ_3`` with ``z_3`` bound: the gradient of ``z_3`` (one subscript, one unit).

Only symbols the numbers left unbound (or ambiguous) are bound here, each with
its evidence; nothing already bound is changed.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from gradwork.mark.bind import Binding, Bindings
from gradwork.mark.program import Statement
from gradwork.mark.quantities import base_and_parts, role_of
from gradwork.mark.syntax import Bin, Deriv, Func, Neg, Node, Sym, Transpose, has_derivative, is_number, symbols
from gradwork.problem.quantities import node_key

PRE_ACTIVATION_LETTERS = ("z", "net", "s", "Z")


def bind_by_structure(statements: list[Statement], bindings: Bindings, solution: Any) -> None:
    layers = solution.layers
    if not layers:
        return
    shapes = {name: np.shape(tensor.data) for name, tensor in solution.nodes.items()}
    binder = _Structure(bindings, solution, shapes)
    names = {s.target for s in statements if s.target and s.kind == "symbol"}  # every name written (for deltas)
    for statement in statements:
        for side in statement.sides:
            if side.node is not None:
                names |= _symbol_names(side.node)
    for _ in range(2):  # a weight bound from a forward line can bind a gradient line's δ, and back
        for statement in statements:
            if statement.kind == "symbol" and statement.target:
                binder.forward(statement)
            elif statement.kind == "gradient" and statement.target:
                binder.gradient(statement)
            elif statement.kind == "local" and statement.target:
                binder.local(statement)
        binder.deltas(names)
        binder.apply()


class _Structure:
    def __init__(self, bindings: Bindings, solution: Any, shapes: dict[str, tuple[int, ...]]) -> None:
        self.bindings = bindings
        self.solution = solution
        self.shapes = shapes
        self.by_z = {layer.z: layer for layer in solution.layers}
        for layer in solution.layers:  # a linear layer's output is its pre-activation: y = v h + c names the unit
            if layer.a in solution.nodes and solution.nodes[layer.a] is solution.nodes.get(layer.z):
                self.by_z[layer.a] = layer
        self.proposed: dict[str, dict[str, list[str]]] = {}  # symbol -> key -> evidences

    # ------------------------------------------------------------ helpers
    def free(self, symbol: str) -> bool:
        binding = self.bindings.get(symbol)
        return binding is None or binding.quantity is None or binding.weak

    def bind(self, symbol: str, key: str, evidence: str, weight: int = 1) -> None:
        """Propose ``key`` for ``symbol``; :meth:`apply` decides (the formulas against the numbers). A forward
        formula, the student's own statement of what multiplies what, counts twice."""
        found = self.proposed.setdefault(symbol, {}).setdefault(key, [])
        if evidence not in found:
            found.extend([evidence] * weight)

    def apply(self) -> None:
        """Each proposal the formulas agree on binds its symbol when the symbol is free, or when as many formulas
        say so as lines' numbers said otherwise (a wrong number may match another quantity by chance; a forward
        formula counts twice)."""
        for symbol, keys in self.proposed.items():
            if len(keys) != 1:
                continue
            key, evidences = next(iter(keys.items()))
            binding = self.bindings.get(symbol)
            if binding is not None and binding.quantity == key:
                continue
            if binding is not None and binding.support and key.startswith(f"{binding.quantity}["):
                continue  # its numbers fill the whole node (b_1 = [0, -0.1]): never one element of it
            if self.free(symbol) or (binding is not None and binding.inferred and binding.support
                                     and len(evidences) >= binding.support):
                self.bindings.by_symbol[symbol] = Binding(symbol, key, True, "; ".join(dict.fromkeys(evidences)),
                                                          support=len(evidences))
        self.proposed = {}

    def unit_of(self, symbol: str) -> tuple[Any, int] | None:
        """(layer, unit j) when ``symbol`` is bound to a pre-activation's element (or a one-unit layer's)."""
        node = self.bindings.node(symbol)
        if node is None:
            return None
        name, _, rest = node.partition("[")
        layer = self.by_z.get(name)
        if layer is None:
            return None
        if not rest:
            return (layer, 0) if int(np.prod(self.shapes.get(name, (1,)))) == 1 else None
        index = [int(i) for i in rest.rstrip("]").split(",")]
        return layer, index[-1]

    def input_of(self, layer: Any, symbol: str) -> int | None:
        """Input i of ``layer`` when ``symbol`` is bound to an element of the node that feeds it."""
        node = self.bindings.node(symbol)
        if node is None:
            return None
        name, _, rest = node.partition("[")
        if name != layer.input:
            return None
        if not rest:
            return 0 if int(np.prod(self.shapes.get(name, (1,)))) == 1 else None
        return [int(i) for i in rest.rstrip("]").split(",")][-1]

    def weight_key(self, layer: Any, j: int, i: int) -> str | None:
        shape = self.shapes.get(layer.weight)
        if shape is None:
            return None
        if layer.flat_weights or len(shape) == 1:
            index: tuple[int, ...] = (i,)
        else:
            index = (i, j) if self.solution.convention == "row" else (j, i)
        if len(index) != len(shape) or not all(0 <= a < n for a, n in zip(index, shape)):
            return None
        return node_key(layer.weight, index)

    def bias_key(self, layer: Any, j: int) -> str | None:
        if not layer.bias:
            return None
        shape = self.shapes.get(layer.bias, ())
        if not shape:
            return layer.bias if j == 0 else None
        return node_key(layer.bias, (j,)) if j < shape[-1] else None

    def unit_of_gradient(self, factor: Node) -> tuple[Any, int] | None:
        """The unit whose ∂L/∂z a factor is: ``∂L/∂z_2`` or a bound ``δ_2``."""
        if isinstance(factor, Deriv):
            return self.unit_of(factor.denominator.name)
        if isinstance(factor, Sym) and role_of(factor.name) == "delta":
            node = self.bindings.node(factor.name)
            if node is None:
                return None
            probe = f"_struct_{factor.name}"
            self.bindings.by_symbol[probe] = Binding(probe, node, True, "")
            found = self.unit_of(probe)
            del self.bindings.by_symbol[probe]
            return found
        return None

    # ------------------------------------------------------------ the three readings
    def activation(self, statement: Statement) -> None:
        """``y = σ(s)`` with ``y`` bound to a layer's activation (or its unit): ``s`` is that layer's
        pre-activation (that unit)."""
        node = self.bindings.node(statement.target or "")
        if node is None:
            return
        name, bracket, rest = node.partition("[")
        layer = next((layer for layer in self.solution.layers if layer.a == name and layer.a != layer.z), None)
        if layer is None or self.shapes.get(layer.z) != self.shapes.get(layer.a):
            return
        key = layer.z + (bracket + rest if bracket else "")
        for side in statement.sides[1:]:
            if isinstance(side.node, Func) and side.node.order == 0 and len(side.node.args) == 1:
                argument = side.node.args[0]
                if isinstance(argument, Sym) and self.free(argument.name) and role_of(argument.name) in ("pre", None):
                    self.bind(argument.name, key, f"the activation of {statement.target} is applied to it: {key}")

    def forward(self, statement: Statement) -> None:
        self.activation(statement)
        unit = self.unit_of(statement.target or "")
        if unit is None:
            return
        layer, j = unit
        for side in statement.sides[1:]:
            if side.node is None or has_derivative(side.node):
                continue
            for term in _terms(side.node):
                factors = _factors(term)
                symbols = [f for f in factors if isinstance(f, Sym)]
                if len(factors) == 1 and len(symbols) == 1:
                    key = self.bias_key(layer, j)
                    if key and role_of(symbols[0].name) in ("bias", None):
                        self.bind(symbols[0].name, key, f"the lone term of the formula for {statement.target}: "
                                                        f"its bias {key}")
                    continue
                if len(factors) != 2 or len(symbols) != 2:
                    continue
                for weight, source in ((symbols[0], symbols[1]), (symbols[1], symbols[0])):
                    i = self.input_of(layer, source.name)
                    if i is None or self.input_of(layer, weight.name) is not None:
                        continue
                    key = self.weight_key(layer, j, i)
                    if key:
                        self.bind(weight.name, key, f"it multiplies {source.name} in the formula for "
                                                    f"{statement.target}: the weight {key}", weight=2)

    def gradient(self, statement: Statement) -> None:
        variable = statement.target or ""
        if not self.free(variable):
            self.delta_from_weight(statement)
        for side in statement.sides[1:]:
            if side.node is None:
                continue
            factors = _factors(side.node)
            units = [(f, self.unit_of_gradient(f)) for f in factors]
            found = [(f, u) for f, u in units if u is not None]
            if len(found) != 1:
                continue
            factor, (layer, j) = found[0]
            others = [f for f in factors if f is not factor]
            if not others:
                key = self.bias_key(layer, j)
                if key and role_of(variable) in ("bias", None):
                    self.bind(variable, key, f"its gradient is the unit's dL/dz: the bias {key}")
                return
            if len(others) == 1 and isinstance(others[0], Sym):
                i = self.input_of(layer, others[0].name)
                key = self.weight_key(layer, j, i) if i is not None else None
                if key and role_of(variable) in ("weight", None):
                    self.bind(variable, key, f"its gradient is dL/dz times {others[0].name}: the weight {key}")
                    return

    def local(self, statement: Statement) -> None:
        """``∂y/∂s`` with ``y`` bound to a layer's activation (or its unit): ``s`` is that layer's pre-activation
        (that unit), what the activation is applied to."""
        top, _, bottom = (statement.target or "").partition("|")
        if not bottom or not self.free(bottom):
            return
        node = self.bindings.node(top)
        if node is None:
            return
        name, bracket, rest = node.partition("[")
        layer = next((layer for layer in self.solution.layers if layer.a == name and layer.a != layer.z), None)
        if layer is None or self.shapes.get(layer.z) != self.shapes.get(layer.a):
            return
        key = layer.z + (bracket + rest if bracket else "")
        if role_of(bottom) in ("pre", None):
            self.bind(bottom, key, f"{top} is an activation of it in d{top}/d{bottom}: {key}")

    def delta_from_weight(self, statement: Statement) -> None:
        """``∂L/∂w_4 = δ_2 x_2`` with ``w_4`` bound: ``δ_2`` is dL/dz of the unit ``w_4`` leads to (the weight a
        forward formula puts it at, where one does: its chance number's binding is about to give way)."""
        forward = self.proposed.get(statement.target or "", {})
        node = next(iter(forward)) if len(forward) == 1 else self.bindings.node(statement.target or "")
        if node is None or "[" not in node:
            return
        name, _, rest = node.partition("[")
        layer = next((layer for layer in self.solution.layers if layer.weight == name), None)
        if layer is None:
            return
        index = [int(i) for i in rest.rstrip("]").split(",")]
        if layer.flat_weights or len(index) == 1:
            j = 0
        else:
            j = index[1] if self.solution.convention == "row" else index[0]
        z_shape = self.shapes.get(layer.z, ())
        z_key = layer.z if not z_shape or int(np.prod(z_shape)) == 1 else \
            node_key(layer.z, (j,) if len(z_shape) == 1 else (0, j))
        for side in statement.sides[1:]:
            if side.node is None:
                continue
            for factor in _factors(side.node):
                if isinstance(factor, Sym) and role_of(factor.name) == "delta" and self.free(factor.name):
                    self.bind(factor.name, z_key, f"it multiplies an input in dL/d{statement.target}: the gradient "
                                                  f"of {z_key}")

    def deltas(self, names: set[str]) -> None:
        """``δ_3`` (or ``δ^{(2)}_1``) unbound while ``z_3`` (``z^{(2)}_1``) is bound: that unit's dL/dz (``names``:
        every name the statements write)."""
        bound_units: dict[tuple[str, str], str | None] = {}
        letters: dict[tuple[str, str], set[str]] = {}
        for name in names:
            base, primes, sub, sup = base_and_parts(name)
            if base in PRE_ACTIVATION_LETTERS and not primes:
                letters.setdefault((sub, sup), set()).add(base)
        for name in names:
            base, primes, sub, sup = base_and_parts(name)
            if len(letters.get((sub, sup), ())) > 1:  # z_1 and s_1, one still unbound: two units, says nothing
                bound_units[(sub, sup)] = None
            elif base in PRE_ACTIVATION_LETTERS and not primes and not self.free(name):
                node = self.bindings.node(name)
                seen = bound_units.setdefault((sub, sup), node)
                if seen != node:  # z_2 and s_2 name two units: the label says nothing
                    bound_units[(sub, sup)] = None
        for name in names:
            base, primes, sub, sup = base_and_parts(name)
            binding = self.bindings.get(name)
            if role_of(name) != "delta" or primes or (binding is not None and not binding.inferred):
                continue  # bound by numbers: the label's unit is weighed against them (apply)
            node = bound_units.get((sub, sup))
            if node is not None:
                self.bind(name, node, f"{name} is dL/d of the unit the same label names ({node})")


def bind_by_value(statements: list[Statement], bindings: Bindings, evaluate: Any, matches: Any) -> None:
    """A head the numbers left unbound (its own number wrong, or none): its formula, on the problem's true
    values, is one quantity's value and no other's: the head is that quantity (``z_1 = w_1 x_1 + w_2 x_2 + b_1``
    with every symbol on the right bound).

    ``evaluate(node, statement)`` gives a formula's true value (raising when it cannot); ``matches(section,
    value, symbol)`` the node keys of that section whose value it is."""
    for statement in statements:
        target = statement.target
        if statement.kind not in ("symbol", "gradient") or not target:
            continue
        binding = bindings.get(target)
        if binding is not None and binding.quantity is not None and not binding.weak:
            continue
        section = statement.section or "values"
        if section == "updated":
            continue  # an update's formula on true values is the update itself: its number decides
        for side in statement.sides[1:]:
            if side.node is None or not _symbol_names(side.node):
                continue
            try:
                value = evaluate(side.node, statement)
            except Exception:  # noqa: BLE001 (a formula that cannot be evaluated binds nothing)
                continue
            found = matches(section, value, target)
            if len(found) > 1 and section == "values":  # z_4 = w_7 a_1 + ... with z_2's value too: the layer
                found = _same_layer(found, side.node, bindings)  # of its weights (y = s^2: of what it uses)
            if len(found) == 1:
                bindings.by_symbol[target] = Binding(target, found[0], True,
                                                     f"its formula, on the problem's numbers, is {found[0]}")
                break


def bind_by_substitution(statements: list[Statement], bindings: Bindings, evaluate: Any, matches: Any) -> bool:
    """A symbol still unbound whose numbers put in stand where it stands in the formula before them
    (``s = h V + c = [0.4, 0.9][[0.7], [0.5]] + [-0.1]``: ``V`` is ``[[0.7], [0.5]]``), every time the same
    given quantity's value: that quantity. ``evaluate(node)`` gives a number-only side's value; ``matches(value)``
    the node keys of the given quantities with that value
    that the symbol's letter may name. True when something was bound."""
    put: dict[str, list[tuple[Any, int]]] = {}
    for statement in statements:
        sides = statement.sides
        for formula, numeric in zip(sides[1:], sides[2:]):
            if formula.node is None or numeric.node is None or not is_number(numeric.node):
                continue
            pairs: list[tuple[str, Node]] = []
            _align(formula.node, numeric.node, pairs)
            for name, node in pairs:
                binding = bindings.get(name)
                if binding is not None and binding.quantity is not None:
                    continue
                try:
                    put.setdefault(name, []).append((evaluate(node), statement.line))
                except Exception:  # noqa: BLE001 (a number that cannot be read binds nothing)
                    continue
    bound = False
    for name, values in put.items():
        keys = {tuple(matches(value, name)) for value, _ in values}
        if len(keys) == 1 and len(found := next(iter(keys))) == 1:
            lines = ", ".join(str(line) for line in sorted({line for _, line in values}))
            bindings.by_symbol[name] = Binding(name, found[0], True, f"the number put in for it (line {lines}) is "
                                                                   f"{found[0]}'s, where it stands in the formula")
            bound = True
    return bound


def _align(formula: Node, numeric: Node, out: list[tuple[str, Node]]) -> None:
    """The number-only parts of ``numeric`` standing where ``formula``'s symbols stand."""
    if isinstance(formula, Sym) and "/" not in formula.name:
        out.append((formula.name, numeric))
    elif isinstance(formula, Bin) and isinstance(numeric, Bin) and formula.op == numeric.op:
        _align(formula.left, numeric.left, out)
        _align(formula.right, numeric.right, out)
    elif isinstance(formula, Neg) and isinstance(numeric, Neg):
        _align(formula.operand, numeric.operand, out)
    elif isinstance(formula, Transpose) and isinstance(numeric, Transpose):
        _align(formula.operand, numeric.operand, out)
    elif isinstance(formula, Func) and isinstance(numeric, Func) and formula.name == numeric.name \
            and len(formula.args) == len(numeric.args):
        for a, b in zip(formula.args, numeric.args):
            _align(a, b, out)


def _same_layer(found: list[str], formula: Node, bindings: Bindings) -> list[str]:
    """The candidates in the layer the formula's weights belong to (else the one layer its symbols belong to),
    other than the quantities the formula itself uses."""
    nodes = {name: bindings.node(name) for name in _symbol_names(formula) if bindings.node(name)}
    used = set(nodes.values())
    weights = {str(node).split(".")[0] for name, node in nodes.items() if role_of(name) == "weight"}
    layers = weights or {str(node).split(".")[0] for node in used}
    if len(layers) != 1:
        return found
    kept = [key for key in found if key.split(".")[0] in layers and key not in used]
    return kept or found


def _terms(node: Node) -> list[Node]:
    """The terms of a sum (a difference's right side negated is still a term of it)."""
    out: list[Node] = []
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, Bin) and current.op in ("+", "-"):
            stack += [current.right, current.left]
        else:
            out.append(current)
    return out


def _factors(node: Node) -> list[Node]:
    out: list[Node] = []
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, Bin) and current.op == "*":
            stack += [current.right, current.left]
        else:
            out.append(current)
    return out


def _symbol_names(node: Node) -> set[str]:
    return {name for name in symbols(node) if "/" not in name}
