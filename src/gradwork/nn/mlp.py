"""A multi-layer perceptron built from a list of layer specs."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from gradwork.nn.layers import Convention, Dense
from gradwork.tensor import Tensor


class MLP:
    """Layers applied in order; each keeps its last ``z`` and ``a`` for inspection."""

    def __init__(self, layers: Sequence[Dense]) -> None:
        self.layers = list(layers)

    @classmethod
    def from_specs(
        cls,
        specs: Iterable[dict[str, Any]],
        convention: Convention = "column",
        backend: Any = None,
        dtype: str | None = None,
    ) -> MLP:
        """Build from dicts with ``weights``, optional ``bias``, ``activation`` and ``name``."""
        layers = []
        for number, spec in enumerate(specs, start=1):
            layers.append(Dense(
                spec["weights"],
                spec.get("bias"),
                spec.get("activation", "identity"),
                convention=convention,
                name=spec.get("name") or f"layer{number}",
                backend=backend,
                dtype=dtype,
            ))
        return cls(layers)

    def __call__(self, x: Any) -> Tensor:
        out = x
        for layer in self.layers:
            out = layer(out)
        return out

    def parameters(self) -> list[Tensor]:
        return [p for layer in self.layers for p in layer.parameters()]

    def named_parameters(self) -> dict[str, Tensor]:
        return {p.name or f"param{i}": p for i, p in enumerate(self.parameters())}
