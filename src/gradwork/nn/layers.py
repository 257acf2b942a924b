"""A dense layer in either convention.

* column: z = W x + b, W of shape [out, in] (most textbooks)
* row:    z = x W + b, W of shape [in, out] (many exam sheets and PyTorch's data layout)

A flat weight vector is the incoming weights of a single unit: z = w . x + b.
A batch of samples is a matrix with one sample per row in both conventions.

``layer(x, fused=True)`` computes z with the single op ``linear`` (x W + b) in
the row convention, for training speed; the default keeps ``x @ W`` and
``+ b`` as two nodes, which is what derivations show.
"""

from __future__ import annotations

from typing import Any, Literal

from gradwork import functional as F
from gradwork.nn.activations import Activation, activation
from gradwork.tensor import Tensor

Convention = Literal["row", "column"]


class Dense:
    """z = x W + b (row) or z = W x + b (column); a = activation(z)."""

    def __init__(
        self,
        weights: Any,
        bias: Any = None,
        activation_fn: Activation | str | dict[str, Any] = "identity",
        *,
        convention: Convention = "column",
        name: str = "layer",
        backend: Any = None,
        dtype: str | None = None,
    ) -> None:
        if convention not in ("row", "column"):
            raise ValueError(f"convention must be 'row' or 'column', not {convention!r}")
        self.name = name
        self._names = (f"{name}.z", name, f"{name}.a")
        self.convention = convention
        self.W = weights if isinstance(weights, Tensor) else Tensor(
            weights, requires_grad=True, name=f"{name}.W", backend=backend, dtype=dtype)
        self.b = None if bias is None else (bias if isinstance(bias, Tensor) else Tensor(
            bias, requires_grad=True, name=f"{name}.b", backend=backend, dtype=dtype))
        # The activation by name and options ({"name": "leaky_relu", "alpha": 0.01}), kept so that a
        # trained network can be saved and exported; None for a custom callable.
        self.activation_spec: dict[str, Any] | None = None
        if isinstance(activation_fn, str):
            activation_fn = {"name": activation_fn}
        if isinstance(activation_fn, dict):
            self.activation_spec = dict(activation_fn)
            options = {k: v for k, v in activation_fn.items() if k != "name"}
            activation_fn = activation(activation_fn["name"], **options)
        self.activation = activation_fn
        self.z: Tensor | None = None
        self.a: Tensor | None = None

    @property
    def fan_in(self) -> int:
        if self.W.ndim == 1:
            return self.W.shape[0]
        return self.W.shape[0] if self.convention == "row" else self.W.shape[1]

    @property
    def fan_out(self) -> int:
        if self.W.ndim == 1:
            return 1
        return self.W.shape[1] if self.convention == "row" else self.W.shape[0]

    def parameters(self) -> list[Tensor]:
        return [self.W] if self.b is None else [self.W, self.b]

    def pre_activation(self, x: Tensor, fused: bool = False) -> Tensor:
        W, b = self.W, self.b
        row = self.convention == "row" or W.data.ndim == 1
        if fused and b is not None and row:
            return F.linear(x, W, b)
        if row:
            z = x @ W
        elif x.ndim == 1:
            z = W @ x
        else:  # a batch in column convention: each row is a sample, z_n = W x_n
            z = x @ W.T
        return z if b is None else z + b

    def __call__(self, x: Tensor, fused: bool = False) -> Tensor:
        names = self._names  # "layer.z", "layer.a" made once, not per call
        if names[1] != self.name:  # the layer was renamed
            names = self._names = (f"{self.name}.z", self.name, f"{self.name}.a")
        W, b = self.W, self.b
        if not fused and (self.convention == "row" or W.data.ndim == 1):
            # pre_activation's row case (z = x W + b as two nodes) without its call: every eager step runs it.
            z = x @ W
            if b is not None:
                z = z + b
        else:
            z = self.pre_activation(x, fused)
        z.name = names[0]
        self.z = z
        a = self.a = self.activation(z)
        if a is not z:  # an identity activation leaves a and z the same node
            a.name = names[2]
        return a
