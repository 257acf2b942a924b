"""Reading a sheet's labels together: how its subscripts count (within a layer, through the network, by layer),
two labels on one quantity, a label against a lone line's chance number, the V/c letters of an output layer.

A mixin of :class:`gradwork.mark.bind.Binder`: a student's wrong (carried) number may equal another
quantity's by chance; what the sheet's other labels say decides which quantity a label names.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from gradwork.mark.binding import Binding, Bindings, Claim, symbol_key
from gradwork.mark.letters import by_letter, numbered
from gradwork.mark.quantities import Q, base_and_parts, role_of
from gradwork.problem.quantities import node_key


class LabelReading:
    solution: Any
    quantities: list[Q]
    node_roles: dict[str, str]
    written: dict[str, str]
    _claimed: set[tuple[str, str]]
    _all_claims: list[Claim]
    _candidates_of: dict[int, set[str]]

    def refine(self, bindings: Bindings) -> bool:
        """Letter guesses (no line's number or formula behind them) read again as their siblings count, once
        formulas have bound the siblings (``δ_2`` guessed layer 2's while ``δ_1`` multiplies ``x_1`` in
        ``∂L/∂w_11``: unit 2 of layer 1). True when something changed."""
        before = dict(bindings.by_symbol)
        self._collisions(bindings)  # formulas have bound more labels: two on one quantity again
        self._transposed_pair(bindings)  # and may show how the sheet counts w_ji
        changed = bindings.by_symbol != before
        for symbol, binding in list(bindings.by_symbol.items()):
            if binding.quantity is None and binding.candidates:  # a_2's number fits unit 1 of layer 1 and layer 2
                found = self._by_siblings(symbol, role_of(symbol), bindings)  # a_1 is layer 1's: a_2 layer 2's
                if found is not None and found.quantity in binding.candidates:
                    bindings.by_symbol[symbol] = found
                    changed = True
                continue
            if binding.support or not binding.weak or binding.quantity is None \
                    or self.written.get(symbol_key(symbol)) == binding.quantity:  # the problem's own symbol
                continue
            found = self._by_siblings(symbol, role_of(symbol), bindings)
            if found is not None and found.quantity != binding.quantity:
                bindings.by_symbol[symbol] = found
                changed = True
        return changed

    def _collisions(self, bindings: Bindings) -> None:
        """Two labels of one letter (``w_1``, ``w_3``) bound by their numbers to one quantity: the one whose label
        names it keeps it, the other is what its own label names (a carried wrong number equal to another
        quantity's by chance); where no label decides, the one fewer lines support is read as its siblings'
        subscripts count."""
        groups: dict[tuple[str, str], list[Binding]] = {}
        for binding in bindings.by_symbol.values():
            base, primes, sub, sup = base_and_parts(binding.symbol)
            if binding.support and binding.quantity and not primes and not sup and sub.isdigit():
                groups.setdefault((base, binding.quantity), []).append(binding)
        taken = {b.quantity for b in bindings.by_symbol.values() if b.support and b.quantity}
        for (_, quantity), group in groups.items():
            if len(group) < 2:
                continue
            agree = [b for b in group if quantity in self._label_readings(b.symbol, quantity)]
            if len(agree) == 1:
                for other in group:
                    readings = self._label_readings(other.symbol, quantity) - taken
                    if other is not agree[0] and len(readings) == 1:
                        key = readings.pop()
                        bindings.by_symbol[other.symbol] = Binding(
                            other.symbol, key, True, f"{other.symbol} read as {key} by its label: its number is "
                            f"also {quantity}'s, which {agree[0].symbol} names", weak=True)
                        taken.add(key)
                continue
            group.sort(key=lambda b: -b.support)
            for weaker in group[1:]:
                if weaker.support >= group[0].support:
                    continue
                del bindings.by_symbol[weaker.symbol]
                found = self._by_siblings(weaker.symbol, role_of(weaker.symbol), bindings)
                keep = found is not None and found.quantity != weaker.quantity
                bindings.by_symbol[weaker.symbol] = found if keep else weaker  # type: ignore[assignment]

    def _swaps(self, bindings: Bindings) -> None:
        """``z_1 = 8``, ``z_2 = -8`` where the layer's true values are -8 and 8 (a sign slip on the whole layer):
        two units of one letter bound by their numbers each to the unit the other's label names, both ways a
        sheet counts: the labels decide (no sheet numbers a layer's units backwards)."""
        units = [b for b in bindings.by_symbol.values() if b.support and b.quantity and "[" in b.quantity
                 and role_of(b.symbol) in ("pre", "act", "delta") and not base_and_parts(b.symbol)[1]
                 and re.fullmatch(r"[oh]?\d+", base_and_parts(b.symbol)[2])]  # δ_o1, δ_o2 too
        for k, one in enumerate(units):
            for other in units[k + 1:]:
                if base_and_parts(one.symbol)[0] != base_and_parts(other.symbol)[0] \
                        or base_and_parts(one.symbol)[3] != base_and_parts(other.symbol)[3]:
                    continue
                mine, theirs = str(one.quantity), str(other.quantity)
                if self._unit_readings(one.symbol, mine) != {theirs} \
                        or self._unit_readings(other.symbol, theirs) != {mine}:
                    continue
                for binding, key in ((one, theirs), (other, mine)):
                    bindings.by_symbol[binding.symbol] = Binding(
                        binding.symbol, key, True, f"{binding.symbol} read as {key} by its label: its number is "
                        "another unit's, whose label names this one (the two numbers swapped)", weak=True)
        self._transposed_pair(bindings)

    def _unit_readings(self, symbol: str, quantity: str) -> set[str]:
        """What a unit's label names: both ways a sheet counts, or the output/hidden letter (``δ_{o2}``)."""
        if base_and_parts(symbol)[2].isdigit():
            return self._label_readings(symbol, quantity)
        lettered = by_letter(symbol, role_of(symbol), self.solution)
        return {lettered[0]} if lettered else set()

    def _transposed_pair(self, bindings: Bindings) -> None:
        """``∂E/∂w^{(1)}_{12}`` and ``∂E/∂w^{(1)}_{21}`` bound by their numbers each to the other's element (a
        transposed gradient) on a sheet whose other weights show it writes ``w_{ji}`` (unit j, input i): the
        labels decide; without such a weight the sheet may count ``w_{ij}``, and the numbers stand."""
        weights = [b for b in bindings.by_symbol.values() if b.quantity and "[" in b.quantity
                   and role_of(b.symbol) == "weight" and not base_and_parts(b.symbol)[1]
                   and re.fullmatch(r"\d\d", base_and_parts(b.symbol)[2])]

        def reading(binding: Binding, sub: str) -> str | None:
            return self._index_by_subscript(str(binding.quantity).split("[")[0], sub, "weight")

        for k, one in enumerate(weights):
            for other in weights[k + 1:]:
                b1, _, s1, up1 = base_and_parts(one.symbol)
                b2, _, s2, up2 = base_and_parts(other.symbol)
                if not one.support or not other.support or b1 != b2 or up1 != up2 or s1 != s2[::-1] \
                        or s1 == s2 or reading(one, s1) != other.quantity or reading(other, s2) != one.quantity:
                    continue
                ji = [b for b in weights if b is not one and b is not other and b.quantity == reading(
                    b, base_and_parts(b.symbol)[2]) != reading(b, base_and_parts(b.symbol)[2][::-1])]
                if not ji:
                    continue
                for binding, key in ((one, other.quantity), (other, one.quantity)):
                    bindings.by_symbol[binding.symbol] = Binding(
                        binding.symbol, key, True, f"{binding.symbol} read as {key} by its label, as this sheet's "
                        f"{ji[0].symbol} counts w_ji: its number is the transposed element's", weak=True)

    def _label_readings(self, symbol: str, quantity: str) -> set[str]:
        """What a label names, both ways a sheet counts: ``w_{ji}`` (or unit ``j``) in the layer of ``quantity``,
        and the k-th weight (unit) counting through the network."""
        base, _, sub, _ = base_and_parts(symbol)
        node = quantity.split("[")[0]
        role = role_of(symbol) or self.node_roles.get(node)
        if role is None or not sub.isdigit():
            return set()
        counted = numbered(role, base, int(sub), self.solution)
        found = {self._index_by_subscript(node, sub, role), counted[0] if counted else None}
        return {key for key in found if key is not None}

    def _output_letter(self, symbol: str) -> str | None:
        """``V``, ``c``, ``c_2`` of a two-layer network: the output layer's weights, bias, bias of unit 2."""
        base, primes, sub, sup = base_and_parts(symbol)
        layers = self.solution.layers
        if primes or sup or len(layers) != 2:
            return None
        if base == "V" and not sub:
            return layers[-1].weight
        if base != "c" or not layers[-1].bias or (sub and not sub.isdigit()):
            return None
        output = layers[-1].bias
        size = self._size(output)
        shape = next((np.shape(q.value) for q in self.quantities if q.name == output and q.index is None), ())
        j = int(sub) - 1 if sub else 0
        if not sub:
            return output if size == 1 else None
        if not 0 <= j < size:
            return None
        return output if size == 1 else node_key(output, (j,) if len(shape) == 1 else (0, j))

    def _sheet_counts_through(self, symbol: str) -> bool:
        """Do this letter's other labels whose numbers fit one quantity only count through the network
        (``w_5`` the fifth weight) more often than within a layer (``w_12``: unit 1, input 2)?"""
        base, _, _, _ = base_and_parts(symbol)
        role = role_of(symbol)
        if role is None:
            return False
        through = within = 0
        for claim in self._all_claims:
            found = self._candidates_of.get(id(claim), set())
            other_base, primes, sub, sup = base_and_parts(claim.symbol)
            if claim.symbol == symbol or other_base != base or primes or sup or not sub.isdigit() or len(found) != 1:
                continue
            key = next(iter(found))
            counted = numbered(role, base, int(sub), self.solution)
            through += counted is not None and counted[0] == key
            within += index_hint_fits(claim.symbol, key)
        return through > within

    def _unit_label_contradicts(self, symbol: str, key: str, claims: list[Claim],
                                candidates: dict[int, set[str]]) -> bool:
        """``δ_2`` whose one line's number is unit 1's (``δ_2 = -0.2806``, unit 1's true value -0.2809), while
        its label names unit 2 both ways a sheet counts (unit 2 of the layer, the second unit through the network)
        and no line's number gives unit 2: a wrong number equal to another unit's by chance (``y_1 = -0.517``
        carried into ``∂J/∂y_1``, unit 2's gradient under cross-entropy), not a sheet calling unit 2 ``δ_1``."""
        role = role_of(symbol)
        if role not in ("pre", "act", "delta") or "[" not in key or index_hint_fits(symbol, key):
            return False
        _, _, sub, _ = base_and_parts(symbol)
        if not sub.isdigit():
            return False
        counted = numbered(role, base_and_parts(symbol)[0], int(sub), self.solution)
        if counted is not None and counted[0] == key:
            return False
        label = self._index_by_subscript(key.split("[")[0], sub, role)
        readings = {k for k in (label, counted[0] if counted else None) if k is not None}
        # the lines whose number says this unit and not the label's (a line fitting both units says nothing)
        backing = [c for c in claims if key in candidates[id(c)] and not readings & candidates[id(c)]]
        if not readings or len(backing) != 1:
            return False
        return not {(backing[0].section, k) for k in readings} & self._claimed

    def _size(self, key: str) -> int:
        q = next((q for q in self.quantities if q.node_key == key), None)
        return 0 if q is None else int(np.asarray(q.value).size)

    def _other_letter(self, symbol: str, role: str | None, key: str, bindings: Bindings) -> Binding | None:
        """``s_1`` read as unit 1 of the first layer while ``z_1`` is bound by its numbers to that unit: two
        letters name units of two layers, so ``s_1`` is unit 1 of the one other layer that has it."""
        base, _, sub, _ = base_and_parts(symbol)
        if role not in ("pre", "act") or not sub.isdigit():
            return None
        if not any(b.quantity == key and b.support and base_and_parts(b.symbol)[0] != base
                   for b in bindings.by_symbol.values()):
            return None
        taken = {b.quantity for b in bindings.by_symbol.values() if b.support and b.quantity}
        others = []
        for layer in self.solution.layers:
            node = layer.z if role == "pre" else layer.a
            shape = next((np.shape(q.value) for q in self.quantities if q.name == node and q.index is None), None)
            if shape is None or node == key.split("[")[0]:
                continue
            j = int(sub) - 1
            if not shape:
                element = node if j == 0 else None
            else:
                element = node_key(node, (j,) if len(shape) == 1 else (0, j)) if 0 <= j < shape[-1] else None
            if element is not None and element not in taken:
                others.append(element)
        if len(others) != 1:
            return None
        return Binding(symbol, others[0], True, f"{symbol}: another letter names {key}; unit {sub} of the other "
                                                "layer", weak=True)

    def _by_siblings(self, symbol: str, role: str | None, bindings: Bindings) -> Binding | None:
        """``w_11`` unbound while ``w_21``, ``w_31`` are bound by their numbers to ``W[1,0]``, ``W[2,0]`` of one
        layer: this sheet numbers ``w_{ji}`` within that layer, so ``w_11`` is its ``[0,0]``; ``δ_1`` with ``δ_2``,
        ``δ_3`` bound to units 2 and 3 of one layer: its unit 1 (not layer 1 by the subscript); ``δ_3`` with
        ``δ_4``, ``δ_5`` bound to the units numbered 4 and 5 through the network: unit 3 so numbered."""
        base, primes, sub, sup = base_and_parts(symbol)
        if primes or sup or not sub.isdigit():
            return None
        siblings = []
        for other in bindings.by_symbol.values():
            if not other.support or other.quantity is None or other.symbol == symbol:
                continue
            other_base, other_primes, other_sub, other_sup = base_and_parts(other.symbol)
            if other_base == base and not other_primes and not other_sup and other_sub.isdigit() and (
                    self._size(other.quantity.split("[")[0]) > 1 or int(other_sub) > len(self.solution.layers)):
                siblings.append((other_sub, other.quantity))  # W_1 of a 1x1 layer: a layer's or a unit's
        if not siblings:
            return None
        nodes = {quantity.split("[")[0] for _, quantity in siblings}
        if role is None:  # v_21 says nothing by its letter: its siblings v_12, v_22 are weights
            roles = {self.node_roles.get(node) for node in nodes}
            role = roles.pop() if len(roles) == 1 else None
        if role is None or role not in ("weight", "bias", "delta", "pre", "act"):
            return None
        if len(nodes) == 1 and all(len(other) == len(sub) for other, _ in siblings):
            one = next(iter(nodes))
            if all(self._index_by_subscript(one, other, role) == quantity for other, quantity in siblings):
                key = self._index_by_subscript(one, sub, role)
                if key is not None:
                    return Binding(symbol, key, True, f"{symbol} read as {key}, as its siblings' subscripts count "
                                                      "(unit, then input, from 1, in one layer)", weak=True)
        layered = [self._layer_node(role, int(other)) for other, _ in siblings]
        if all(node == quantity for node, (_, quantity) in zip(layered, siblings)):
            node = self._layer_node(role, int(sub))
            if node is not None:
                return Binding(symbol, node, True, f"{symbol}: layer {sub}'s, as its siblings' subscripts count "
                                                   "layers", weak=True)
        counted = [numbered(role, base, int(other), self.solution) for other, _ in siblings]
        if all(found is not None and found[0] == quantity for found, (_, quantity) in zip(counted, siblings)):
            found = numbered(role, base, int(sub), self.solution)
            if found is not None:
                return Binding(symbol, found[0], True, f"{found[1]}, as its siblings' subscripts count", weak=True)
        return None

    def _layer_node(self, role: str, k: int) -> str | None:
        if not 1 <= k <= len(self.solution.layers):
            return None
        layer = self.solution.layers[k - 1]
        return {"weight": layer.weight, "bias": layer.bias, "pre": layer.z, "act": layer.a,
                "delta": layer.z}.get(role) or None

    def _index_by_subscript(self, node: str, sub: str, role: str) -> str | None:
        """The element of ``node`` a subscript names: ``ji`` (unit j, input i) for a weight, ``j`` for a unit."""
        shape = next((np.shape(q.value) for q in self.quantities if q.name == node and q.index is None), None)
        if shape is None:
            return None
        digits = [int(d) - 1 for d in sub]
        index: tuple[int, ...]
        if role == "weight":
            if len(digits) != 2:
                return None
            j, i = digits
            index = (j, i) if self.solution.convention == "column" else (i, j)
            if len(shape) == 1:
                index = (i,) if j == 0 else (-1,)
        else:
            if len(digits) != 1:
                return None
            index = (digits[0],) if len(shape) == 1 else (0, digits[0]) if len(shape) == 2 and shape[0] == 1 else (-1,)
            if not shape:
                return node if digits[0] == 0 else None
        if len(index) != len(shape) or not all(0 <= a < n for a, n in zip(index, shape)):
            return None
        return node_key(node, index)


def _parse_index(rest: str) -> tuple[int, ...] | None:
    return tuple(int(i) for i in rest.rstrip("]").split(",")) if rest else None


def index_hint_fits(symbol: str, key: str) -> bool:
    """Does the symbol's subscript name the key's element, counted from 1 (``w_12`` and ``W[0,1]``)?"""
    _, _, sub, _ = base_and_parts(symbol)
    match = re.search(r"\[([\d,]+)\]$", key)
    if not sub.isdigit() or not match:
        return False
    index = [int(i) for i in match.group(1).split(",")]
    return "".join(str(i + 1) for i in index) == sub or (len(index) == 1 and str(index[0] + 1) == sub)
