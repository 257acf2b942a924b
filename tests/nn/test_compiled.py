"""The compiled training step (and the fused ops the tape puts in) equal the plain engine to 1e-12 in float64."""

from __future__ import annotations

import copy
import re

import numpy as np
import pytest

from gradwork import functional as F
from gradwork.nn import MLP, SGD, Adam, loss
from gradwork.nn.tape import Tape, TapeError
from gradwork.ops import OPS
from gradwork.tensor import Tensor

RTOL = 1e-12

SEED_002 = [
    {"name": "hidden", "weights": [[0.5, -0.6], [-0.4, 0.8]], "bias": [0.2, -0.2], "activation": "relu"},
    {"name": "output", "weights": [0.3, -0.5], "bias": 0.0, "activation": "sigmoid"},
]
SEED_000 = [
    {"name": "hidden", "weights": np.array([[-0.2, -0.1, 0.2, 0.2], [0.9, 0.3, 0.5, -0.5], [0.4, 0.4, -0.7, 0.5]]).T,
     "activation": {"name": "leaky_relu", "alpha": 0.01}},
    {"name": "output", "weights": np.array([[0.6, -0.1, -0.5], [-0.2, 0.8, -0.3]]).T, "activation": "identity"},
]


def _mlp(rng, sizes, activations, convention="row"):
    specs = []
    for i, (n_in, n_out, act) in enumerate(zip(sizes[:-1], sizes[1:], activations)):
        W = rng.normal(scale=0.7, size=(n_in, n_out))
        specs.append({"name": f"l{i}", "weights": W if convention == "row" else W.T,
                      "bias": rng.normal(scale=0.3, size=n_out), "activation": act})
    return specs


def _batches(rng, n_in, n_out, sizes, kind):
    out = []
    for n in sizes:
        X = rng.normal(size=(n, n_in))
        if kind == "ce":
            T = np.eye(n_out)[rng.integers(0, n_out, n)]
        elif kind == "bce":
            T = rng.integers(0, 2, (n, n_out)).astype(float)
        else:
            T = rng.normal(size=(n, n_out))
        out.append((X, T))
    return out


def _train_engine(specs, convention, batches, make_loss, lr, steps):
    """The reference: a fresh, unfused graph per step, Tensor.backward and SGD."""
    net = MLP.from_specs(copy.deepcopy(specs), convention=convention)  # SGD updates the arrays in place
    opt = SGD(net.parameters(), lr=lr)
    losses = []
    for k in range(steps):
        X, T = batches[k % len(batches)]
        L = make_loss(net(Tensor(X)), Tensor(T))
        opt.zero_grad()
        L.backward()
        opt.step()
        losses.append(float(L.data))
    return losses, [p.data.copy() for p in net.parameters()]


def _train_compiled(specs, convention, batches, make_loss, lr, steps, optimizer=SGD, backend="auto"):
    net = MLP.from_specs(copy.deepcopy(specs), convention=convention)
    X0, T0 = Tensor(batches[0][0]), Tensor(batches[0][1])
    tape = Tape(make_loss(net(X0, fused=True), T0), [X0, T0])
    step = tape.compile(optimizer(net.parameters(), lr=lr), backend=backend)
    losses = [float(step(*batches[k % len(batches)])) for k in range(steps)]
    return losses, [p.data.copy() for p in net.parameters()], tape, step


def _assert_same(a, b):
    (losses_a, params_a), (losses_b, params_b) = a, b
    np.testing.assert_allclose(losses_a, losses_b, rtol=RTOL)
    for got, want in zip(params_a, params_b):
        np.testing.assert_allclose(got, want, rtol=RTOL, atol=1e-14)


def _ce(y, t):
    return F.cross_entropy(y, t)


def _bce(y, t):
    return loss("bce", y, t)


CASES = {
    # name: (specs, convention, (n_in, n_out), batch sizes, target kind, loss)
    "relu-tanh-ce-row": (lambda rng: _mlp(rng, [5, 6, 4, 3], ["relu", "tanh", "identity"]), "row", (5, 3),
                         [8, 8, 3], "ce", _ce),
    "relu-ce-column": (lambda rng: _mlp(rng, [5, 6, 3], ["relu", "identity"], "column"), "column", (5, 3),
                       [8, 5], "ce", _ce),
    "relu-sigmoid-bce": (lambda rng: _mlp(rng, [4, 5, 2], ["relu", "sigmoid"]), "row", (4, 2), [6, 6, 2], "bce", _bce),
    "leaky-gelu-mse": (lambda rng: _mlp(rng, [3, 4, 4, 2], [{"name": "leaky_relu", "alpha": 0.1}, "gelu", "sigmoid"]),
                       "row", (3, 2), [5, 4], "mse", lambda y, t: F.mse(y, t)),
}


