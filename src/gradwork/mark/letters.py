"""What a symbol's letter and labels say it is, when no number or formula says so: the last resort of binding.

The conventions students use, tried in order (each binding is *weak*: a formula's
structure overrides it, :mod:`gradwork.mark.structure`):

* a layer label alone names a whole node of that layer: ``W^{(2)}``, ``b^{(1)}``,
  ``z^{(1)}``, ``a^{(2)}``, ``δ^{(2)}`` (counted from 1);
* a label and a unit name one element, a bias too: ``b^{(2)}_1``;
* ``o`` and ``h`` name the output and the hidden layer of a two-layer network:
  ``δ_o``, ``δ_{o2}``, ``δ_h``, ``δ_{h1}``;
* ``W``, ``b``, ``z``, ``h`` with no label at all: the first layer's (a sheet that
  names the output layer's with other letters, ``V``, ``c``, ``s``, ``y``); ``s`` alone of a
  two-layer network: the output layer's pre-activation;
* numbering through the network, unit by unit, as seed 002's sheet counts:
  ``z_3``/``net_3``/``a_3``/``δ_3`` the third unit counting from the first layer,
  ``h_2`` the second hidden unit, ``b_3`` the third unit's bias, ``w_5`` the fifth
  weight (each unit's incoming weights in turn).
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from gradwork.mark.quantities import base_and_parts
from gradwork.problem.quantities import node_key


def by_letter(symbol: str, role: str | None, solution: Any) -> tuple[str, str] | None:
    """(node key, evidence) for ``symbol`` from its letter and labels alone, or None."""
    layers = solution.layers
    if not layers or role is None:
        return None
    base, primes, sub, sup = base_and_parts(symbol)
    if primes:
        return None
    label = re.fullmatch(r"\((\d+)\)", sup)
    if label and not sub:
        return _whole(role, int(label.group(1)), solution, f"{symbol}: layer {label.group(1)}'s, by its label")
    if label and sub.isdigit() and role == "bias":
        k = int(label.group(1))
        if 1 <= k <= len(layers) and layers[k - 1].bias:
            return _element(solution, layers[k - 1].bias, int(sub) - 1,
                            f"{symbol}: unit {sub} of layer {k}'s bias, by its label")
    if role == "delta":
        letters = re.fullmatch(r"([oh])(\d*)", sub)
        if letters and len(layers) == 2:
            layer = layers[-1] if letters.group(1) == "o" else layers[0]
            where = "output" if letters.group(1) == "o" else "hidden"
            if not letters.group(2):
                return layer.z, f"{symbol}: dL/dz of the {where} layer"
            return _element(solution, layer.z, int(letters.group(2)) - 1,
                            f"{symbol}: dL/dz of {where} unit {letters.group(2)}")
    if not sub and not sup and base in ("W", "b", "z", "h", "Z", "H") and role != "delta":
        return _whole(role, 1, solution, f"{symbol}: the first layer's, as a sheet without labels writes it")
    if not sub and not sup and base == "s" and len(layers) == 2:  # z, h then s, y: the output layer's
        return _whole(role, 2, solution, f"{symbol}: the output layer's, as a sheet writing z, h and s, y names it")
    if sup or not sub.isdigit():
        return None
    return numbered(role, base, int(sub), solution)


def _whole(role: str, k: int, solution: Any, evidence: str) -> tuple[str, str] | None:
    if not 1 <= k <= len(solution.layers):
        return None
    layer = solution.layers[k - 1]
    node = {"weight": layer.weight, "bias": layer.bias, "pre": layer.z, "act": layer.a, "delta": layer.z}.get(role)
    return (node, evidence) if node else None


def _element(solution: Any, node: str, j: int, evidence: str) -> tuple[str, str] | None:
    shape = np.shape(solution.nodes[node].data) if node in solution.nodes else None
    if shape is None or j < 0:
        return None
    if not shape:
        return (node, evidence) if j == 0 else None
    if j >= shape[-1]:
        return None
    index = (j,) if len(shape) == 1 else (0, j)
    return node_key(node, index), evidence


def numbered(role: str, base: str, k: int, solution: Any) -> tuple[str, str] | None:
    """The k-th unit (weight) counting through the layers in order, as a sheet numbers them."""
    if k < 1:  # w_0, h_0: counted from 1, there is no 0th (a bias unit's, say)
        return None
    layers = solution.layers
    if role in ("pre", "act", "delta", "bias"):
        units = layers[:-1] if base == "h" else layers
        count = 0
        for layer in units:
            if count + layer.fan_out >= k:
                node = {"pre": layer.z, "act": layer.a, "delta": layer.z, "bias": layer.bias}[role]
                if not node:
                    return None
                return _element(solution, node, k - count - 1, f"{base}_{k}: unit {k} counting through the layers")
            count += layer.fan_out
        return None
    if role == "weight":
        count = 0
        for layer in layers:
            size = layer.fan_in * layer.fan_out
            if count + size >= k:
                position = k - count - 1
                j, i = divmod(position, layer.fan_in)  # each unit's incoming weights in turn
                shape = np.shape(solution.nodes[layer.weight].data)
                index = (i,) if len(shape) == 1 else ((i, j) if solution.convention == "row" else (j, i))
                return (node_key(layer.weight, index),
                        f"w_{k}: weight {k} counting each unit's incoming weights through the layers")
            count += size
    return None
