"""unbroadcast on object arrays (exact and symbolic mode), where NumPy's sum can return a bare element."""

from __future__ import annotations

from fractions import Fraction

import numpy as np

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
