"""Optimizers that update parameters in place: SGD, SGD with momentum, Adam.

Parameters whose names are in ``frozen`` are left alone (docs/format.md's
``frozen: [hidden.b]``). The update arithmetic runs on the parameters' own
arrays, so it is exact in exact mode; float parameters and optimizer state are
updated in place (the training fast path reads ``p.data`` by reference).

``weight_decay`` lambda adds the L2 term's gradient lambda * theta to each
gradient before the update, as PyTorch's SGD and Adam do (not AdamW's
decoupled form).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from gradwork.tensor import Tensor


class Optimizer:
    def __init__(self, params: Iterable[Tensor], lr: Any, frozen: Iterable[str] = (), weight_decay: Any = 0) -> None:
        self.params = list(params)
        self.lr = lr
        self.frozen = set(frozen)
        self.weight_decay = weight_decay

    def trainable(self) -> list[Tensor]:
        return [p for p in self.params if p.name not in self.frozen]

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad = None

    def step(self) -> None:
        frozen = self.frozen
        for p in self.params:  # the trainable() parameters, without building the list every step
            if p.grad is not None and p.name not in frozen:
                self._update(p)

    def _lr(self, p: Tensor) -> Any:
        return self._number(p, self.lr)

    @staticmethod
    def _number(p: Tensor, value: Any) -> Any:
        """A hyperparameter in the parameter's number system (exact 1/100 for 0.01 in exact mode)."""
        return p.backend.asarray(value) if p.backend.name != "float" else value

    def _gradient(self, p: Tensor) -> Any:
        """dL/dtheta, plus the weight decay term lambda * theta when there is one."""
        if not self.weight_decay:
            return p.grad
        return p.grad + self._number(p, self.weight_decay) * p.data

    def _update(self, p: Tensor) -> None:
        raise NotImplementedError


class SGD(Optimizer):
    """theta <- theta - lr * dL/dtheta; with ``momentum`` mu: v <- mu v + g, theta <- theta - lr v (PyTorch's form)."""

    def __init__(
        self,
        params: Iterable[Tensor],
        lr: Any = 0.01,
        momentum: Any = 0,
        frozen: Iterable[str] = (),
        weight_decay: Any = 0,
    ) -> None:
        super().__init__(params, lr, frozen, weight_decay)
        self.momentum = momentum
        self.velocity: dict[int, Any] = {}
        self._rates: dict[np.dtype[Any], np.ndarray] = {}  # lr as a 0-d array per gradient dtype (plain SGD)
        self._rates_for: Any = None  # the lr they hold

    def step(self) -> None:
        if self.momentum or self.weight_decay:
            super().step()
            return
        frozen, lr = self.frozen, self.lr
        if self._rates_for is not lr:  # lr was changed (a schedule): its 0-d arrays are made again
            self._rates, self._rates_for = {}, lr
        rates = self._rates
        for p in self.params:  # plain SGD, the usual case, without a method call per parameter
            g, data = p.grad, p.data
            if g is None or (frozen and p.name in frozen):
                continue
            rate = rates.get(g.dtype) if type(g) is np.ndarray else None
            if rate is None:
                if type(g) is not np.ndarray or g.dtype.kind != "f" or type(lr) is not float:
                    self._update(p)
                    continue
                # lr as a 0-d array of g's dtype: the same product as lr * g (NumPy rounds a Python float to
                # g's dtype), and NumPy converts a 0-d array operand faster than a Python float.
                rate = rates[g.dtype] = np.array(lr, g.dtype)
            if data.dtype == g.dtype:
                if data.ndim:
                    data -= rate * g  # in place: the array object stays the same
                else:  # one number (an output bias): the same arithmetic on NumPy scalars, written back in place
                    data[()] = data[()] - rate[()] * g[()]
            elif data.dtype.kind == "O":
                self._update(p)
            else:
                data -= rate * g  # a float64 g is cast to the parameter's float32

    def _update(self, p: Tensor) -> None:
        g = self._gradient(p) if self.weight_decay else p.grad
        if p.data.dtype.kind == "O":  # exact or symbolic numbers: new arrays, exact arithmetic
            if self.momentum:
                v = self.velocity.get(id(p))
                g = g if v is None else self._number(p, self.momentum) * v + g
                self.velocity[id(p)] = g
            p.data = p.data - self._lr(p) * g
            return
        if self.momentum:
            v = self.velocity.get(id(p))
            if v is None:
                v = self.velocity[id(p)] = np.array(g, dtype=p.data.dtype)  # PyTorch starts v at the first g
            else:
                v *= self.momentum
                v += g
            g = v
        p.data -= self.lr * g  # in place: the array object stays the same (a float64 g is cast)


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
        weight_decay: Any = 0,
    ) -> None:
        super().__init__(params, lr, frozen, weight_decay)
        self.beta1, self.beta2, self.eps = beta1, beta2, eps
        self.t = 0
        self.m: dict[int, np.ndarray] = {}
        self.v: dict[int, np.ndarray] = {}

    def step(self) -> None:
        self.t += 1
        super().step()

    def _update(self, p: Tensor) -> None:
        g = self._gradient(p)
        if p.data.dtype.kind != "O":
            self._update_in_place(p, g)
            return
        b1, b2 = self.beta1, self.beta2
        m = b1 * self.m.get(id(p), 0) + (1 - b1) * g
        v = b2 * self.v.get(id(p), 0) + (1 - b2) * g * g
        self.m[id(p)], self.v[id(p)] = m, v
        m_hat = m / (1 - b1 ** self.t)
        v_hat = v / (1 - b2 ** self.t)
        update = self._lr(p) * m_hat / (p.backend.sqrt(np.asarray(v_hat)) + self.eps)
        p.data = p.data - update

    def _update_in_place(self, p: Tensor, g: np.ndarray) -> None:
        # The same arithmetic as above, ordered as PyTorch's Adam: theta -= lr/c1 * m / (sqrt(v)/sqrt(c2) + eps).
        b1, b2 = self.beta1, self.beta2
        m, v = self.m.get(id(p)), self.v.get(id(p))
        if m is None:
            m = self.m[id(p)] = np.zeros_like(p.data)
            v = self.v[id(p)] = np.zeros_like(p.data)
        assert v is not None
        m *= b1
        m += (1 - b1) * g
        v *= b2
        v += (1 - b2) * (g * g)
        denominator = np.sqrt(v)
        denominator /= np.sqrt(1 - b2 ** self.t)
        denominator += self.eps
        step = m / denominator
        step *= self.lr / (1 - b1 ** self.t)
        p.data -= step


def make_optimizer(params: Iterable[Tensor], name: str = "sgd", frozen: Iterable[str] = (),
                   **options: Any) -> Optimizer:
    """An optimizer from docs/format.md's ``optimizer: {name: sgd|momentum|adam, lr: ..., ...}``."""
    if name == "sgd":
        return SGD(params, frozen=frozen, **options)
    if name == "momentum":
        options.setdefault("momentum", 0.9)
        return SGD(params, frozen=frozen, **options)
    if name == "adam":
        return Adam(params, frozen=frozen, **options)
    raise ValueError(f"unknown optimizer {name!r} (expected sgd, momentum or adam)")
