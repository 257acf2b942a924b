"""Solutions of the seed exercises (and small fresh problems) built directly with gradwork.nn.

Unit tests of check use them so that they do not depend on problem files; the
seed tests use the real example files, and one test checks both agree.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from gradwork import functional as F
from gradwork.nn import MLP, loss, make_optimizer
from gradwork.problem import LayerInfo, OptimizerInfo, Solution
from gradwork.tensor import Tensor

LossFn = Callable[[Tensor, Tensor], Tensor]


def network_solution(title: str, x: Any, target: Any, specs: list[dict[str, Any]], loss_spec: str | LossFn,
                     convention: str, lr: Any = 0.01, backend: Any = None, optimizer: str = "sgd",
                     options: dict[str, Any] | None = None, steps: int = 1, frozen: tuple[str, ...] = (),
                     relu_grad_at_zero: Any = 0) -> Solution:
    """An MLP problem solved with the engine; ``loss_spec`` is a loss name or a function of (y, t)."""
    net = MLP.from_specs(specs, convention=convention, backend=backend)
    x_t = Tensor(x, requires_grad=True, name="input", backend=backend)
    t_t = Tensor(target, name="target", backend=x_t.backend)
    y = net(x_t)
    L = loss(loss_spec, y, t_t) if isinstance(loss_spec, str) else loss_spec(y, t_t)
    L.name = "loss"
    L.backward()
    nodes: dict[str, Tensor] = {"input": x_t}
    layers = []
    previous = "input"
    for layer, spec in zip(net.layers, specs):
        nodes[layer.W.name] = layer.W
        if layer.b is not None:
            nodes[layer.b.name] = layer.b
        nodes[f"{layer.name}.z"] = layer.z
        if layer.a is not layer.z:
            nodes[f"{layer.name}.a"] = layer.a
        activation = spec.get("activation", "identity")
        layers.append(LayerInfo(
            name=layer.name, activation=activation if isinstance(activation, str) else "custom",
            activation_options={}, weight=layer.W.name, bias=layer.b.name if layer.b is not None else None,
            z=f"{layer.name}.z", a=f"{layer.name}.a" if layer.a is not layer.z else f"{layer.name}.z",
            input=previous, fan_in=layer.fan_in, fan_out=layer.fan_out, flat_weights=layer.W.ndim == 1,
        ))
        previous = layers[-1].a
    nodes["loss"] = L
    params = {p.name: p for p in net.parameters()}
    before = {name: p.data.copy() for name, p in params.items()}
    grads = {name: t.grad for name, t in nodes.items() if t.grad is not None}
    opt = make_optimizer(net.parameters(), optimizer, frozen=frozen, lr=lr, **(options or {}))
    for step in range(steps):
        if step:
            opt.zero_grad()
            L2 = loss(loss_spec, net(Tensor(x, backend=backend)), t_t) if isinstance(loss_spec, str) else \
                loss_spec(net(Tensor(x, backend=backend)), t_t)
            L2.backward()
        opt.step()
    updated = {name: p.data.tolist() for name, p in params.items()}
    for name, p in params.items():  # the graph shows values before the step
        p.data = before[name]
        p.grad = grads.get(name)
    return Solution(
        title=title, mode="float" if backend is None else backend, form="network", nodes=nodes, parameters=params,
        output=y, loss=L,
        values={n: t.data.tolist() for n, t in nodes.items() if n != "loss"},
        gradients={n: g.tolist() for n, g in grads.items() if n != "loss"},
        updated=updated, loss_value=L.item(), convention=convention, layers=layers,
        loss_name=loss_spec if isinstance(loss_spec, str) else "formula",
        target=t_t, optimizer=OptimizerInfo(optimizer, lr, steps, options or {}), frozen=list(frozen),
        relu_grad_at_zero=relu_grad_at_zero,
    )


def graph_solution(title: str, inputs: dict[str, Any], build: Callable[..., dict[str, Tensor]], output: str,
                   backend: Any = None, upstream: Any = None, params: dict[str, Any] | None = None,
                   lr: Any = 0.01) -> Solution:
    """A graph-form problem: ``build(**leaves)`` returns the named computed nodes in order."""
    leaves = {name: Tensor(value, requires_grad=True, name=name, backend=backend) for name, value in inputs.items()}
    param_leaves = {name: Tensor(value, requires_grad=True, name=name, backend=backend)
                    for name, value in (params or {}).items()}
    computed = build(**leaves, **param_leaves)
    for name, tensor in computed.items():
        tensor.name = name
    out = computed[output]
    upstream_t = None if upstream is None else Tensor(upstream, backend=out.backend)
    out.backward(None if upstream_t is None else upstream_t)
    nodes = {**leaves, **param_leaves, **computed}
    updated = {}
    if param_leaves:
        before = {n: p.data.copy() for n, p in param_leaves.items()}
        make_optimizer(list(param_leaves.values()), "sgd", lr=lr).step()
        updated = {n: p.data.tolist() for n, p in param_leaves.items()}
        for n, p in param_leaves.items():
            p.data = before[n]
    scalar = out.size == 1 and upstream is None
    mode = "float" if backend is None else backend

    def plain(a: np.ndarray) -> Any:
        return a.item() if a.ndim == 0 else a.tolist()

    return Solution(
        title=title, mode=mode, form="graph", nodes=nodes, parameters=param_leaves, output=out,
        loss=out if scalar else None,
        values={n: plain(t.data) for n, t in nodes.items()},
        gradients={n: plain(t.grad) for n, t in nodes.items() if t.grad is not None},
        updated=updated, loss_value=out.item() if scalar else None, upstream=upstream_t,
        optimizer=OptimizerInfo("sgd", lr, 1),
    )


# ---------------------------------------------------------------- the seeds
SEED_002_LAYERS = [
    {"name": "hidden", "weights": [[0.5, -0.6], [-0.4, 0.8]], "bias": [0.2, -0.2], "activation": "relu"},
    {"name": "output", "weights": [0.3, -0.5], "bias": 0.0, "activation": "sigmoid"},
]


def seed_002(convention: str = "row") -> Solution:
    """Exam 4a: 2-2-1, relu then sigmoid, BCE, lr 0.01, x = [1, 2], y = 0."""
    return network_solution("Exam 4a", [1.0, 2.0], 0.0, SEED_002_LAYERS, "bce", convention)


def _bce_summed(y: Tensor, t: Tensor) -> Tensor:
    """-sum_k (t_k ln y_k + (1 - t_k) ln(1 - y_k)): the seed's E_BCE summed over the outputs."""
    return -F.sum(t * F.log(y) + (1 - t) * F.log(1 - y))


