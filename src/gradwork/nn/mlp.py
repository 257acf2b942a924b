"""A multi-layer perceptron built from a list of layer specs, or initialized for training."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from gradwork.nn.init import initializer
from gradwork.nn.layers import Convention, Dense
from gradwork.tensor import Tensor

ActivationSpec = str | dict[str, Any]


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

    @classmethod
    def init(
        cls,
        sizes: Sequence[int],
        activations: Sequence[ActivationSpec] | ActivationSpec,
        init: str | Sequence[str] = "he",
        seed: int = 0,
        convention: Convention = "row",
        dtype: str = "float32",
        names: Sequence[str] | None = None,
        bias: bool = True,
    ) -> MLP:
        """A fresh network with layer widths ``sizes`` (inputs first), weights drawn by ``init``.

        ``MLP.init([64, 128, 10], ["relu", "identity"])`` is a 64-128-10
        network. ``activations`` (one per layer, or one for all) are names or
        ``{"name": "leaky_relu", "alpha": 0.01}``; ``init`` is an initializer
        name from :mod:`gradwork.nn.init` (or one per layer). The same ``seed``
        gives the same weights; biases start at zero.
        """
        if len(sizes) < 2:
            raise ValueError("sizes needs the input width and at least one layer width")
        count = len(sizes) - 1
        activations = [activations] * count if isinstance(activations, (str, dict)) else list(activations)
        inits = [init] * count if isinstance(init, str) else list(init)
        names = list(names) if names is not None else [f"layer{i}" for i in range(1, count + 1)]
        for label, given in (("activations", activations), ("init", inits), ("names", names)):
            if len(given) != count:
                raise ValueError(f"{label} has {len(given)} entries for {count} layers")
        rng = np.random.default_rng(seed)
        layers = []
        for fan_in, fan_out, act, init_name, name in zip(sizes[:-1], sizes[1:], activations, inits, names):
            weights = initializer(init_name)(rng, fan_in, fan_out)  # [in, out]
            if convention == "column":
                weights = weights.T
            layers.append(Dense(
                weights.astype(dtype),
                np.zeros(fan_out, dtype=dtype) if bias else None,
                act,
                convention=convention,
                name=name,
                dtype=dtype,
            ))
        return cls(layers)

    def __call__(self, x: Any, fused: bool = False) -> Tensor:
        """The network's output for ``x`` (one sample or a batch, one sample per row).

        ``fused=True`` uses the one-op ``linear`` layer where it applies (training).
        """
        out = x
        for layer in self.layers:
            out = layer(out, fused)
        return out

    def parameters(self) -> list[Tensor]:
        return [p for layer in self.layers for p in layer.parameters()]

    def named_parameters(self) -> dict[str, Tensor]:
        return {p.name or f"param{i}": p for i, p in enumerate(self.parameters())}

    @property
    def convention(self) -> Convention:
        return self.layers[0].convention if self.layers else "row"

    @property
    def sizes(self) -> list[int]:
        """Layer widths, inputs first: [64, 128, 10] for a 64-128-10 network."""
        return [self.layers[0].fan_in, *(layer.fan_out for layer in self.layers)] if self.layers else []

    @property
    def dtype(self) -> str:
        return str(self.layers[0].W.data.dtype) if self.layers else "float64"
