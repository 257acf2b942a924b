"""How each named node is written in a derivation.

Network form follows the course notation: x for the input, t for the target,
z⁽ˡ⁾ and a⁽ˡ⁾ for layer l's pre-activation and activation, W⁽ˡ⁾ and b⁽ˡ⁾ for its
parameters (w⁽ˡ⁾ for a single unit's flat weight vector), L for the loss;
layers are numbered from 1 and element indices print 1-based. Graph form uses
the names the user wrote, with 0-based indices as in the file.
"""

from __future__ import annotations

import re
from dataclasses import replace

from gradwork.explain.math import Symbol
from gradwork.problem import Solution


def symbol_table(solution: Solution) -> dict[str, Symbol]:
    """Each node's symbol: the problem's own (``names:``) where it gives one, else the course notation."""
    return _with_names(_default_table(solution), solution)


def _with_names(symbols: dict[str, Symbol], solution: Solution) -> dict[str, Symbol]:
    names = getattr(solution, "names", None)
    if not names:
        return symbols
    elements: dict[str, list[tuple[tuple[int, ...], str]]] = {}
    for ref, name in names.items():
        if ref.index is not None:
            elements.setdefault(ref.name, []).append((tuple(ref.index), name))
    out = dict(symbols)
    for node in set(symbols) | {ref.name for ref in names}:
        default = symbols.get(node)
        whole = names.symbol(node)
        if whole is None and default is None:
            continue
        if whole is not None:
            symbol = _named(whole, node, solution, default.one_based if default else True)
        else:
            symbol = default
        assert symbol is not None
        if node in elements:
            symbol = replace(symbol, elements=tuple(elements[node]))
        out[node] = symbol
    return out


_LAYERED = re.compile(r"^([A-Za-z]+)(\d+)$")


def _named(name: str, node: str, solution: Solution, one_based: bool) -> Symbol:
    """A name as the problem writes it. A vector or matrix named with a trailing number (W1, net1)
    is that layer's: W⁽¹⁾, whose entries read w⁽¹⁾₁₂; a scalar keeps the number as a subscript (w6: w₆)."""
    tensor = solution.target if node == "target" else solution.nodes.get(node)
    match = _LAYERED.match(name)
    if match and tensor is not None and getattr(tensor, "size", 1) > 1 and one_based:
        return Symbol(match.group(1), match.group(2), (), one_based)
    return Symbol(name, None, (), one_based=one_based)


def _default_table(solution: Solution) -> dict[str, Symbol]:
    symbols: dict[str, Symbol] = {"loss": Symbol("L")}
    if solution.form == "network":
        symbols["input"] = Symbol("x")
        symbols["target"] = Symbol("t")
        for number, layer in enumerate(solution.layers, start=1):
            tag = str(number)
            symbols[layer.z] = Symbol("z", tag)
            symbols[layer.a] = Symbol("a", tag)
            symbols[layer.weight] = Symbol("w" if layer.flat_weights else "W", tag)
            if layer.bias:
                symbols[layer.bias] = Symbol("b", tag)
        return symbols
    for name, tensor in solution.nodes.items():
        if name != "loss":
            symbols[name] = Symbol(name, one_based=False)
        if tensor is solution.loss:
            symbols["loss"] = Symbol(name, one_based=False)  # the graph's own name for its output
    if solution.target is not None:
        symbols.setdefault("target", Symbol("t", one_based=False))
    return symbols


def updated(symbol: Symbol) -> Symbol:
    return replace(symbol, updated=True)