def seed_000() -> Solution:
    """Exercise 6.1: 4-3-2, leaky ReLU 0.01, softmax output, BCE summed over outputs, t = [0, 1], lr 0.1."""
    w1 = np.array([[-0.2, -0.1, 0.2, 0.2], [0.9, 0.3, 0.5, -0.5], [0.4, 0.4, -0.7, 0.5]]).T
    w2 = np.array([[0.6, -0.1, -0.5], [-0.2, 0.8, -0.3]]).T
    return network_solution(
        "Exercise 6.1", [3.0, 1.0, -1.0, 2.0], [0.0, 1.0],
        [{"name": "hidden", "weights": w1.tolist(), "activation": "leaky_relu"},
         {"name": "output", "weights": w2.tolist(), "activation": "softmax"}],
        _bce_summed, "row", lr=0.1)


def _seed_003_loss(y: Tensor, t: Tensor) -> Tensor:
    """-(log(y[0]) + log(1 - y[1])) / 2, the exercise's own formula."""
    return -(F.log(y[0]) + F.log(1 - y[1])) / 2


def seed_003_71() -> Solution:
    """Homework 7.1: column convention 2-3-2, relu hidden, sigmoid outputs, t = [1, 0]."""
    return network_solution(
        "Homework 7.1", [0.5, 0.2], [1.0, 0.0],
        [{"name": "hidden", "weights": [[0.1, 0.4], [0.2, 0.5], [0.3, 0.6]], "bias": [0.1, 0.2, 0.3],
          "activation": "relu"},
         {"name": "output", "weights": [[0.7, 0.2, 0.1], [0.5, 0.3, 0.4]], "bias": [0.1, 0.2],
          "activation": "sigmoid"}],
        _seed_003_loss, "column")


def seed_004() -> Solution:
    """HW1: 2-2-1, sigma(x) = x^2, no bias, column convention, L = 1/2 (t - y)^2, lr 0.01."""
    return network_solution(
        "HW1", [2.0, 3.0], 3.0,
        [{"name": "layer1", "weights": [[-2.0, 3.0], [2.0, 1.0]], "activation": "square"},
         {"name": "layer2", "weights": [-2.0, 1.0], "activation": "square"}],
        "half_sse", "column")
