"""A graph program (straight-line float code with hook points) gives the engine's values and gradients.

Hypothesis draws small networks (every activation, both conventions, every
loss, one sample or a batch); the program's forward and backward are compared
with the recorded graph and ``Tensor.backward`` to 1e-12, with and without
hooks that change a value, a gradient or a VJP on the way.
"""

from __future__ import annotations

import copy
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gradwork.autodiff import backward_pass
from gradwork.nn import MLP, loss
from gradwork.nn.program import ProgramError, program_for
from gradwork.tensor import Tensor, topological_order
from tests.close import assert_close

ACTIVATIONS = ["identity", "relu", "sigmoid", "tanh", "softplus", "gelu", {"name": "leaky_relu", "alpha": 0.2},
               {"name": "elu", "alpha": 0.7}, "softmax"]


@st.composite
def graphs(draw):
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    depth = draw(st.integers(1, 3))
    sizes = [draw(st.integers(1, 4)) for _ in range(depth + 1)]
    loss_name = draw(st.sampled_from(["half_sse", "mse", "l1", "bce", "cross_entropy"]))
    if loss_name == "cross_entropy":
        sizes[-1] = max(sizes[-1], 2)
    convention = draw(st.sampled_from(["row", "column"]))
    specs = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        last = i == depth - 1
        activation = ({"bce": "sigmoid", "cross_entropy": "identity"}.get(loss_name) or "tanh") if last else \
            draw(st.sampled_from(ACTIVATIONS))
        W = rng.normal(scale=0.8, size=(n_in, n_out))
        spec = {"name": f"l{i}", "weights": W if convention == "row" else W.T, "activation": activation}
        if draw(st.booleans()):
            spec["bias"] = rng.normal(scale=0.3, size=n_out)
        specs.append(spec)
    batch = draw(st.sampled_from([None, 2]))
    x = rng.normal(size=(sizes[0],) if batch is None else (batch, sizes[0]))
    shape_t = (sizes[-1],) if batch is None else (batch, sizes[-1])
    if loss_name == "cross_entropy":
        t = np.eye(sizes[-1])[rng.integers(0, sizes[-1], shape_t[:-1] or None)].reshape(shape_t)
    elif loss_name == "bce":
        t = rng.integers(0, 2, shape_t).astype(float)
    else:
        t = rng.normal(size=shape_t)
    net = MLP.from_specs(copy.deepcopy(specs), convention=convention)
    X = Tensor(x, requires_grad=draw(st.booleans()))
    L = loss(loss_name, net(X), Tensor(t))
    return L, draw(st.integers(0, 10**6))


def _flat(root):
    nodes = topological_order(root)
    index = {id(n): i for i, n in enumerate(nodes)}
    return nodes, [tuple(index[id(p)] for p in n.inputs) for n in nodes], index[id(root)]


def _close(a, b):
    assert_close(a, b, rtol=1e-12, atol=1e-13)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(graphs())
def test_program_equals_the_engine_with_and_without_hooks(drawn):
    root, pick = drawn
    nodes, inputs, r = _flat(root)
    program = program_for(nodes, inputs, r)
    assert program is not None
    bk = root.backend
    leaves = [n.data if n.op is None else None for n in nodes]
    values = program.forward(leaves, bk)
    for node, value in zip(nodes, values):
        _close(value, node.data)
    seed = np.ones(())
    grads = program.backward(values, seed, bk)
    reference = backward_pass(nodes, inputs, [n.data for n in nodes], r, seed, backend=bk)
    for i in range(len(nodes)):
        assert (grads[i] is None) == (i not in reference), i
        if grads[i] is not None:
            _close(grads[i], reference[i])

    # Hooks: one computed node's value halved on its way, one node's gradient halved, one VJP replaced.
    computed = [i for i, n in enumerate(nodes) if n.op is not None and i != r]
    if not computed:
        return
    k = computed[pick % len(computed)]
    seen = {}

    def halved(i, value):
        seen[i] = value
        return value * 0.5

    hooked = program.forward(leaves, bk, values={k: halved})
    engine = []
    for i, n in enumerate(nodes):
        if n.op is None:
            value = n.data
        else:
            value = bk.native(n.op.forward(bk, *(engine[j] for j in inputs[i]), **n.params))
        engine.append(value * 0.5 if i == k else value)
    _close(seen[k], values[k])
    for a, b in zip(hooked, engine):
        _close(a, b)
    half_grad = {k: lambda i, g: g / 2}
    position = next((p for p, j in enumerate(inputs[k]) if nodes[j].requires_grad), None)
    replaced = {} if position is None else {
        (k, position): lambda bk_, g, out, *args, **params: np.full(np.shape(args[position]), 3.0)}
    got = program.backward(engine, seed, bk, vjps=replaced, grads=half_grad)
    want = backward_pass(nodes, inputs, engine, r, seed, backend=bk, vjps=replaced,
                         on_grad=lambda i, g: g / 2 if i == k else g)
    for i in range(len(nodes)):
        assert (got[i] is None) == (i not in want), i
        if got[i] is not None:
            _close(got[i], want[i])


