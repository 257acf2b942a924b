"""Binding the student's symbols to the problem's quantities.

In this order, first wins:

1. the problem's ``names:`` map (``w_5`` -> ``output.W[0]``): not inferred;
2. a symbol-valued problem (``mode: symbolic``): ``x_0`` is the problem's
   symbol ``x0`` (an element of node ``x``), ``d_3`` the upstream ``d3``;
   a graph problem's node names are symbols too (``e``, ``f``, ``z``);
3. the numbers: every line that gives the symbol a number (``z_1 = ... = -0.1``,
   ``w_5 = ... = 0.3`` after the backward pass) lists the quantities that
   number matches, among those of the symbol's role (its letter) and layer
   (a ``^{(k)}`` label); the quantity most lines agree on is bound, with the
   lines as evidence. Several equally good: *ambiguous*, all listed, none used;
4. the letter alone: ``J``/``L``/``E`` the loss, ``t`` (or ``y`` next to an
   output such as ``a_3``/``\\hat y``) the target, ``x_k``/``i_k`` input k;
5. ``\\hat{y} = a_3``: a symbol equated to a bound one shares its binding.

A line whose number matches another quantity of the same role that no other
line gives (a typo in the label, ``∂L/∂w_{11}`` written twice) is read as that
quantity, and the report says so.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

import numpy as np

from gradwork.mark.binding import Binding, Bindings, Claim, symbol_key
from gradwork.mark.labels import LabelReading, index_hint_fits
from gradwork.ops.registry import generation
from gradwork.mark.letters import by_letter
from gradwork.mark.normalise import normalise_all
from gradwork.mark.parse import parse
from gradwork.mark.plain import to_latex
from gradwork.mark.quantities import LOSS_LETTERS, Q, base_and_parts, layer_hint, role_of
from gradwork.mark.syntax import Sym, Unreadable
from gradwork.numbers.tolerance import Tolerance
from gradwork.problem import Solution
from gradwork.problem.notation import notation
from gradwork.problem.quantities import node_key, quantity_key


MAX_WRITTEN = 2_000  # quantities (elements included) whose written symbols are worked out


def problem_symbols(solution: Solution, quantities: list[Q]) -> dict[str, str]:
    """The problem's own symbols (its notation model, as feedback writes them: ``w⁽¹⁾₂₁``, ``O₁``, ``x[2]``),
    read as a student's symbols are, each to the one node (or element) it names."""
    keys = sorted({(q.name, q.index) for q in quantities if q.section in ("values", "given") and q.name != "loss"},
                  key=str)
    if len(keys) > MAX_WRITTEN:
        return {}
    # worked out once per solution (every document of a class asks), per op registry (what reads as a function)
    memo = getattr(solution, "__dict__", {}).setdefault("_mark_problem_symbols", {})
    key = (tuple(keys), generation())
    if key not in memo:
        memo.clear()
        memo[key] = _problem_symbols(solution, keys)
    return memo[key]


def _problem_symbols(solution: Solution, keys: list[tuple[str, Any]]) -> dict[str, str]:
    model = notation(solution)
    found: dict[str, set[str]] = {}
    for name, index in keys:
        try:
            node = parse(normalise_all(to_latex(model.text(quantity_key("values", name, index)))))
        except (Unreadable, RecursionError, ValueError, KeyError):
            continue
        if isinstance(node, Sym):
            found.setdefault(symbol_key(node.name), set()).add(node_key(name, index))
    return {symbol: next(iter(nodes)) for symbol, nodes in found.items() if len(nodes) == 1}


def problem_words(solution: Solution) -> frozenset[str]:
    """The words the problem's own symbols are made of (``target``, ``out``, ``net``, ``total``): maths, not
    prose, where a plain line holds them."""
    model = notation(solution)
    symbols = [*model.symbols.values(), *(named for symbol in model.symbols.values() for _, named in symbol.elements)]
    return frozenset(word for symbol in symbols for part in (symbol.base, symbol.sub)
                     for word in re.findall(r"[A-Za-z]{2,}", str(part)))


