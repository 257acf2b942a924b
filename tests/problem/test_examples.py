"""Every problem file in examples/ solved, its numbers checked against independent computations.

References are PyTorch float64 computations written out here, hand-computed
values, or the numbers published with the example (Mazur, CS231n); never
gradwork itself.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
import sympy
from tests.lazy import lazy

from gradwork.problem import load, solve

torch = lazy("torch")

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
PROBLEM_SUFFIXES = (".yaml", ".toml", ".json")


def solved(name: str, mode: str | None = None):
    return solve(load(EXAMPLES / name), mode)


def close(actual, expected, rtol=1e-10, atol=1e-12):
    np.testing.assert_allclose(np.asarray(actual, dtype=float), np.asarray(expected, dtype=float),
                               rtol=rtol, atol=atol)


def T(values) -> torch.Tensor:
    return torch.tensor(values, dtype=torch.float64)


def torch_network(x, layers, convention, loss_fn, lr=None, frozen=()):
    """An independent forward/backward/SGD step in PyTorch.

    ``layers``: (name, W in the convention's layout, b or None, activation) tuples.
    Returns values, gradients and updated parameters as NumPy arrays, keyed as docs/format.md keys them.
    """
    h = T(x).requires_grad_()
    x_tensor = h
    params, nodes = {}, {}
    for name, weights, bias, activation in layers:
        W = T(weights).requires_grad_()
        params[f"{name}.W"] = W
        z = h @ W if convention == "row" or W.dim() == 1 else W @ h
        if bias is not None:
            b = T(bias).requires_grad_()
            params[f"{name}.b"] = b
            z = z + b
        z.retain_grad()
        a = activation(z)
        a.retain_grad()
        nodes[f"{name}.z"], nodes[f"{name}.a"] = z, a
        h = a
    loss = loss_fn(h)
    loss.backward()
    values = {"input": x_tensor.detach().numpy(), **{k: v.detach().numpy() for k, v in nodes.items()}}
    gradients = {k: v.grad.numpy() for k, v in {**params, **nodes, "input": x_tensor}.items()}
    updated = {}
    if lr is not None:
        updated = {k: (p - (0 if k in frozen else lr) * p.grad).detach().numpy() for k, p in params.items()}
    return loss.item(), values, gradients, updated


def assert_matches(solution, reference, check_updated=True):
    loss, values, gradients, updated = reference
    assert solution.loss_value == pytest.approx(loss, rel=1e-10)
    assert set(solution.values) == set(values)
    for key, value in values.items():
        close(solution.values[key], value)
    assert set(solution.gradients) == set(gradients)
    for key, value in gradients.items():
        close(solution.gradients[key], value)
    if check_updated:
        assert set(solution.updated) == set(updated)
        for key, value in updated.items():
            close(solution.updated[key], value)


def bce(t):
    return lambda y: -(t * torch.log(y) + (1 - t) * torch.log(1 - y)).mean()


# --------------------------------------------------------------------------- seed 002


def seed002_reference(convention):
    layers = [("hidden", [[0.5, -0.6], [-0.4, 0.8]], [0.2, -0.2], torch.relu),
              ("output", [0.3, -0.5], 0.0, torch.sigmoid)]
    return torch_network([1.0, 2.0], layers, convention, bce(0.0), lr=0.01)


def test_seed002_row_convention_numbers():
    solution = solved("seed002_exam4a_row.yaml")
    assert solution.convention == "row"
    # The numbers worked out by hand for the issue (z1 uses column j of W1 for unit j).
    close(solution.values["hidden.z"], [-0.1, 0.8])
    assert solution.loss_value == pytest.approx(0.5130152524, rel=1e-9)
    close(solution.gradients["output.W"], [0, 0.3210498719], rtol=1e-9)
    assert solution.gradients["output.b"] == pytest.approx(0.4013123399, rel=1e-9)
    close(solution.gradients["hidden.W"], [[0, -0.2006561699], [0, -0.4013123399]], rtol=1e-9)
    close(solution.updated["hidden.W"], [[0.5, -0.5979934383], [-0.4, 0.8040131234]], rtol=1e-9)
    close(solution.updated["hidden.b"], [0.2, -0.1979934383], rtol=1e-9)
    close(solution.updated["output.W"], [0.3, -0.5032104987], rtol=1e-9)
    assert solution.updated["output.b"] == pytest.approx(-0.0040131234, rel=1e-8)
    assert_matches(solution, seed002_reference("row"))


def test_seed002_column_convention_twin_differs():
    solution = solved("seed002_exam4a_column.yaml")
    assert solution.loss_value == pytest.approx(0.4740769842, rel=1e-9)
    close(solution.values["hidden.z"], [-0.5, 1.0])
    assert_matches(solution, seed002_reference("column"))


# --------------------------------------------------------------------------- seed 000


def test_seed000_leaky_relu_softmax_transposed_weights():
    W1 = np.array([[-0.2, -0.1, 0.2, 0.2], [0.9, 0.3, 0.5, -0.5], [0.4, 0.4, -0.7, 0.5]]).T
    W2 = np.array([[0.6, -0.1, -0.5], [-0.2, 0.8, -0.3]]).T
    t = T([0.0, 1.0])
    layers = [("hidden", W1.tolist(), None, lambda z: torch.nn.functional.leaky_relu(z, 0.01)),
              ("output", W2.tolist(), None, lambda z: torch.softmax(z, dim=-1))]
    reference = torch_network([3, 1, -1, 2], layers, "row",
                              lambda y: -(t * torch.log(y) + (1 - t) * torch.log(1 - y)).sum(), lr=0.1)
    solution = solved("seed000_exercise6_1.yaml")
    # The student's forward pass: XW1 = [-0.5, 1.5, 3.3], H = [-0.005, 1.5, 3.3], HW2 = [-1.803, 0.211].
    close(solution.values["hidden.z"], [-0.5, 1.5, 3.3])
    close(solution.values["hidden.a"], [-0.005, 1.5, 3.3])
    close(solution.values["output.z"], [-1.803, 0.211])
    close(solution.values["output.a"], [0.11774083035, 0.88225916964], rtol=1e-10)
    # A weight given as {T: ...} is reported in the row convention's [in, out] shape.
    assert np.shape(solution.gradients["hidden.W"]) == (4, 3)
    assert np.shape(solution.updated["output.W"]) == (3, 2)
    assert solution.layers[0].weights_transposed
    assert solution.layers[0].activation == "leaky_relu"
    assert solution.layers[0].activation_options == {"alpha": 0.01}
    assert_matches(solution, reference)


# --------------------------------------------------------------------------- seed 001


def test_seed001_skip_connection_graph():
    x, t = T([1.0, 2.0]).requires_grad_(), T(1.0).requires_grad_()
    p = {k: T(v).requires_grad_() for k, v in
         dict(w0=[0.1, 0.3], b0=0.5, w1=0.6, b1=0.5, w2=0.7, w3=0.5, b2=0.1).items()}
    z0 = p["w0"] @ x + p["b0"]
    h0 = torch.sigmoid(z0)
    z1 = p["w1"] * h0 + p["b1"]
    h1 = torch.sigmoid(z1)
    z2 = p["w2"] * h1 + p["w3"] * h0 + p["b2"]
    L = (z2 - t).abs()
    nodes = dict(z0=z0, h0=h0, z1=z1, h1=h1, z2=z2)
    for node in nodes.values():
        node.retain_grad()
    L.backward()
    solution = solved("seed001_exercise3_skip.yaml")
    assert solution.form == "graph"
    assert solution.loss_value == pytest.approx(L.item(), rel=1e-12)
    for name, node in nodes.items():
        close(solution.values[name], node.item())
        close(solution.gradients[name], node.grad.item())
    for name, leaf in {**p, "x": x, "t": t}.items():
        close(solution.gradients[name], leaf.grad.numpy())
    # The skip connection: h0 collects the gradient of both paths, w3 directly and w1 -> h1 -> w2.
    dh0 = 0.7 * h1.item() * (1 - h1.item()) * 0.6 + 0.5
    assert solution.gradients["h0"] == pytest.approx(-dh0, rel=1e-12)  # dL/dy = sign(y - t) = -1
    assert solution.values["y"] == solution.values["z2"]
    assert solution.updated == {}


# --------------------------------------------------------------------------- seed 003


def test_seed003_7_1_formula_loss():
    layers = [("hidden", [[0.1, 0.4], [0.2, 0.5], [0.3, 0.6]], [0.1, 0.2, 0.3], torch.relu),
              ("output", [[0.7, 0.2, 0.1], [0.5, 0.3, 0.4]], [0.1, 0.2], torch.sigmoid)]
    reference = torch_network([0.5, 0.2], layers, "column",
                              lambda y: -(torch.log(y[0]) + torch.log(1 - y[1])) / 2)
    solution = solved("seed003_7_1_network.yaml")
    close(solution.values["hidden.a"], [0.23, 0.4, 0.57])
    close(solution.values["output.z"], [0.398, 0.663])
    assert solution.loss_name == "-(log(y[0]) + log(1 - y[1])) / 2"
    # With sigmoid outputs this loss gives dL/dz2 = (y - t) / 2, the sheet's delta_2.
    y = np.asarray(solution.values["output.a"])
    close(solution.gradients["output.z"], (y - [1, 0]) / 2)
    assert_matches(solution, reference, check_updated=False)
    assert solution.updated == {}


def test_seed003_7_2_graph_by_hand_and_exact():
    solution = solved("seed003_7_2_graph.yaml")
    assert solution.json()["loss"] == 4.5
    assert solution.json()["values"] == {"a": 1.0, "b": 2.0, "c": 3.0, "d": 4.0, "e": 3.0, "f": -1.0, "z": -3.0,
                                         "L": 4.5}
    assert {k: solution.json()["gradients"][k] for k in "abcdefz"} == {
        "a": 3.0, "b": 3.0, "c": -9.0, "d": 9.0, "e": -1.0 * -3.0, "f": 3.0 * -3.0, "z": -3.0}
    exact = solved("seed003_7_2_graph.yaml", "exact")
    assert exact.json()["loss"] == "9/2"
    assert [exact.json()["gradients"][k] for k in "abcd"] == ["3", "3", "-9", "9"]


def _symbols(names):
    return sympy.symbols(names)


def _assert_formulas(actual, expected):
    assert len(actual) == len(expected)
    for got, want in zip(actual, expected):
        assert sympy.simplify(sympy.sympify(got) - want) == 0, (got, want)


def test_seed003_7_3a_gather_symbolic():
    x0, x1, x2, x3, x4 = _symbols("x0:5")
    d0, d1, d2, d3, d4 = _symbols("d0:5")
    solution = solved("seed003_7_3a_gather.yaml")
    assert solution.mode == "symbolic" and solution.loss is None and solution.loss_value is None
    _assert_formulas(solution.values["F1"], [x2, x4, x3, x0, x1])
    _assert_formulas(solution.gradients["x"], [d3, d4, d0, d2, d1])


def test_seed003_7_3b_scale_symbolic_has_both_paths():
    x0, x1, x2, x3, x4 = xs = _symbols("x0:5")
    d0, d1, d2, d3, d4 = ds = _symbols("d0:5")
    solution = solved("seed003_7_3b_scale.yaml")
    # F2 = x0 * x: x0 is the scale of every element and the first element itself.
    expected_x0 = sum(d * x for d, x in zip(ds, xs)) + d0 * x0
    _assert_formulas(solution.json()["gradients"]["x"], [expected_x0, d1 * x0, d2 * x0, d3 * x0, d4 * x0])
    # The sheet's dL/dx0 = sum_i d_i x_i misses exactly the second path's d0*x0 (2*d0*x0 in all).
    student = sum(d * x for d, x in zip(ds, xs))
    assert sympy.expand(sympy.parse_expr(solution.json()["gradients"]["x"][0]) - student) == d0 * x0


def test_seed003_7_3c_scaled_gather_symbolic():
    x0, x1, x2, x3, x4 = _symbols("x0:5")
    d0, d1, d2, d3, d4 = _symbols("d0:5")
    solution = solved("seed003_7_3c_scaled_gather.yaml")
    _assert_formulas(solution.json()["values"]["F3"], [x0 * x2, x0 * x4, x0 * x3, x0 * x0, x0 * x1])
    _assert_formulas(solution.json()["gradients"]["x"], [
        d0 * x2 + d1 * x4 + d2 * x3 + 2 * d3 * x0 + d4 * x1, d4 * x0, d0 * x0, d2 * x0, d1 * x0])
    # The sheet has d3*x0 once: x0 is both the scale and F1's fourth element.
    student = d0 * x2 + d1 * x4 + d2 * x3 + d3 * x0 + d4 * x1
    assert sympy.expand(sympy.parse_expr(solution.json()["gradients"]["x"][0]) - student) == d3 * x0


# --------------------------------------------------------------------------- seed 004


def test_seed004_square_activation_float():
    square = lambda z: z ** 2  # noqa: E731
    layers = [("layer1", [[-2, 3], [2, 1]], None, square), ("layer2", [-2, 1], None, square)]
    reference = torch_network([2, 3], layers, "column", lambda y: 0.5 * (3 - y) ** 2, lr=0.01)
    solution = solved("seed004_hw1.toml")
    assert solution.json()["loss"] == 2
    assert solution.json()["values"]["layer1.z"] == [5, 7] and solution.json()["values"]["layer1.a"] == [25, 49]
    assert solution.json()["values"]["layer2.z"] == -1 and solution.json()["values"]["layer2.a"] == 1
    assert solution.json()["gradients"]["layer1.W"] == [[-160, -240], [112, 168]]
    assert solution.json()["gradients"]["layer2.W"] == [100, 196]  # flat weights stay flat
    close(solution.json()["updated"]["layer2.W"], [-3, -0.96])
    close(solution.json()["updated"]["layer1.W"], [[-0.4, 5.4], [0.88, -0.68]])
    assert solution.layers[0].activation == "x**2"
    assert_matches(solution, reference)


def test_seed004_exact_mode_gives_exact_rationals():
    solution = solved("seed004_hw1.toml", "exact")
    assert solution.json()["loss"] == "2"
    assert solution.json()["gradients"]["layer1.W"] == [["-160", "-240"], ["112", "168"]]
    # 0.01 is exactly 1/100: -2 - (1/100)(100) = -3, 1 - 196/100 = -24/25, 2 - 112/100 = 22/25 ...
    assert solution.json()["updated"]["layer2.W"] == ["-3", "-24/25"]
    assert solution.json()["updated"]["layer1.W"] == [["-2/5", "27/5"], ["22/25", "-17/25"]]


# --------------------------------------------------------------------------- Mazur


def test_mazur_step_by_step():
    solution = solved("mazur_step_by_step.yaml")
    # The numbers published in the post.
    assert solution.loss_value == pytest.approx(0.298371109, abs=5e-10)
    close(solution.values["hidden.a"], [0.593269992, 0.596884378], rtol=1e-8)
    close(solution.values["output.a"], [0.75136507, 0.772928465], rtol=1e-8)
    W2, W1 = solution.updated["output.W"], solution.updated["hidden.W"]
    assert W2[0][0] == pytest.approx(0.35891648, abs=5e-9)  # w5
    assert W2[0][1] == pytest.approx(0.408666186, abs=5e-10)  # w6
    assert W2[1][0] == pytest.approx(0.511301270, abs=5e-10)  # w7
    assert W2[1][1] == pytest.approx(0.561370121, abs=5e-10)  # w8
    assert W1[0][0] == pytest.approx(0.149780716, abs=5e-10)  # w1
    assert W1[0][1] == pytest.approx(0.19956143, abs=5e-9)  # w2
    assert W1[1][0] == pytest.approx(0.24975114, abs=5e-9)  # w3
    assert W1[1][1] == pytest.approx(0.29950229, abs=5e-9)  # w4
    # Biases are frozen (the post does not update them) and a scalar bias stays a number.
    assert solution.updated["hidden.b"] == 0.35 and solution.updated["output.b"] == 0.6
    assert solution.frozen == ["hidden.b", "output.b"]
    t = T([0.01, 0.99])
    layers = [("hidden", [[0.15, 0.20], [0.25, 0.30]], 0.35, torch.sigmoid),
              ("output", [[0.40, 0.45], [0.50, 0.55]], 0.60, torch.sigmoid)]
    reference = torch_network([0.05, 0.10], layers, "column", lambda y: (0.5 * (t - y) ** 2).sum(), lr=0.5,
                              frozen=("hidden.b", "output.b"))
    assert_matches(solution, reference)


# --------------------------------------------------------------------------- CS231n


def test_cs231n_add_multiply_json():
    solution = solved("cs231n_add_multiply.json")
    assert solution.loss_value == -12
    assert solution.values["q"] == 3
    assert {k: solution.gradients[k] for k in "xyzq"} == {"x": -4, "y": -4, "z": 3, "q": -4}


def test_cs231n_neuron_gate_by_gate():
    solution = solved("cs231n_neuron.yaml")
    # The values and gradients printed in the notes' circuit diagram (two decimals) ...
    assert solution.loss_value == pytest.approx(0.73, abs=5e-3)
    close(solution.gradients["x"], [0.39, -0.59], atol=5e-3)
    close(solution.gradients["w"], [-0.20, -0.39, 0.20], atol=5e-3)
    assert solution.gradients["den"] == pytest.approx(-0.53, abs=5e-3)
    assert solution.gradients["neg"] == pytest.approx(-0.20, abs=5e-3)
    # ... and in full precision: df/ddot = f (1 - f), dx = w[:2] df/ddot, dw = [x0, x1, 1] df/ddot.
    x, w = T([-1.0, -2.0]).requires_grad_(), T([2.0, -3.0, -3.0]).requires_grad_()
    f = torch.sigmoid(w[0] * x[0] + w[1] * x[1] + w[2])
    f.backward()
    assert solution.loss_value == pytest.approx(f.item(), rel=1e-12)
    close(solution.gradients["x"], x.grad.numpy())
    close(solution.gradients["w"], w.grad.numpy())
    ddot = f.item() * (1 - f.item())
    assert solution.gradients["dot"] == pytest.approx(ddot, rel=1e-12)


def test_cs231n_staged_computation():
    x, y = T(3.0).requires_grad_(), T(-4.0).requires_grad_()
    f = (x + torch.sigmoid(y)) / (torch.sigmoid(x) + (x + y) ** 2)
    f.backward()
    solution = solved("cs231n_staged.yaml")
    assert solution.loss_value == pytest.approx(f.item(), rel=1e-12)
    assert solution.gradients["x"] == pytest.approx(x.grad.item(), rel=1e-12)
    assert solution.gradients["y"] == pytest.approx(y.grad.item(), rel=1e-12)


@pytest.mark.parametrize("mode", ["float", "exact", "symbolic"])
def test_cs231n_max_gate(mode):
    # The notes' numbers: x*y = -12, max(z, w) = 2, sum -10, f = 2 * (-10) = -20;
    # df/dx = 2y = -8, df/dy = 2x = 6, the max gate routes 2 to z and 0 to w.
    solution = solved("cs231n_max_gate.yaml", mode)
    number = Fraction if mode == "float" else (lambda text: Fraction(str(text)))  # exact/symbolic report text
    assert [number(solution.values[k]) for k in "qms"] == [-12, 2, -10]
    assert number(solution.loss_value) == -20
    assert {k: number(solution.gradients[k]) for k in "xyzw"} == {"x": -8, "y": 6, "z": 2, "w": 0}
    x, y, z, w = (T(v).requires_grad_() for v in (3.0, -4.0, 2.0, -1.0))
    f = 2 * (x * y + torch.maximum(z, w))
    f.backward()
    assert [float(number(solution.gradients[k])) for k in "xyzw"] == [t.grad.item() for t in (x, y, z, w)]


def test_every_example_has_a_test_here():
    source = Path(__file__).read_text()
    # Training configs (train_*.yaml, for `gradwork train`) are not problems: tests/train tests them.
    files = sorted(p.name for p in EXAMPLES.iterdir()
                   if p.suffix in PROBLEM_SUFFIXES and not p.name.startswith("train_"))
    assert files, "no examples found"
    missing = [name for name in files if f'"{name}"' not in source]
    assert not missing, f"examples without a test: {missing}"