def test_programs_are_shared_by_graphs_of_one_structure_and_refuse_a_changed_shape():
    def graph(w):
        W = Tensor(np.array(w), requires_grad=True)
        x = Tensor(np.array([1.0, 2.0]))
        return _flat(loss("mse", x @ W, Tensor(np.array([0.5, -0.5]))))

    first, second = graph([[1.0, 2.0], [3.0, 4.0]]), graph([[0.5, 0.1], [0.2, 0.3]])
    assert program_for(*first) is program_for(*second)
    program = program_for(*first)
    nodes = first[0]
    leaves = [n.data if n.op is None else None for n in nodes]
    w = next(i for i, n in enumerate(nodes) if n.requires_grad and n.op is None)
    with pytest.raises(ProgramError):
        program.forward(leaves, nodes[0].backend, values={w: lambda i, value: value[:1]})


def test_no_program_for_ops_without_an_emitter_or_exact_code_past_rational_arithmetic():
    from gradwork import functional as F

    V = Tensor(np.ones((2, 2)), requires_grad=True)
    assert program_for(*_flat(F.concatenate([V, V], axis=0).sum())) is None
    W = Tensor(np.array([[Fraction(1, 2)]], dtype=object), requires_grad=True, backend="exact")
    assert program_for(*_flat((W * W).sum())) is None  # exact numbers only when asked for
    zero = Tensor(np.array([Fraction(0)], dtype=object), requires_grad=True, backend="exact")
    program = program_for(*_flat(F.exp(zero).sum()), exact=True)  # exp(0) is 1, but math.exp gives no Fraction
    assert program is not None
    with pytest.raises(ProgramError):
        program.forward([zero.data, None, None], zero.backend)
    assert program_for(*_flat(F.leaky_relu(W, alpha=0.2).sum()), exact=True) is None  # a float parameter


def _exact_graphs():
    """Exact graphs of the rational ops, with zeros and ties where their gradients have a convention."""
    from gradwork import functional as F

    def tensor(values, grad=True):
        return Tensor(np.array(values, dtype=object), requires_grad=grad, backend="exact")

    x = tensor([[Fraction(2), Fraction(0)], [Fraction(-1, 3), Fraction(5, 2)]])
    w = tensor([[Fraction(1), Fraction(-2)], [Fraction(3, 4), Fraction(0)]])
    b = tensor([Fraction(0), Fraction(-1, 7)])
    t = tensor([[Fraction(1), Fraction(0)], [Fraction(2), Fraction(-3)]], grad=False)
    two = tensor(Fraction(2), grad=False)
    z = x @ w + b
    yield F.half_sse(F.relu(z), t)
    yield F.mse(F.maximum(z, x) - F.minimum(x, w), t)  # ties: x[0, 1] = w[1, 1] = 0
    yield F.sse(F.abs(x - w) * (z ** two) / tensor(Fraction(3), grad=False), t, reduction="sum")
    yield F.l1(-(F.transpose(x) @ w), t)
    yield F.mean(F.sum(x * w, axis=0) ** two)


@pytest.mark.parametrize("number", range(5))
def test_exact_program_gives_the_engines_fractions(number):
    root = list(_exact_graphs())[number]
    nodes, inputs, r = _flat(root)
    program = program_for(nodes, inputs, r, exact=True)
    assert program is not None
    bk = root.backend
    values = program.forward([n.data if n.op is None else None for n in nodes], bk)
    seed = bk.ones_like(root.data)
    reference = backward_pass(nodes, inputs, [n.data for n in nodes], r, seed, backend=bk)
    grads = program.backward(values, seed, bk)
    for i, node in enumerate(nodes):
        _same_fractions(values[i], node.data)
        assert (grads[i] is None) == (i not in reference), i
        if grads[i] is not None:
            _same_fractions(grads[i], bk.native(reference[i]))
    # A hook that hands back floats: the program refuses (the engine decides what floats mean there).
    k = next(i for i, n in enumerate(nodes) if n.op is not None)
    with pytest.raises(ProgramError):
        program.forward([n.data if n.op is None else None for n in nodes], bk,
                        values={k: lambda i, value: value.astype(np.float64)})


def _same_fractions(got, want):
    assert got.dtype == object and got.shape == np.shape(want)
    assert all(type(a) is Fraction and type(b) is Fraction and a == b
               for a, b in zip(got.flat, np.asarray(want).flat)), (got, want)
