"""Solutions built directly with gradwork.nn, so explain is tested without problem files."""

from __future__ import annotations

from gradwork.problem import Solution
from gradwork.tensor import Tensor
from tests.check.fixtures import network_solution  # one builder for every test package


def seed_002(convention="row") -> Solution:
    return network_solution(
        "Exam 4a", [1.0, 2.0], 0.0,
        [{"name": "hidden", "weights": [[0.5, -0.6], [-0.4, 0.8]], "bias": [0.2, -0.2], "activation": "relu"},
         {"name": "output", "weights": [0.3, -0.5], "bias": 0.0, "activation": "sigmoid"}],
        "bce", convention)


def seed_004() -> Solution:
    return network_solution(
        "HW1", [2.0, 3.0], 3.0,
        [{"name": "layer1", "weights": [[-2.0, 3.0], [2.0, 1.0]], "activation": "square"},
         {"name": "layer2", "weights": [-2.0, 1.0], "activation": "square"}],
        "half_sse", "column")


def seed_003_72() -> Solution:
    a, b, c, d = (Tensor(v, requires_grad=True, name=n) for v, n in ((1.0, "a"), (2.0, "b"), (3.0, "c"), (4.0, "d")))
    e = a + b
    f = c - d
    z = e * f
    L = z ** 2 / 2
    for t, n in ((e, "e"), (f, "f"), (z, "z"), (L, "L")):
        t.name = n
    L.backward()
    nodes = {"a": a, "b": b, "c": c, "d": d, "e": e, "f": f, "z": z, "L": L}
    return Solution(
        title="Homework 7.2", mode="float", form="graph", nodes=nodes, parameters={}, output=L, loss=L,
        values={n: t.data.item() for n, t in nodes.items()}, gradients={n: t.grad.item() for n, t in nodes.items()},
        updated={}, loss_value=L.item(),
    )
