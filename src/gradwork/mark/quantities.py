"""What a student's symbol can stand for: every quantity of the solved problem, with its value and role.

A *role* is the kind of thing a symbol's letter usually names in a worked
solution (``w`` a weight, ``z`` a pre-activation, ``a``/``h``/``o`` an
activation, ``δ`` a layer's dL/dz, ``J``/``L``/``E`` the loss, ``t`` the
target). Roles only narrow the quantities a number is matched against; the
number decides.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from typing import Any

import numpy as np

from gradwork.problem import Solution
from gradwork.problem.quantities import node_key, quantity_key

# letter -> role; a symbol's role is its base letter's (before _ ^ and primes)
ROLES: dict[str, str] = {
    "w": "weight", "W": "weight", "theta": "weight",
    "b": "bias",
    "z": "pre", "Z": "pre", "net": "pre", "d": "pre", "s": "pre",
    "a": "act", "A": "act", "h": "act", "H": "act", "o": "act", "O": "act", "hat(y)": "act", "y": "act", "Y": "target",
    "x": "input", "X": "input", "i": "input",
    "J": "loss", "L": "loss", "E": "loss", "C": "loss", "BCE": "loss", "MSE": "loss", "loss": "loss", "l": "loss",
    "delta": "delta",
    "t": "target", "T": "target",
    "eta": "lr", "alpha": "lr", "gamma": "lr",
}
LOSS_LETTERS = {"J", "L", "E", "C", "BCE", "MSE", "loss", "l"}


@dataclass(frozen=True)
class Q:
    """One quantity: ``section`` loss | values | gradients | updated | given (parameters as given, target, lr)."""

    section: str
    name: str  # node name ("hidden.W"), "loss", "target", "lr"
    index: tuple[int, ...] | None
    value: Any  # float, SymPy expression, or an array for a whole node
    role: str  # weight, bias, pre, act, input, loss, target, lr, other
    layer: int | None  # 1-based layer of a network problem, 0 for the input

    @property
    def node_key(self) -> str:
        return node_key(self.name, self.index)

    @property
    def key(self) -> str:
        """The docs/format.md quantity key check reports (``gradients.hidden.W[1,0]``, ``loss``)."""
        return quantity_key(self.section, self.name, self.index)


_PARTS = re.compile(r"^(?P<base>hat\([^)]*\)|[A-Za-z]+)(?P<primes>'*)(?:_(?P<lower>[^^]*))?(?:\^(?P<sup>.*))?$")


@lru_cache(maxsize=16384)  # a pure function of a name, asked about every name of a document many times
def base_and_parts(symbol: str) -> tuple[str, str, str, str]:
    """``w_11^(2)`` -> ("w", "", "11", "(2)"); ``E'_BCE`` -> ("E", "'", "BCE", "")."""
    match = _PARTS.match(symbol)
    if not match:
        return symbol, "", "", ""
    return match["base"], match["primes"], match["lower"] or "", match["sup"] or ""


def role_of(symbol: str) -> str | None:
    base, primes, sub, _ = base_and_parts(symbol)
    if primes:
        return None
    if base in ("E", "L", "J", "C") and sub and not sub.isdigit():
        return "loss"  # E_BCE, L_total
    return ROLES.get(base)


def layer_hint(symbol: str) -> int | None:
    """The layer a symbol's label superscript names: ``a^(1)`` -> 1."""
    _, _, _, sup = base_and_parts(symbol)
    match = re.fullmatch(r"\((\d+)\)", sup)
    return int(match.group(1)) if match else None


def to_float(value: Any) -> Any:
    """Exact (Fraction) arrays as floats; SymPy arrays unchanged."""
    array = np.asarray(value)
    if array.dtype != object:
        return array.astype(float)
    flat = array.reshape(-1)
    if all(isinstance(v, (int, float, Fraction)) for v in flat):
        return np.array([float(v) for v in flat]).reshape(array.shape)
    if all(hasattr(v, "is_number") and v.is_number for v in flat):
        return np.array([float(v) for v in flat]).reshape(array.shape)
    return array


def catalog(solution: Solution) -> list[Q]:
    """Every quantity of ``solution``: whole nodes and their elements, in values, gradients and updated."""
    found: list[Q] = []
    roles, layers = _node_roles(solution)

    def add(section: str, name: str, value: Any, role: str) -> None:
        if value is None:
            return
        array = to_float(value)
        layer = layers.get(name)
        found.append(Q(section, name, None, array if array.ndim else array.reshape(()), role, layer))
        if array.ndim and array.size > 1:
            for index in np.ndindex(array.shape):
                found.append(Q(section, name, tuple(int(i) for i in index), array[index], role, layer))
        elif array.ndim and array.size == 1:
            found.append(Q(section, name, (0,) * array.ndim, array.reshape(-1)[0], role, layer))

    parameters = set(solution.parameters)
    for name, tensor in solution.nodes.items():
        role = roles.get(name, "other")
        if name == "loss" and solution.loss is not None:
            add("loss", "loss", tensor.data, "loss")
            continue
        if name in parameters:
            add("given", name, tensor.data, role)
            if name in solution.updated:
                add("updated", name, np.reshape(np.asarray(solution.updated[name], dtype=object), tensor.data.shape)
                    if not isinstance(solution.updated[name], (int, float)) else solution.updated[name], role)
        else:
            add("values", name, tensor.data, role)
        if tensor.grad is not None:
            add("gradients", name, tensor.grad, "delta" if role == "pre" else role)
    if solution.target is not None:
        add("given", "target", solution.target.data, "target")
    if solution.upstream is not None:
        add("given", "upstream", solution.upstream.data, "upstream")
    if solution.optimizer.name != "none" and solution.parameters:
        add("given", "lr", solution.optimizer.lr, "lr")
    return found


def _node_roles(solution: Solution) -> tuple[dict[str, str], dict[str, int]]:
    roles: dict[str, str] = {"input": "input", "loss": "loss"}
    layers: dict[str, int] = {"input": 0}
    for position, layer in enumerate(solution.layers, start=1):
        roles[layer.weight] = "weight"
        if layer.bias:
            roles[layer.bias] = "bias"
        roles[layer.z] = "pre"
        roles[layer.a] = "act"
        for node in (layer.weight, layer.bias, layer.z, layer.a):
            if node:
                layers[node] = position
    if not solution.layers:  # graph form: parameters are weights, the output is the activation that meets the loss
        for name in solution.parameters:
            roles[name] = "weight"
    return roles, layers
