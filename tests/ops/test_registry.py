"""unbroadcast on object arrays (exact and symbolic mode), where NumPy's sum can return a bare element."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from gradwork.backends import get_backend
from gradwork.ops.registry import unbroadcast
from gradwork.tensor import Tensor, apply


def test_unbroadcast_object_array_to_a_scalar_stays_an_array():
    grad = np.asarray([Fraction(1, 2), Fraction(1, 3)], dtype=object)
    result = unbroadcast(grad, ())
    assert isinstance(result, np.ndarray) and result.shape == ()
    assert result.item() == Fraction(5, 6)


def test_exact_scalar_times_vector_backward():
    backend = get_backend("exact")
    s = Tensor(backend.asarray(2), requires_grad=True, backend=backend)
    v = Tensor(backend.asarray([1, 3]), requires_grad=True, backend=backend)
    apply("mul", s, v).backward(backend.asarray([1, 1]))
    assert s.grad.item() == Fraction(4)  # 1*1 + 1*3
    assert v.grad.tolist() == [Fraction(2), Fraction(2)]


# ---------------------------------------------------------------- saved values


SAVED_CASES = {
    "cross_entropy": lambda rng: ([rng.normal(size=(4, 3)), np.eye(3)[[0, 2, 1, 1]]], {"reduction": "mean"}),
    "sigmoid_bce": lambda rng: ([rng.normal(size=(4, 2)), rng.uniform(size=(4, 2))], {"reduction": "sum"}),
}


def test_every_op_that_saves_has_a_case():
    from gradwork.ops import OPS

    assert sorted(name for name, op in OPS.items() if op.save is not None) == sorted(SAVED_CASES)


@pytest.mark.parametrize("name", sorted(SAVED_CASES))
def test_save_and_saved_vjps_equal_forward_and_plain_vjps(name):
    from gradwork.ops import get_op

    op = get_op(name)
    bk = get_backend("float")
    arrays, params = SAVED_CASES[name](np.random.default_rng(3))
    out, saved = op.save(bk, *arrays, **params)
    np.testing.assert_allclose(out, op.forward(bk, *arrays, **params), rtol=1e-14)
    g = np.asarray(0.7)
    assert any(partial.saved_vjp is not None for partial in op.partials)
    for partial in (p for p in op.partials if p.saved_vjp is not None):
        np.testing.assert_allclose(partial.saved_vjp(bk, g, out, saved, *arrays, **params),
                                   partial.vjp(bk, g, out, *arrays, **params), rtol=1e-12, atol=1e-15)


def test_recorded_node_keeps_what_save_returned():
    z = Tensor(np.array([[1.0, 2.0, 0.5]]), requires_grad=True)
    loss = apply("cross_entropy", z, Tensor(np.array([[0.0, 1.0, 0.0]])))
    np.testing.assert_allclose(loss.saved, np.exp(z.data) / np.exp(z.data).sum(), rtol=1e-14)
    loss.backward()
    np.testing.assert_allclose(z.grad, loss.saved - [[0.0, 1.0, 0.0]], rtol=1e-14)
