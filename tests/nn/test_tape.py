"""The replayed tape gives the plain engine's values and gradients, with the same registered ops."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from gradwork import functional as F
from gradwork.nn import MLP, loss
from gradwork.nn.tape import Tape, TapeError
from gradwork.tensor import Tensor


def _engine(build, params, arrays):
    """Loss value and parameter gradients from a fresh graph and Tensor.backward."""
    for p in params:
        p.grad = None
    inputs = [Tensor(a, dtype=str(a.dtype)) for a in arrays]
    out = build(*inputs)
    out.backward()
    return out.data.copy(), [p.grad.copy() for p in params]


def _tape_run(tape, params, arrays):
    for p in params:
        p.grad = None
    value = tape.forward(*arrays)
    tape.backward()
    return np.array(value), [p.grad.copy() for p in params]


def _record(build, arrays):
    inputs = [Tensor(a, dtype=str(a.dtype)) for a in arrays]
    return Tape(build(*inputs), inputs)


def _digits_like(dtype, convention="row", fused=True, seed=0):
    rng = np.random.default_rng(seed)
    model = MLP.init([6, 5, 4, 3], ["relu", "tanh", "identity"], seed=seed, convention=convention, dtype=dtype)

    def build(x, t):
        return F.cross_entropy(model(x, fused=fused), t)

    def batch(n):
        X = rng.normal(size=(n, 6)).astype(dtype)
        T = np.eye(3, dtype=dtype)[rng.integers(0, 3, n)]
        return [X, T]

    return model, build, batch


@pytest.mark.parametrize("fused", [True, False])
@pytest.mark.parametrize("convention", ["row", "column"])
def test_tape_matches_engine_on_new_batches_float64(fused, convention):
    model, build, batch = _digits_like("float64", convention, fused)
    tape = _record(build, batch(8))
    for n in (8, 8, 3):  # new data each time; the last batch is shorter
        arrays = batch(n)
        value, grads = _tape_run(tape, model.parameters(), arrays)
        expected_value, expected_grads = _engine(build, model.parameters(), arrays)
        np.testing.assert_allclose(value, expected_value, rtol=1e-13)
        for got, want in zip(grads, expected_grads):
            assert got.shape == want.shape
            np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15)


def test_tape_matches_engine_float32_and_keeps_dtype():
    model, build, batch = _digits_like("float32")
    tape = _record(build, batch(16))
    arrays = batch(16)
    value, grads = _tape_run(tape, model.parameters(), arrays)
    expected_value, expected_grads = _engine(build, model.parameters(), arrays)
    assert value.dtype == np.float32 and all(g.dtype == np.float32 for g in grads)
    np.testing.assert_allclose(value, expected_value, rtol=1e-6)
    for got, want in zip(grads, expected_grads):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-7)


def test_tape_sees_in_place_and_replaced_parameter_values():
    model, build, batch = _digits_like("float64")
    tape = _record(build, batch(4))
    arrays = batch(4)
    layer = model.layers[0]
    layer.W.data *= 0.5  # in place
    model.layers[1].b.data = model.layers[1].b.data + 0.25  # a new array
    value, grads = _tape_run(tape, model.parameters(), arrays)
    expected_value, expected_grads = _engine(build, model.parameters(), arrays)
    np.testing.assert_allclose(value, expected_value, rtol=1e-13)
    for got, want in zip(grads, expected_grads):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15)


def test_seed_002_step_through_the_tape():
    # Seed 002 (exam 4a), row convention: gradients from the issue, checked by hand.
    net = MLP.from_specs([
        {"name": "hidden", "weights": [[0.5, -0.6], [-0.4, 0.8]], "bias": [0.2, -0.2], "activation": "relu"},
        {"name": "output", "weights": [0.3, -0.5], "bias": 0.0, "activation": "sigmoid"},
    ], convention="row")
    x, t = Tensor([1.0, 2.0]), Tensor(0.0)
    tape = Tape(loss("bce", net(x), t), [x, t])
    value = tape.forward(np.array([1.0, 2.0]), np.array(0.0))
    tape.backward()
    assert float(value) == pytest.approx(0.5130152524, rel=1e-9)
    hidden, output = net.layers
    np.testing.assert_allclose(output.W.grad, [0.0, 0.3210498719], rtol=1e-9)
    np.testing.assert_allclose(hidden.W.grad, [[0.0, -0.2006561699], [0.0, -0.4013123399]], rtol=1e-9)


def test_shared_parameter_and_variadic_op_accumulate_like_the_engine():
    rng = np.random.default_rng(3)
    W = Tensor(rng.normal(size=(3, 3)), requires_grad=True, name="W")
    b = Tensor(rng.normal(size=3), requires_grad=True, name="b")

    def build(x):
        h = F.tanh(x @ W + b)
        both = F.concatenate([h, h @ W], axis=1)  # W used twice; a variadic op
        return (both * both).sum() + F.sum(b * b)

    X0, X1 = rng.normal(size=(2, 3)), rng.normal(size=(5, 3))
    tape = _record(build, [X0])
    value, grads = _tape_run(tape, [W, b], [X1])
    expected_value, expected_grads = _engine(build, [W, b], [X1])
    np.testing.assert_allclose(value, expected_value, rtol=1e-13)
    for got, want in zip(grads, expected_grads):
        np.testing.assert_allclose(got, want, rtol=1e-12)


def test_backward_adds_to_existing_gradients_like_the_engine():
    model, build, batch = _digits_like("float64")
    tape = _record(build, batch(4))
    arrays = batch(4)
    _, once = _tape_run(tape, model.parameters(), arrays)
    tape.backward()  # a second time without zeroing: the gradients double, as with Tensor.backward
    for p, g in zip(model.parameters(), once):
        np.testing.assert_allclose(p.grad, 2 * g, rtol=1e-14)


def test_data_inputs_get_no_gradient_work():
    model, build, batch = _digits_like("float64")
    tape = _record(build, batch(4))
    pulled = []

    def spy(op, partial, vjp):
        def run(*args, **kwargs):
            pulled.append((op.name, partial.wrt))
            return vjp(*args, **kwargs)
        return run

    for slot in tape.slots:  # every VJP (plain or given saved values) of every replayed op records its call
        if slot.op is not None:
            slot.op = dataclasses.replace(slot.op, partials=tuple(
                dataclasses.replace(p, vjp=spy(slot.op, p, p.vjp),
                                    saved_vjp=p.saved_vjp and spy(slot.op, p, p.saved_vjp))
                for p in slot.op.partials))
    tape.forward(*batch(4))
    tape.backward()
    # Every VJP run leads to a parameter: none into the data X or the targets T.
    wanted = [(s.op.name, s.op.partial(k).wrt) for s in tape.slots if s.op is not None
              for k, j in enumerate(s.inputs) if tape.slots[j].requires_grad]
    assert sorted(pulled) == sorted(wanted)
    assert ("cross_entropy", "t") not in pulled and ("linear_relu", "x") not in pulled  # X and T
    assert ("linear_relu", "W") in pulled  # the first layer, fused
    assert not any(tape.slots[j].requires_grad for j in tape.input_slots)
    assert set(map(id, tape.parameters)) == set(map(id, model.parameters()))


def test_value_of_a_node_after_replay():
    model, build, batch = _digits_like("float64", fused=False)
    inputs = [Tensor(a) for a in batch(4)]
    out = model(inputs[0])
    tape = Tape(F.cross_entropy(out, inputs[1]), inputs)
    arrays = batch(4)
    tape.forward(*arrays)
    with_engine = model(Tensor(arrays[0])).data
    np.testing.assert_allclose(tape.value(out), with_engine, rtol=1e-13)
    with pytest.raises(TapeError):
        tape.value(Tensor([1.0]))


def test_tape_rejects_bad_inputs():
    model, build, batch = _digits_like("float64")
    x, t = (Tensor(a) for a in batch(2))
    out = build(x, t)
    with pytest.raises(TapeError, match="does not reach"):
        Tape(out, [x, t, Tensor([0.0])])
    with pytest.raises(TapeError, match="placeholder"):
        Tape(out, [x, model.layers[0].W])
    tape = Tape(out, [x, t])
    with pytest.raises(TapeError, match="expected 2 input arrays"):
        tape.forward(batch(2)[0])
