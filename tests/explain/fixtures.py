"""Solutions built directly with gradwork.nn, so explain is tested without problem files."""

from __future__ import annotations

from gradwork.nn import MLP, loss, make_optimizer
from gradwork.problem import LayerInfo, OptimizerInfo, Solution
from gradwork.tensor import Tensor


def network_solution(title, x, target, specs, loss_name, convention, lr=0.01, backend=None) -> Solution:
    net = MLP.from_specs(specs, convention=convention, backend=backend)
    x_t = Tensor(x, requires_grad=True, name="input", backend=backend)
    t_t = Tensor(target, name="target", backend=x_t.backend)
    y = net(x_t)
    L = loss(loss_name, y, t_t)
    L.name = "loss"
    L.backward()
    nodes = {"input": x_t}
    layers = []
    previous = "input"
    for layer, spec in zip(net.layers, specs):
        nodes[layer.W.name] = layer.W
        if layer.b is not None:
            nodes[layer.b.name] = layer.b
        nodes[f"{layer.name}.z"] = layer.z
        if layer.a is not layer.z:
            nodes[f"{layer.name}.a"] = layer.a
        layers.append(LayerInfo(
            name=layer.name, activation=spec.get("activation", "identity"), activation_options={},
            weight=layer.W.name, bias=layer.b.name if layer.b is not None else None,
            z=f"{layer.name}.z", a=f"{layer.name}.a" if layer.a is not layer.z else f"{layer.name}.z",
            input=previous, fan_in=layer.fan_in, fan_out=layer.fan_out, flat_weights=layer.W.ndim == 1,
        ))
        previous = layers[-1].a
    nodes["loss"] = L
    params = {p.name: p for p in net.parameters()}
    before = {name: p.data.copy() for name, p in params.items()}
    grads = {name: t.grad for name, t in nodes.items() if t.grad is not None}
    make_optimizer(net.parameters(), "sgd", lr=lr).step()
    updated = {name: p.data.tolist() for name, p in params.items()}
    for name, p in params.items():  # the explained graph shows values before the step
        p.data = before[name]
    return Solution(
        title=title, mode="float", form="network", nodes=nodes, parameters=params, output=y, loss=L,
        values={n: t.data.tolist() for n, t in nodes.items() if n != "loss"},
        gradients={n: g.tolist() for n, g in grads.items() if n != "loss"},
        updated=updated, loss_value=L.item(), convention=convention, layers=layers, loss_name=loss_name,
        target=t_t, optimizer=OptimizerInfo("sgd", lr, 1),
    )


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
