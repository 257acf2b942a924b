"""Optimizers that update parameters in place: SGD, SGD with momentum, Adam.

Parameters whose names are in ``frozen`` are left alone (FORMAT.md's
``frozen: [hidden.b]``). The update arithmetic runs on the parameters' own
arrays, so it is exact in exact mode.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from gradwork.tensor import Tensor


class Optimizer:
    def __init__(self, params: Iterable[Tensor], lr: Any, frozen: Iterable[str] = ()) -> None:
        self.params = list(params)
        self.lr = lr
        self.frozen = set(frozen)

    def trainable(self) -> list[Tensor]:
        return [p for p in self.params if p.name not in self.frozen]

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad = None

    def step(self) -> None:
        for p in self.trainable():
            if p.grad is not None:
                self._update(p)

    def _lr(self, p: Tensor) -> Any:
        return p.backend.asarray(self.lr) if p.backend.name != "float" else self.lr

    def _update(self, p: Tensor) -> None:
        raise NotImplementedError


class SGD(Optimizer):
    """theta <- theta - lr * dL/dtheta; with ``momentum`` mu: v <- mu v + g, theta <- theta - lr v (PyTorch's form)."""

    def __init__(self, params: Iterable[Tensor], lr: Any = 0.01, momentum: Any = 0, frozen: Iterable[str] = ()) -> None:
        super().__init__(params, lr, frozen)
        self.momentum = momentum
        self.velocity: dict[int, np.ndarray] = {}

    def _update(self, p: Tensor) -> None:
        g = p.grad
        if self.momentum:
            mu = p.backend.asarray(self.momentum) if p.backend.name != "float" else self.momentum
            v = self.velocity.get(id(p))
            g = g if v is None else mu * v + g
            self.velocity[id(p)] = g
        update = self._lr(p) * g
        if p.data.dtype == object:
            p.data = p.data - update
        else:
            p.data -= update.astype(p.data.dtype, copy=False)


class Adam(Optimizer):
    """Adam (Kingma & Ba) with bias correction; defaults beta1 0.9, beta2 0.999, eps 1e-8."""

    def __init__(
        self,
        params: Iterable[Tensor],
        lr: Any = 0.001,
        beta1: float = 0.9,
        beta2: float = 0.999,
        eps: float = 1e-8,
        frozen: Iterable[str] = (),
    ) -> None:
        super().__init__(params, lr, frozen)
        self.beta1, self.beta2, self.eps = beta1, beta2, eps
        self.t = 0
        self.m: dict[int, np.ndarray] = {}
        self.v: dict[int, np.ndarray] = {}

    def step(self) -> None:
        self.t += 1
        super().step()

    def _update(self, p: Tensor) -> None:
        g = p.grad
        b1, b2 = self.beta1, self.beta2
        m = b1 * self.m.get(id(p), 0) + (1 - b1) * g
        v = b2 * self.v.get(id(p), 0) + (1 - b2) * g * g
        self.m[id(p)], self.v[id(p)] = m, v
        m_hat = m / (1 - b1 ** self.t)
        v_hat = v / (1 - b2 ** self.t)
        update = self._lr(p) * m_hat / (p.backend.sqrt(np.asarray(v_hat)) + self.eps)
        if p.data.dtype == object:
            p.data = p.data - update
        else:
            p.data -= np.asarray(update).astype(p.data.dtype, copy=False)


def make_optimizer(params: Iterable[Tensor], name: str = "sgd", frozen: Iterable[str] = (), **options: Any) -> Optimizer:
    """An optimizer from FORMAT.md's ``optimizer: {name: sgd|momentum|adam, lr: ..., ...}``."""
    if name == "sgd":
        return SGD(params, frozen=frozen, **options)
    if name == "momentum":
        options.setdefault("momentum", 0.9)
        return SGD(params, frozen=frozen, **options)
    if name == "adam":
        return Adam(params, frozen=frozen, **options)
    raise ValueError(f"unknown optimizer {name!r} (expected sgd, momentum or adam)")