@pytest.mark.parametrize("backend", ["numpy", "scalar"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_compiled_sgd_steps_equal_the_plain_engine(name, backend):
    build, convention, (n_in, n_out), sizes, kind, make_loss = CASES[name]
    rng = np.random.default_rng(7)
    specs = build(rng)
    batches = _batches(rng, n_in, n_out, sizes, kind)
    steps = 2 * len(batches)  # every batch shape twice: the second call reuses the generated code
    losses, params, tape, step = _train_compiled(specs, convention, batches, make_loss, 0.1, steps,
                                                 backend=backend)
    assert {step.backend_for(*batch) for batch in batches} == {backend}
    _assert_same((losses, params), _train_engine(specs, convention, batches, make_loss, 0.1, steps))
    assert len(step._built) == len(set(sizes))


def test_seed_002_fuses_and_compiles_to_the_hand_derivation():
    x, t = np.array([1.0, 2.0]), np.array(0.0)
    losses, params, tape, step = _train_compiled(SEED_002, "row", [(x, t)], _bce, 0.01, 3, backend="numpy")
    assert [s.op.name for s in tape.slots if s.op is not None] == ["linear_relu", "linear", "sigmoid_bce"]
    _assert_same((losses, params), _train_engine(SEED_002, "row", [(x, t)], _bce, 0.01, 3))
    assert losses[0] == pytest.approx(0.5130152524, rel=1e-9)  # seed 002's J, by hand
    source = step.source(x, t)
    assert "registered" not in source  # every node from a kernel: no fallback call
    assert re.search(r"g\d+ = \(s\d+ - float\(v\d+\)\)", source)  # dL/dz = a - t from the saved sigmoid
    # The scalar back end (what "auto" picks for this step): one statement per element, the same numbers.
    scalar = _train_compiled(SEED_002, "row", [(x, t)], _bce, 0.01, 3)
    assert scalar[3].backend_for(x, t) == "scalar"
    _assert_same(scalar[:2], (losses, params))
    assert re.search(r"g\d+_0 = \(s\d+_0 - x\d+_0\)\n", scalar[3].source(x, t))  # dL/dz = a - t, seed g = 1


@pytest.mark.parametrize("backend", ["numpy", "scalar"])
def test_seed_000_softmax_cross_entropy_step(backend):
    x, t = np.array([3.0, 1.0, -1.0, 2.0]), np.array([1.0, 0.0])
    losses, params, tape, step = _train_compiled(SEED_000, "row", [(x, t)], _ce, 0.1, 3, backend=backend)
    _assert_same((losses, params), _train_engine(SEED_000, "row", [(x, t)], _ce, 0.1, 3))
    assert "registered" not in step.source(x, t)
    assert step.backend_for(x, t) == backend


def test_ops_without_kernels_fall_back_to_the_registered_functions():
    rng = np.random.default_rng(1)
    W0, b0 = rng.normal(size=(3, 3)), rng.normal(size=3)
    X = [rng.normal(size=(4, 3)) for _ in range(3)]

    def build(x, W, b):
        h = F.tanh(x @ W + b)
        both = F.concatenate([h, h @ W], axis=1)  # W used twice; a variadic op
        return (both * both).sum() + F.sum(b * b)

    W, b = Tensor(W0.copy(), requires_grad=True), Tensor(b0.copy(), requires_grad=True)
    x0 = Tensor(X[0])
    step = Tape(build(x0, W, b), [x0]).compile(SGD([W, b], lr=0.05))
    assert "registered" in step.source(X[0])
    compiled = [float(step(x)) for x in X]
    Wr, br = Tensor(W0.copy(), requires_grad=True), Tensor(b0.copy(), requires_grad=True)
    opt, reference = SGD([Wr, br], lr=0.05), []
    for x in X:
        L = build(Tensor(x), Wr, br)
        opt.zero_grad()
        L.backward()
        opt.step()
        reference.append(float(L.data))
    _assert_same((compiled, [W.data, b.data]), (reference, [Wr.data, br.data]))


def test_compiled_without_in_place_update_sets_grads_and_runs_the_optimizer():
    rng = np.random.default_rng(3)
    specs = _mlp(rng, [5, 6, 3], ["relu", "identity"])
    batches = _batches(rng, 5, 3, [8, 8], "ce")
    adam = _train_compiled(specs, "row", batches, _ce, 0.01, 4, optimizer=Adam)
    net = MLP.from_specs(copy.deepcopy(specs), convention="row")
    X0, T0 = Tensor(batches[0][0]), Tensor(batches[0][1])
    tape = Tape(F.cross_entropy(net(X0, fused=True), T0), [X0, T0])
    opt = Adam(net.parameters(), lr=0.01)
    losses = []
    for k in range(4):
        losses.append(float(tape.forward(*batches[k % 2])))
        opt.zero_grad()
        tape.backward()
        opt.step()
    _assert_same(adam[:2], (losses, [p.data for p in net.parameters()]))


def test_the_sigmoid_folded_into_sigmoid_bce_is_still_readable():
    rng = np.random.default_rng(4)
    net = MLP.from_specs(_mlp(rng, [3, 4, 2], ["relu", "sigmoid"]), convention="row")
    X, T = rng.normal(size=(4, 3)), rng.integers(0, 2, (4, 2)).astype(float)
    x, t = Tensor(X), Tensor(T)
    out = net(x, fused=True)
    tape = Tape(loss("bce", out, t), [x, t])
    step = tape.compile(None, keep=[out])
    step(X, T)
    hidden, output = net.layers
    h = np.maximum(X @ hidden.W.data + hidden.b.data, 0)
    expected = 1 / (1 + np.exp(-(h @ output.W.data + output.b.data)))
    np.testing.assert_allclose(step.value(tape.locate(out)), expected, rtol=RTOL)
    tape.forward(X, T)
    np.testing.assert_allclose(tape.value(out), expected, rtol=RTOL)
    with pytest.raises(TapeError):
        tape.value(hidden.z)  # folded into linear_relu: readable only unfused
    unfused = Tape(loss("bce", out, t), [x, t], fuse=False)
    unfused.forward(X, T)
    np.testing.assert_allclose(unfused.value(hidden.z), X @ hidden.W.data + hidden.b.data, rtol=RTOL)


def test_fused_ops_carry_their_own_rule():
    for name in ("sigmoid_bce", "linear_relu"):
        op = OPS[name]
        assert op.kind == "fused" and op.fuses and op.sentence and op.partials[0].text
    assert OPS["sigmoid_bce"].partials[0].text == "sigmoid($z) - $t"
    assert OPS["cross_entropy"].partials[0].text == "softmax($y) - $t"  # softmax + CE: p - t, one op already
