"""Activations by the names docs/format.md fixes, each a call of one registered op.

The table is built from the op registry (every op of kind "activation"), plus
``identity`` and ``square``, which are no op of their own.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from gradwork import functional as F
from gradwork.ops import RegistryTable, ops_of_kind
from gradwork.tensor import Tensor

Activation = Callable[[Tensor], Tensor]


def identity(x: Tensor) -> Tensor:
    return x


def square(x: Tensor) -> Tensor:
    return x ** 2


def _activations() -> dict[str, Callable[..., Tensor]]:
    return {"identity": identity, **{op.name: getattr(F, op.name) for op in ops_of_kind("activation")},
            "square": square}


ACTIVATIONS: RegistryTable[Callable[..., Tensor]] = RegistryTable(_activations)
ALIASES = {"linear": "identity", "none": "identity", "logistic": "sigmoid"}


def is_identity(name: str) -> bool:
    """Whether the activation ``name`` is the identity (``identity``, ``linear``, ``none``)."""
    return ALIASES.get(name, name) == "identity"


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
