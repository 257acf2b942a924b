"""The compiled step's scalar back end (Python floats, one statement per element) equals the NumPy back end to 1e-12.

Hypothesis draws small networks (sizes, activations with their options, both
conventions, with and without biases), losses, batch shapes and optimizers
(SGD, momentum, weight decay, Adam, frozen parameters); both back ends train
copies of the same network for a few steps and every loss and parameter must
agree. The NumPy back end is itself checked against the plain engine in
test_compiled.py.
"""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gradwork import functional as F
from gradwork.nn import MLP, SGD, Adam, loss
from gradwork.nn.compile import SCALAR_MAX_ELEMENTS
from gradwork.nn.tape import Tape
from gradwork.ops import OPS, ops_of_kind
from gradwork.tensor import Tensor

RTOL = 1e-12

# Every registered activation (options away from their defaults) and loss: a new op is drawn here at once.
ACTIVATIONS = ["identity", *({"name": op.name, **{o.name: round(float(o.default) * 0.7 + 0.03, 3) for o in op.options}}
                             if op.options else op.name for op in ops_of_kind("activation"))]
LOSSES = [op.name for op in ops_of_kind("loss")]


def _optimizer(kind, params, frozen):
    if kind == "sgd":
        return SGD(params, lr=0.05, frozen=frozen)
    if kind == "momentum":
        return SGD(params, lr=0.05, momentum=0.9, frozen=frozen)
    if kind == "decay":
        return SGD(params, lr=0.05, momentum=0.5, weight_decay=0.01, frozen=frozen)
    if kind == "adam":
        return Adam(params, lr=0.01, frozen=frozen)
    return Adam(params, lr=0.01, weight_decay=0.02, frozen=frozen)


@st.composite
def problems(draw):
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    depth = draw(st.integers(1, 3))
    sizes = [draw(st.integers(1, 4)) for _ in range(depth + 1)]
    loss_name = draw(st.sampled_from(LOSSES))
    if loss_name == "cross_entropy":
        sizes[-1] = max(sizes[-1], 2)
    convention = draw(st.sampled_from(["row", "column"]))
    specs = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        last = i == depth - 1
        if last:
            activation = {"bce": "sigmoid", "cross_entropy": "identity"}.get(loss_name) or \
                draw(st.sampled_from(["identity", "tanh", "sigmoid"]))
        else:
            activation = draw(st.sampled_from(ACTIVATIONS))
        W = rng.normal(scale=0.8, size=(n_in, n_out))
        spec = {"name": f"l{i}", "weights": W if convention == "row" else W.T, "activation": activation}
        if draw(st.booleans()):
            spec["bias"] = rng.normal(scale=0.3, size=n_out)
        specs.append(spec)
    batch = draw(st.sampled_from([None, 1, 3]))  # None: one sample as a vector
    shape_x = (sizes[0],) if batch is None else (batch, sizes[0])
    shape_t = (sizes[-1],) if batch is None else (batch, sizes[-1])
    data = []
    for _ in range(2):
        x = rng.normal(size=shape_x)
        if loss_name == "cross_entropy":
            t = np.eye(sizes[-1])[rng.integers(0, sizes[-1], shape_t[:-1] or None)]
        elif loss_name == "bce":
            t = rng.integers(0, 2, shape_t).astype(float)
        else:
            t = rng.normal(size=shape_t)
        data.append((x, t.reshape(shape_t)))
    optimizer = draw(st.sampled_from(["sgd", "momentum", "decay", "adam", "adam-decay", "none"]))
    frozen = draw(st.sampled_from([(), ("l0.W",)]))
    fused = draw(st.booleans())
    reduction = draw(st.sampled_from(["mean", "sum"]))
    return specs, convention, data, loss_name, optimizer, frozen, fused, reduction


def _train(problem, backend, steps=3):
    specs, convention, data, loss_name, optimizer, frozen, fused, reduction = problem
    net = MLP.from_specs(copy.deepcopy(specs), convention=convention)
    X, T = Tensor(data[0][0]), Tensor(data[0][1])
    out = net(X, fused=fused)
    tape = Tape(loss(loss_name, out, T, reduction=reduction), [X, T])
    opt = None if optimizer == "none" else _optimizer(optimizer, net.parameters(), frozen)
    step = tape.compile(opt, keep=[out], backend=backend)
    losses, outputs, grads = [], [], []
    for k in range(steps):
        x, t = data[k % len(data)]
        losses.append(float(step(x, t)))
        outputs.append(np.array(step.value(tape.locate(out))))
        if opt is None:
            grads.append([None if p.grad is None else np.array(p.grad) for p in net.parameters()])
    return losses, outputs, grads, [p.data.copy() for p in net.parameters()], step, (data[0][0], data[0][1])


