"""Solutions built directly with gradwork.nn, standing in for solved problem files.

(Once ``gradwork.problem.solve`` lands, these can be replaced by the example files.)
"""

from __future__ import annotations

import os
import shutil
from typing import Any

import numpy as np
import pytest

from gradwork.nn import MLP, loss
from gradwork.problem import LayerInfo, OptimizerInfo, Solution
from gradwork.tensor import Tensor

def require(command: str, package: str) -> None:
    """Skip when a Debian tool is missing, except in CI (where `make test` must have installed it)."""
    if shutil.which(command) is None:
        message = f"`{command}` not found: apt-get install {package} (make test installs it when root)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


SEED_002_LAYERS = [
    {"name": "hidden", "weights": [[0.5, -0.6], [-0.4, 0.8]], "bias": [0.2, -0.2], "activation": "relu"},
    {"name": "output", "weights": [0.3, -0.5], "bias": 0.0, "activation": "sigmoid"},
]


def network_solution(
    specs: list[dict[str, Any]],
    x: Any,
    target: Any,
    loss_name: str,
    *,
    convention: str = "row",
    lr: float = 0.01,
    title: str = "network",
) -> Solution:
    """Forward, loss and backward of an MLP, packed into the Solution fields as solve() would."""
    net = MLP.from_specs(specs, convention=convention)
    inputs = Tensor(x, requires_grad=True, name="input")
    target_tensor = Tensor(target, name="target")
    output = net(inputs)
    loss_tensor = loss(loss_name, output, target_tensor)
    loss_tensor.name = "loss"
    loss_tensor.backward()

    nodes: dict[str, Tensor] = {"input": inputs}
    parameters: dict[str, Tensor] = {}
    layers = []
    for _spec, layer in zip(specs, net.layers):
        parameters.update({p.name: p for p in layer.parameters()})
    nodes.update(parameters)
    for spec, layer in zip(specs, net.layers):
        nodes[layer.z.name] = layer.z
        nodes[f"{layer.name}.a"] = layer.a
        layers.append(LayerInfo(
            name=layer.name, activation=spec["activation"], activation_options={}, weight=layer.W.name,
            bias=layer.b.name if layer.b is not None else None, z=layer.z.name, a=f"{layer.name}.a",
            input=layers[-1].a if layers else "input", fan_in=layer.fan_in, fan_out=layer.fan_out,
            flat_weights=layer.W.ndim == 1,
        ))
    nodes["loss"] = loss_tensor
    return Solution(
        title=title,
        mode="float",
        form="network",
        nodes=nodes,
        parameters=parameters,
        output=output,
        loss=loss_tensor,
        values={k: t.data.tolist() for k, t in nodes.items() if k not in parameters and k != "loss"},
        gradients={k: t.grad.tolist() for k, t in nodes.items() if t.grad is not None and k != "loss"},
        updated={k: (p.data - lr * p.grad).tolist() for k, p in parameters.items()},
        loss_value=loss_tensor.item(),
        convention=convention,
        layers=layers,
        loss_name=loss_name,
        target=target_tensor,
        optimizer=OptimizerInfo("sgd", lr),
    )


def seed_002() -> Solution:
    """Seed 002, row convention: 2-2-1, ReLU then sigmoid, BCE against target 0."""
    return network_solution(SEED_002_LAYERS, [1.0, 2.0], 0.0, "bce", title="Exam 4a - 2-2-1 network, one SGD step")


def wide_network(seed: int = 0) -> Solution:
    """An MNIST-sized 784-16-10 network: far too big to draw element by element."""
    rng = np.random.default_rng(seed)
    specs = [
        {"name": "hidden", "weights": rng.normal(0, 0.05, (784, 16)), "bias": np.zeros(16), "activation": "relu"},
        {"name": "output", "weights": rng.normal(0, 0.3, (16, 10)), "bias": np.zeros(10), "activation": "identity"},
    ]
    return network_solution(specs, rng.random(784), np.eye(10)[3], "cross_entropy", title="784-16-10")


def seed_002_by_hand() -> tuple[dict[str, Any], dict[str, Any]]:
    """Seed 002's values and gradients worked out by hand (math.exp, not gradwork), keyed by node."""
    import math

    a3 = 1 / (1 + math.exp(0.4))  # sigmoid(z3), z3 = 0 * 0.3 + 0.8 * (-0.5) + 0 = -0.4
    values = {
        "input": [1.0, 2.0],
        "hidden.W": [[0.5, -0.6], [-0.4, 0.8]],
        "hidden.b": [0.2, -0.2],
        "matmul#1": [1 * 0.5 + 2 * -0.4, 1 * -0.6 + 2 * 0.8],  # x W = [-0.3, 1.0]
        "hidden.z": [-0.1, 0.8],
        "hidden.a": [0.0, 0.8],
        "output.W": [0.3, -0.5],
        "matmul#2": -0.4,
        "output.b": 0.0,
        "output.z": -0.4,
        "output.a": a3,
        "target": 0.0,
        "loss": -math.log(1 - a3),  # BCE with target 0, natural log
    }
    dz3 = a3  # sigmoid + BCE: dL/dz3 = a3 - y
    dz1 = [0.0, dz3 * -0.5]  # through w6 = -0.5; ReLU'(-0.1) = 0
    gradients = {
        "loss": 1.0,
        "output.a": 1 / (1 - a3),
        "output.z": dz3,
        "matmul#2": dz3,
        "output.b": dz3,
        "output.W": [0.0, dz3 * 0.8],
        "hidden.a": [dz3 * 0.3, dz3 * -0.5],
        "hidden.z": dz1,
        "matmul#1": dz1,
        "hidden.b": dz1,
        "hidden.W": [[1 * dz1[0], 1 * dz1[1]], [2 * dz1[0], 2 * dz1[1]]],
        "input": [0.5 * dz1[0] - 0.6 * dz1[1], -0.4 * dz1[0] + 0.8 * dz1[1]],
    }
    return values, gradients


def shown(value: Any, digits: int = 4) -> list[str]:
    """How a number (or each number of a list) reads at ``digits`` significant figures."""
    if isinstance(value, list):
        return [text for item in value for text in shown(item, digits)]
    text = f"{value:.{digits}g}"
    if abs(float(text) - value) > 1e-12 * abs(value):  # rounded: its trailing zeros say how many figures (1.670)
        text = f"{value:#.{digits}g}".rstrip(".")
    return ["0" if text == "-0" else text]


def graph_solution(inputs: dict[str, Tensor], output: Tensor, name: str = "L", mode: str = "float") -> Solution:
    """A graph-form Solution whose scalar output ``name`` is differentiated (as solve() would)."""
    output.name = name
    output.backward()
    nodes = {**inputs, name: output}
    return Solution(
        title="graph", mode=mode, form="graph", nodes=nodes, parameters={}, output=output, loss=output,
        values={k: np.asarray(t.data).tolist() for k, t in nodes.items()},
        gradients={k: np.asarray(t.grad).tolist() for k, t in nodes.items() if t.grad is not None},
        updated={}, loss_value=np.asarray(output.data).tolist(),
    )
