"""Activations by the names FORMAT.md fixes, each a call of one registered op."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from gradwork import functional as F
from gradwork.tensor import Tensor

Activation = Callable[[Tensor], Tensor]


def identity(x: Tensor) -> Tensor:
    return x


def square(x: Tensor) -> Tensor:
    return x ** 2


ACTIVATIONS: dict[str, Callable[..., Tensor]] = {
    "identity": identity,
    "relu": F.relu,
    "leaky_relu": F.leaky_relu,
    "sigmoid": F.sigmoid,
    "tanh": F.tanh,
    "softmax": F.softmax,
    "softplus": F.softplus,
    "elu": F.elu,
    "gelu": F.gelu,
    "square": square,
}
ALIASES = {"linear": "identity", "none": "identity", "logistic": "sigmoid"}


class UnknownActivationError(ValueError):
    pass


def activation(name: str, **options: Any) -> Activation:
    """The activation called ``name`` with its options bound (e.g. ``alpha`` for leaky_relu)."""
    key = ALIASES.get(name, name)
    if key not in ACTIVATIONS:
        known = ", ".join(sorted([*ACTIVATIONS, *ALIASES]))
        raise UnknownActivationError(f"unknown activation {name!r} (expected one of: {known}, or a formula in x)")
    function = ACTIVATIONS[key]
    if not options:
        return function
    return lambda x: function(x, **options)