def _close(a, b):
    np.testing.assert_allclose(a, b, rtol=RTOL, atol=1e-13)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_scalar_back_end_equals_numpy_back_end(problem):
    with np.errstate(all="ignore"):
        scalar = _train(problem, "scalar")
        numpy_ = _train(problem, "numpy")
    assert scalar[4].backend_for(*scalar[5]) == "scalar"
    assert numpy_[4].backend_for(*numpy_[5]) == "numpy"
    _close(scalar[0], numpy_[0])
    for a, b in zip(scalar[1], numpy_[1]):
        _close(a, b)
    for step_a, step_b in zip(scalar[2], numpy_[2]):
        for a, b in zip(step_a, step_b):
            assert (a is None) == (b is None)
            if a is not None:
                _close(a, b)
    for a, b in zip(scalar[3], numpy_[3]):
        _close(a, b)


SEED_002 = [
    {"name": "hidden", "weights": [[0.5, -0.6], [-0.4, 0.8]], "bias": [0.2, -0.2], "activation": "relu"},
    {"name": "output", "weights": [0.3, -0.5], "bias": 0.0, "activation": "sigmoid"},
]


def _seed_002_step(backend="auto", lr=0.01):
    net = MLP.from_specs(copy.deepcopy(SEED_002), convention="row")
    X, T = Tensor(np.array([1.0, 2.0])), Tensor(np.array(0.0))
    tape = Tape(loss("bce", net(X, fused=True), T), [X, T])
    return net, tape.compile(SGD(net.parameters(), lr=lr), backend=backend)


def test_auto_picks_the_scalar_back_end_for_small_steps_and_numpy_past_the_bound():
    net, step = _seed_002_step()
    assert step.backend_for(np.array([1.0, 2.0]), np.array(0.0)) == "scalar"
    assert step(np.array([1.0, 2.0]), np.array(0.0)) == pytest.approx(0.5130152524, rel=1e-9)  # seed 002's J
    # The same tape on a batch with more rows than the bound allows elements: NumPy.
    rows = SCALAR_MAX_ELEMENTS  # 2 inputs per row: the input array alone is twice the bound
    X, T = Tensor(np.ones((2, 2))), Tensor(np.zeros(2))
    big = MLP.from_specs(copy.deepcopy(SEED_002), convention="row")
    wide = Tape(loss("bce", big(X, fused=True), T), [X, T]).compile(SGD(big.parameters(), lr=0.1))
    assert wide.backend_for(np.ones((2, 2)), np.zeros((2,))) == "scalar"
    assert wide.backend_for(np.ones((rows, 2)), np.zeros((rows,))) == "numpy"


def test_an_overflow_in_float_arithmetic_gives_numpys_numbers():
    # exp of a huge logit overflows in math.exp (OverflowError) where NumPy gives inf: the step is rerun by NumPy.
    specs = [{"name": "out", "weights": [[800.0], [800.0]], "bias": [0.0], "activation": "identity"}]
    results = []
    for backend in ("auto", "numpy"):
        net = MLP.from_specs(copy.deepcopy(specs), convention="row")
        X, T = Tensor(np.array([1.0, 1.0])), Tensor(np.array([1.0]))
        with np.errstate(all="ignore"):
            step = Tape(loss("mse", F.exp(net(X)), T), [X, T]).compile(SGD(net.parameters(), lr=0.1),
                                                                       backend=backend)
            results.append((float(step(np.array([1.0, 1.0]), np.array([1.0]))), net.layers[0].W.data.copy()))
        if backend == "auto":
            assert step.backend_for(np.array([1.0, 1.0]), np.array([1.0])) == "scalar"
    assert math.isinf(results[0][0]) and math.isinf(results[1][0])
    np.testing.assert_array_equal(results[0][1], results[1][1])


def test_the_learning_rate_is_read_at_every_step():
    net, step = _seed_002_step(lr=0.0)
    before = net.layers[0].W.data.copy()
    step(np.array([1.0, 2.0]), np.array(0.0))
    np.testing.assert_array_equal(net.layers[0].W.data, before)
    step.optimizer.lr = 0.5
    step(np.array([1.0, 2.0]), np.array(0.0))
    assert not np.array_equal(net.layers[0].W.data, before)


def test_forcing_the_scalar_back_end_on_an_op_without_an_emitter_is_an_error():
    W = Tensor(np.ones((2, 2)), requires_grad=True)
    x = Tensor(np.ones(2))
    out = F.concatenate([x @ W, x], axis=0).sum()
    with pytest.raises(ValueError, match="scalar back end"):
        Tape(out, [x]).compile(SGD([W], lr=0.1), backend="scalar")(np.ones(2))
    with pytest.raises(ValueError, match="unknown compiled-step backend"):
        Tape(out, [x]).compile(None, backend="jax")


def test_every_activation_and_loss_has_a_scalar_emitter():
    for op in OPS.values():
        if op.kind in ("activation", "loss", "fused"):
            assert op.scalar is not None, op.name