class Binder(LabelReading):
    """Builds :class:`Bindings` for one document from its claims and the problem's quantities."""

    def __init__(self, solution: Solution, quantities: list[Q], tolerance: Tolerance) -> None:
        self.solution = solution
        self.quantities = quantities
        # each quantity, its value as an array, and as floats when it is a few numbers
        self._arrays = [(q, array, [float(v) for v in array.reshape(-1)]
                         if array.dtype.kind in "fiub" and array.size <= 4 else None)
                        for q in quantities for array in (np.asarray(q.value),)]
        self._comparable_to: dict[tuple[str, str | None, int], list[tuple[Q, np.ndarray, list[float] | None]]] = {}
        self.tolerance = tolerance
        self.node_roles = {q.name: q.role for q in quantities if q.index is None}
        self.node_layers = {q.name: q.layer for q in quantities if q.index is None}
        names = getattr(solution, "names", None)
        self.names: dict[str, str] = {}
        if names:
            for ref, symbol in names.items():
                self.names[symbol_key(symbol)] = ref.key
        self.symbols_by_name: dict[str, str] = {}  # symbolic problems: problem symbol name -> node key
        self.graph_nodes = set(solution.nodes) if not solution.layers else set()
        for q in quantities:
            if q.index is not None and q.section in ("values", "given") and hasattr(q.value, "is_Symbol") \
                    and q.value.is_Symbol:
                self.symbols_by_name.setdefault(symbol_key(str(q.value)), q.node_key)
        self.written = problem_symbols(solution, quantities)
        self._claimed: set[tuple[str, str]] = set()  # (section, quantity) some line's number fits (set by bind)
        self._all_claims: list[Claim] = []
        self._candidates_of: dict[int, set[str]] = {}

    def role(self, symbol: str) -> str | None:
        """The role from the names map when it names the symbol, else from the letter."""
        node = self.names.get(symbol_key(symbol))
        if node is not None:
            return self.node_roles.get(node.split("[")[0])
        base, primes, sub, sup = base_and_parts(symbol)
        if base in ("c", "V") and not primes and not sup and (not sub or sub.isdigit()) \
                and len(self.solution.layers) == 2:  # W, b and V, c: the output layer's weights and bias
            return "bias" if base == "c" else "weight"
        return role_of(symbol)

    # ------------------------------------------------------------ matching numbers
    def matches(self, section: str, value: Any, role: str | None, layer: int | None) -> list[Q]:
        """The quantities of ``section`` (and ``role``/``layer`` when given) whose value is ``value``."""
        if value is None:
            return []
        given = np.asarray(value)
        if given.dtype == object:
            return []
        found = []
        # a few elements: Tolerance.passes judges them as plain floats, one pair at a time (the same rule, here
        # without building arrays for every quantity)
        floats = [float(v) for v in given.reshape(-1)] if given.size <= 4 and given.dtype.kind in "fiub" else None
        one = self.tolerance._one
        with np.errstate(all="ignore"):
            for q, expected, expected_floats in self._comparable(section, role, given.size):
                if expected.ndim >= 2 and given.ndim >= 2 and expected.shape != given.shape:
                    continue
                if floats is not None and expected_floats is not None:
                    if len(floats) == 1:  # (the usual case: one number)
                        if one(floats[0], expected_floats[0]):
                            found.append(q)
                    elif all(one(a, b) for a, b in zip(floats, expected_floats)):
                        found.append(q)
                elif bool(np.all(self.tolerance.passes(given.reshape(expected.shape), expected))):
                    found.append(q)
        if layer is not None and any(q.layer == layer for q in found):
            found = [q for q in found if q.layer == layer]
        return found

    def _comparable(self, section: str, role: str | None, size: int) -> list[tuple[Q, np.ndarray, list[float] | None]]:
        """The quantities (in catalog order, with their arrays) a number of ``section`` and ``role`` with ``size``
        elements may be: of the section (a value may be a given one) and role, as many numbers, not symbolic.
        Worked out once per document's binder."""
        key = (section, role, size)
        found = self._comparable_to.get(key)
        if found is None:
            found = self._comparable_to[key] = [
                entry for entry in self._arrays
                if (entry[0].section == section or (section == "values" and entry[0].section == "given"))
                and (role is None or _role_fits(role, entry[0].role)) and entry[1].dtype != object
                and entry[1].size == size]
        return found

    def claim_candidates(self, claim: Claim) -> set[str]:
        role = self.role(claim.symbol)
        layer = layer_hint(claim.symbol)
        found = self._candidates(claim.section, claim.value, role, layer)
        if claim.section == "updated" and not found and claim.old_value is not None:
            found = self._candidates("given", claim.old_value, role, layer)  # a wrong update: the value it moves
        return found

    def _candidates(self, section: str, value: Any, role: str | None, layer: int | None) -> set[str]:
        if role is None:  # a letter that says nothing (v_1, c, m): only a number no other quantity has binds it
            found = {q.node_key for q in self.matches(section, value, None, layer)
                     if q.role not in ("target", "lr", "loss", "upstream")}
            return found if len({key.split("[")[0] for key in found}) == 1 else set()
        return {q.node_key for q in self.matches(section, value, role, layer)}

    # ------------------------------------------------------------ binding
    def bind(self, claims: list[Claim], symbols: set[str], aliases: list[tuple[str, str]]) -> Bindings:
        bindings = Bindings()
        by_symbol: dict[str, list[Claim]] = {}
        for claim in claims:
            by_symbol.setdefault(claim.symbol, []).append(claim)
        everything = set(symbols) | set(by_symbol)
        candidates: dict[int, set[str]] = {id(c): self.claim_candidates(c) for c in claims}
        self._claimed = {(c.section, key) for c in claims for key in candidates[id(c)]}
        self._all_claims, self._candidates_of = claims, candidates
        for symbol in sorted(everything):
            binding = self._by_name(symbol)
            if binding is None and symbol in by_symbol:
                binding = self._by_numbers(symbol, by_symbol[symbol], candidates)
            if binding is not None:
                bindings.by_symbol[symbol] = binding
        for symbol in sorted(everything - set(bindings.by_symbol)):
            written = self.written.get(symbol_key(symbol))
            if written is not None:  # weak: a formula's structure may show the student counts otherwise
                bindings.by_symbol[symbol] = Binding(symbol, written, True, f"{symbol} is how the problem writes "
                                                                            f"{written}", weak=True)
        for symbol in sorted(everything - set(bindings.by_symbol)):
            binding = self._by_letter(symbol, bindings)
            if binding is not None:
                bindings.by_symbol[symbol] = binding
        for symbol in sorted(everything - set(bindings.by_symbol)):
            binding = self._element(symbol, bindings)
            if binding is not None:
                bindings.by_symbol[symbol] = binding
        for _ in range(2):  # a = b where one side is bound
            for left, right in aliases:
                for a, b in ((left, right), (right, left)):
                    if a not in bindings.by_symbol and bindings.node(b):
                        bindings.by_symbol[a] = Binding(a, bindings.node(b), True, f"the working equates {a} with {b}")
        self._typos(claims, candidates, bindings)
        self._swaps(bindings)
        self._collisions(bindings)
        return bindings

    def _by_name(self, symbol: str) -> Binding | None:
        key = symbol_key(symbol)
        if key in self.names:
            return Binding(symbol, self.names[key], False, "the problem's names:")
        if key in self.symbols_by_name:
            node = self.symbols_by_name[key]
            return Binding(symbol, node, True, f"{symbol} is the problem's symbol {key}, the value of {node}")
        named = next((n for n in self.graph_nodes if symbol_key(n) == key), None)
        if named is not None:
            return Binding(symbol, named, True, f"{symbol} is the name of a node of the problem")
        base, primes, sub, sup = base_and_parts(symbol)
        if self.graph_nodes and base in self.graph_nodes and sub.isdigit() and not primes and not sup:
            shape: tuple[int, ...] = next((tuple(np.shape(q.value)) for q in self.quantities
                                           if q.name == base and q.index is None), ())
            if len(shape) == 1 and int(sub) < shape[0]:  # w2 of a vector node w: its element [2] (the problem's count)
                return Binding(symbol, node_key(base, (int(sub),)), True,
                               f"{symbol} is element [{sub}] of the problem's node {base} (counted from 0, as the "
                               "problem does)")
        if symbol in ("upstream",):
            return None
        return None

    def _by_numbers(self, symbol: str, claims: list[Claim], candidates: dict[int, set[str]]) -> Binding | None:
        support: Counter[str] = Counter()
        for claim in claims:
            support.update(candidates[id(claim)])
        if not support:
            return None
        best = max(support.values())
        top = sorted(key for key, count in support.items() if count == best)
        if len(top) > 1:  # a one-element node and its element are one quantity: keep the element
            top = [key for key in top if not (f"{key}[" in " ".join(top) and self._size(key) == 1)]
        weak = False
        if len(top) > 1:
            hinted = [key for key in top if index_hint_fits(symbol, key)]
            lettered = by_letter(symbol, role_of(symbol), self.solution)
            if lettered is not None and lettered[0] in top and hinted != [lettered[0]] and \
                    self._sheet_counts_through(symbol):
                hinted = [lettered[0]]  # w_2 fits w_6's number too: this sheet numbers weights through the net
            if len(hinted) != 1:  # z_4 fits z_2's number too: the way the sheet numbers symbols says which
                hinted = [lettered[0]] if lettered is not None and lettered[0] in top else hinted
            labelled = [key for key in top if self.node_layers.get(key.split("[")[0]) == layer_hint(symbol)]
            if len(hinted) != 1 and len(labelled) == 1:  # a_1^(2): a wrong number equal to layer 1's by chance
                hinted = labelled
            output = self._output_letter(symbol)
            if len(hinted) != 1 and output is not None:  # V's number fits a hidden weight too: V is the output's
                hinted = [key for key in top if key == output or ("[" not in output and key.startswith(output + "["))]
            if len(hinted) == 1:
                top, weak = hinted, True
        lines = sorted({c.line for c in claims if top[0] in candidates[id(c)]})
        if len(top) == 1 and self._unit_label_contradicts(symbol, top[0], claims, candidates):
            return None  # the label decides (by letter), the lone line's number is another unit's by chance
        where = ", ".join(map(str, lines))
        if len(top) > 1:
            return Binding(symbol, None, True, f"its number (line {where}) fits {len(top)} quantities equally",
                           tuple(top))
        return Binding(symbol, top[0], True, f"its number on line{'s' if len(lines) > 1 else ''} {where} is "
                       f"{top[0]}'s" + (" (of those it fits, the one its subscript names)" if weak else ""),
                       weak=weak, support=len(lines))

    def _by_letter(self, symbol: str, bindings: Bindings) -> Binding | None:
        role = role_of(symbol)
        base, primes, sub, sup = base_and_parts(symbol)
        if primes:
            return None
        if len(base) == 1 and role in ("act", "input", "pre"):  # O and o, H and h: one quantity in two cases
            other = bindings.get(base.swapcase() + symbol[1:])
            if other is not None and other.quantity is not None:
                return Binding(symbol, other.quantity, True, f"{symbol} is {base.swapcase()} written in the other case")
        if role == "loss" and (base in LOSS_LETTERS or sub) and any(q.section == "loss" for q in self.quantities):
            return Binding(symbol, "loss", True, f"{base} is the usual letter for the loss")
        has_target = any(q.name == "target" for q in self.quantities)
        if base in ("t", "T", "Y") and has_target and not sub.isdigit():
            return Binding(symbol, "target", True, f"{base} is the usual letter for the target")
        if base in ("t", "T") and has_target and sub.isdigit():
            size = next((np.asarray(q.value).size for q in self.quantities if q.name == "target"), 0)
            if 1 <= int(sub) <= size and size > 1:
                return Binding(symbol, node_key("target", (int(sub) - 1,)), True,
                               f"{symbol} read as target {sub} (from 1)")
        if base == "y" and has_target:
            output = self._output_node()
            if output and any(b.quantity and b.quantity.split("[")[0] == output and base_and_parts(b.symbol)[0] != "y"
                              for b in bindings.by_symbol.values()):
                return Binding(symbol, "target", True, f"y next to the output {output} written as another symbol")
        options = {name for layer in self.solution.layers for name in layer.activation_options}
        if base in ("eta", "alpha", "gamma") and base not in options and any(q.name == "lr" for q in self.quantities):
            return Binding(symbol, "lr", True, f"{base} is the usual letter for the learning rate")
        if role == "input" and sub.isdigit():
            size = next((np.asarray(q.value).size for q in self.quantities if q.name == "input" and q.index is None), 0)
            k = int(sub)
            if 1 <= k <= size and size > 1:
                return Binding(symbol, node_key("input", (k - 1,)), True,
                               f"{symbol} read as input {k} (counted from 1)")
        if role == "input" and not sub and not sup and any(q.name == "input" for q in self.quantities):
            return Binding(symbol, "input", True, f"{base} is the usual letter for the input")
        if base == "a" and sup == "(0)" and sub.isdigit():
            size = next((np.asarray(q.value).size for q in self.quantities if q.name == "input" and q.index is None), 0)
            if 1 <= int(sub) <= size:
                return Binding(symbol, f"input[{int(sub) - 1}]", True, "a^(0) is the input layer")
        sibling = self._by_siblings(symbol, role, bindings)
        if sibling is not None:
            return sibling
        layered = self._by_layer(symbol, role)
        if layered is not None:
            return layered
        output = self._output_node()
        if role == "act" and base in ("y", "hat(y)", "o") and output and (sub.isdigit() or not sub):
            size = next((np.asarray(q.value).size for q in self.quantities if q.name == output and q.index is None), 1)
            if sub.isdigit() and 1 <= int(sub) <= size and size > 1:
                k = int(sub) - 1
                shape = np.shape(next(q.value for q in self.quantities if q.name == output and q.index is None))
                index = (k,) if len(shape) == 1 else (0, k)
                key = node_key(output, index)
                return Binding(symbol, key, True, f"{base}_{sub} is output {sub} of the network (counted from 1)")
            if not sub:
                return Binding(symbol, output, True, f"{base} is the usual letter for the network's output")
        digit = [b for b in bindings.by_symbol.values() if b.quantity and base_and_parts(b.symbol)[2].isdigit()
                 and not base_and_parts(b.symbol)[3]]
        def whole(key: str) -> bool:  # a layer's node, or the one element of a one-unit layer's (both)
            return "[" not in key or self._size(key.split("[")[0]) == 1

        layer_subscripts = any(  # W_1, δ_2 bound to whole layers, and no z_k a unit: subscripts count layers
            b.support and whole(str(b.quantity)) and role_of(b.symbol) in ("weight", "delta")
            and str(b.quantity).split("[")[0].endswith((".W", ".z")) for b in digit) and not any(
            not whole(str(b.quantity)) and role_of(b.symbol) in ("pre", "act") for b in digit)
        if layer_subscripts and role in ("pre", "act") and sub.isdigit() and not sup:
            k = int(sub)
            if 1 <= k <= len(self.solution.layers):
                layer = self.solution.layers[k - 1]
                node = layer.z if role == "pre" else layer.a
                return Binding(symbol, node, True, f"{symbol}: layer {k}'s, as this sheet's W and δ subscripts count "
                                                   "layers", weak=True)
        output = self._output_letter(symbol)
        if output is not None:
            return Binding(symbol, output, True, f"{symbol}: the output layer's, as a sheet writing V and c for the "
                                                 "output layer (W and b for the hidden one) names it", weak=True)
        found = by_letter(symbol, role, self.solution)
        if found is not None:
            return self._other_letter(symbol, role, found[0], bindings) or \
                Binding(symbol, found[0], True, found[1], weak=True)
        return None

    def _element(self, symbol: str, bindings: Bindings) -> Binding | None:
        """``W_2(1,1)``: element (1,1), counted from 1, of what ``W_2`` is bound to; ``W[0,1]``: counted from 0."""
        match = re.fullmatch(r"(.+)\(([\d,]+)\)", symbol) or re.fullmatch(r"(.+)\[([\d,]+)\]", symbol)
        if not match:
            return None
        start = 1 if symbol.endswith(")") else 0
        whole = bindings.get(match.group(1))
        if whole is None or whole.quantity is None or "[" in whole.quantity:
            return None
        index = tuple(int(i) - start for i in match.group(2).split(","))
        shape = next((np.shape(q.value) for q in self.quantities if q.node_key == whole.quantity), None)
        if shape is None or len(shape) != len(index) or not all(0 <= i < n for i, n in zip(index, shape)):
            return None
        node = node_key(whole.quantity, index)
        count = "counted from 1" if start else "counted from 0"
        return Binding(symbol, node, True, f"element {symbol[len(match.group(1)):]} of {match.group(1)} = "
                                           f"{whole.quantity}, {count}")

    def _by_layer(self, symbol: str, role: str | None) -> Binding | None:
        """``W_2``, ``b_1``, ``\\delta_1``: a whole node of layer k (counted from 1), by its subscript;
        ``\\delta_j^{(k)}``, ``w_{ji}^{(k)}``: unit j (and input i) of layer k, by the label."""
        base, primes, sub, sup = base_and_parts(symbol)
        if primes or not sub.isdigit() or not self.solution.layers:
            return None
        if sup:
            return self._by_label(symbol, role, sub, sup)
        k = int(sub)
        if not 1 <= k <= len(self.solution.layers):
            return None
        layer = self.solution.layers[k - 1]
        node = {"weight": layer.weight, "bias": layer.bias, "delta": layer.z}.get(role or "")
        if node is None or (role == "bias" and base != "b"):
            return None
        return Binding(symbol, node, True, f"{symbol} read as layer {k}'s {node.split('.')[-1]} (by its subscript)",
                       weak=True)

    def _by_label(self, symbol: str, role: str | None, sub: str, sup: str) -> Binding | None:
        match = re.fullmatch(r"\((\d+)\)", sup)
        if not match or not 1 <= int(match.group(1)) <= len(self.solution.layers):
            return None
        k = int(match.group(1))
        layer = self.solution.layers[k - 1]
        node = {"weight": layer.weight, "delta": layer.z, "pre": layer.z, "act": layer.a}.get(role or "")
        if node is None:
            return None
        shape = next((np.shape(q.value) for q in self.quantities if q.name == node and q.index is None), None)
        if shape is None:
            return None
        digits = [int(d) - 1 for d in sub]
        if role == "weight":
            if len(digits) != 2:
                return None
            j, i = digits  # w_{ji}: from input i to unit j
            index: tuple[int, ...] = (j, i) if self.solution.convention == "column" else (i, j)
            if len(shape) == 1:  # one unit's incoming weights
                index = (i,) if j == 0 else ()
        else:
            if len(digits) != 1:
                return None
            index = (digits[0],) if len(shape) == 1 else (() if shape == () and digits[0] == 0 else None)  # type: ignore[assignment]
            if index is None:
                return None
        if len(index) != len(shape) or not all(0 <= a < n for a, n in zip(index, shape)):
            return None
        key = node_key(node, index or None)
        return Binding(symbol, key, True, f"{symbol} read as {key} by its label (unit {sub}, layer {k}, from 1)")

    def _output_node(self) -> str | None:
        if self.solution.layers:
            return self.solution.layers[-1].a
        return None

    def _typos(self, claims: list[Claim], candidates: dict[int, set[str]], bindings: Bindings) -> None:
        """A claim whose number is another same-role quantity that no other line gives: read as a label typo."""
        given: dict[str, Counter[str]] = {}
        for claim in claims:
            node = bindings.node(claim.symbol)
            if node is not None:
                given.setdefault(claim.section, Counter())[node] += 1
        for claim in claims:
            binding = bindings.get(claim.symbol)
            if binding is None or binding.quantity is None or binding.quantity in candidates[id(claim)]:
                continue
            section = given.get(claim.section, Counter())
            if section[binding.quantity] < 2:  # only a label written twice can be a typo
                continue
            free = [key for key in candidates[id(claim)] if section[key] == 0]
            if len(free) == 1:
                bindings.overrides[claim.chain] = Binding(
                    claim.symbol, free[0], True,
                    f"the label says {claim.symbol} ({binding.quantity}), which another line already gives; "
                    f"the number is {free[0]}'s, which no other line gives: read as a typo in the label")
                section[free[0]] += 1


def _role_fits(role: str, quantity_role: str) -> bool:
    if role == quantity_role:
        return True
    if role == "act" and quantity_role == "input":
        return False
    if role in ("weight", "bias") and quantity_role in ("weight", "bias"):
        return role == quantity_role
    return False
