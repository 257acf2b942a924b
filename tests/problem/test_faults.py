"""gradwork.problem.faults: the first NaN or infinity, named at the node and op that produced it."""

from __future__ import annotations

import numpy as np
import pytest

from gradwork.problem import ProblemError, load
from gradwork.problem.faults import bad_elements, first_fault
from gradwork.tensor import Tensor


def test_bad_elements_in_each_kind_of_array():
    import sympy

    assert bad_elements(np.array([1.0, np.nan])) == "nan"
    assert bad_elements(np.array([1.0, -np.inf])) == "inf"
    assert bad_elements(np.array([1.0, 2.0])) is None
    assert bad_elements(np.array([sympy.Symbol("x"), sympy.zoo], dtype=object)) == "inf"
    assert bad_elements(np.array([sympy.sqrt(-2)], dtype=object)) == "complex"
    assert bad_elements(np.array([1, 2])) is None


def test_first_fault_is_the_first_bad_node_in_computation_order():
    with np.errstate(all="ignore"):
        x = Tensor(np.array(1e308), requires_grad=True, name="x")
        big = x * 10  # inf: where it starts
        y = big - big  # nan, but later
        fault = first_fault([y], {"x": x, "big": big, "y": y})
    assert fault is not None and fault.node == "big" and fault.kind == "inf"
    assert fault.message.startswith("big = mul(x, ") and "x = 1e308" in fault.message


def test_a_finite_forward_with_an_infinite_gradient_is_found_in_the_backward_pass():
    with np.errstate(all="ignore"):
        x = Tensor(np.array(0.0), requires_grad=True, name="x")
        y = x.sqrt() if hasattr(x, "sqrt") else x ** 0.5
        y.backward()
        fault = first_fault([y], {"x": x, "y": y})
    assert fault is not None and fault.node == "x" and "gradient" in fault.message


@pytest.mark.parametrize("mode", ["float", "symbolic"])
def test_solve_refuses_at_the_key_that_defines_the_node(mode):
    text = "inputs: {x: 4}\ngraph:\n  a: x * 2\n  b: sqrt(x - 5)\n  c: a + b\n"
    with pytest.raises(ProblemError) as caught:
        load(text).solve(mode)
    error = caught.value
    assert (error.line, error.column) == (4, 6)
    assert error.message.startswith("b = sqrt(")


def test_no_numpy_warning_escapes(recwarn):
    text = "inputs: {x: 1000}\ngraph:\n  a: exp(x)\n"
    with pytest.raises(ProblemError, match=r"a = exp\(x\) with x = 1000 is inf"):
        load(text).solve("float")
    assert not [w for w in recwarn if issubclass(w.category, RuntimeWarning)]
