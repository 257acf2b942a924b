"""Every registered op's VJPs in symbolic mode agree with SymPy's own ``diff``.

One spec line per op gives its inputs as SymPy arrays (real symbols; positive or
negative ones where an op branches, so relu, abs, elu ... take one definite
branch) and its parameters. The engine runs the op in symbolic mode and pulls
back an upstream gradient of symbols u_k; SymPy differentiates the whole
expression sum_k u_k * out_k itself (term by term, as its own Add derivative
does, skipping the terms without the variable). Both must agree element by element:
exactly when the difference is a rational function, else at three rational
points to 40 digits.

max and min cannot run on symbols (NumPy compares the elements), so their spec
writes the reference with sympy.Max/Min over symbols and the engine runs on
distinct rationals: the same formula, evaluated where SymPy's Heaviside is
defined.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from collections.abc import Callable

import numpy as np
import pytest
import sympy

from gradwork.backends import get_backend
from gradwork.ops import OPS
from gradwork.tensor import Tensor, apply

SYMBOLIC = get_backend("symbolic")
R = sympy.Rational


def symbols(prefix: str, shape: tuple[int, ...], **assumptions: bool) -> np.ndarray:
    """An object array of real SymPy symbols named prefix0, prefix1, ..."""
    out = np.empty(shape, dtype=object)
    for n, index in enumerate(np.ndindex(shape)):
        out[index] = sympy.Symbol(f"{prefix}{n}", real=True, **assumptions)
    return out


def mixed_signs(prefix: str, shape: tuple[int, ...], first_positive: bool = True) -> np.ndarray:
    """Symbols alternately positive and negative: each element takes a definite branch of a kink."""
    out = np.empty(shape, dtype=object)
    for n, index in enumerate(np.ndindex(shape)):
        positive = (n % 2 == 0) == first_positive
        out[index] = sympy.Symbol(f"{prefix}{n}", positive=True) if positive else \
            sympy.Symbol(f"{prefix}{n}", negative=True)
    return out


def rationals(values: list, shape: tuple[int, ...]) -> np.ndarray:
    out = np.empty(shape, dtype=object)
    out[...] = np.asarray([R(v) for v in values], dtype=object).reshape(shape)
    return out


@dataclass
class Case:
    inputs: list[np.ndarray]
    params: dict[str, Any]
    # For ops that cannot run on symbols: (symbol inputs, forward on them written with SymPy).
    reference: tuple[list[np.ndarray], Callable[..., np.ndarray]] | None = None


@dataclass
class Spec:
    op: str
    cases: list[Case]


def c(*inputs: np.ndarray, **params: Any) -> Case:
    return Case(list(inputs), params)


def extremum(name: str, shape: tuple[int, ...], values: list, axis: Any, keepdims: bool = False) -> Case:
    xs = symbols("x", shape)
    reduce = sympy.Max if name == "max" else sympy.Min

    def forward(x: np.ndarray) -> np.ndarray:
        return _reduce(x, axis, keepdims, reduce)

    return Case([rationals(values, shape)], {"axis": axis, "keepdims": keepdims}, ([xs], forward))


def _reduce(x: np.ndarray, axis: Any, keepdims: bool, reduce: Callable) -> np.ndarray:
    if axis is None:
        value = reduce(*x.ravel())
        return np.full((1,) * x.ndim, value, dtype=object) if keepdims else np.asarray(value, dtype=object)
    moved = np.moveaxis(x, axis, -1)
    out = np.empty(moved.shape[:-1], dtype=object)
    for index in np.ndindex(out.shape):
        out[index] = reduce(*moved[index])
    return np.expand_dims(out, axis) if keepdims else out


S = symbols
SPECS = [
    Spec("add", [c(S("a", (2, 3)), S("b", (3,))), c(S("a", ()), S("b", (2,)))]),
    Spec("sub", [c(S("a", (2, 3)), S("b", (3,))), c(S("a", (2, 1)), S("b", (1, 2)))]),
    Spec("mul", [c(S("a", (2, 3)), S("b", (3,))), c(S("a", ()), S("b", (3,)))]),
    Spec("div", [c(S("a", (2, 2)), S("b", (2,), positive=True)), c(S("a", (2,)), S("b", ()))]),
    Spec("neg", [c(S("x", (2, 2)))]),
    # a and b of opposite signs: each element's comparison has a definite answer, so max/min take one branch.
    *[Spec(gate, [c(mixed_signs("a", (4,)), mixed_signs("b", (4,), first_positive=False)),
                  c(mixed_signs("a", (2, 2)), mixed_signs("b", (2,), first_positive=False))])
      for gate in ("maximum", "minimum")],
    Spec("pow", [c(S("x", (2,), positive=True), S("p", (2,))), c(S("x", (3,), positive=True), S("p", ()))]),
    Spec("matmul", [c(S("a", (2, 3)), S("b", (3, 2))), c(S("a", (2, 3)), S("b", (3,))),
                    c(S("a", (3,)), S("b", (3, 2))), c(S("a", (3,)), S("b", (3,))),
                    c(S("a", (2, 2, 3)), S("b", (3, 2)))]),
    Spec("linear", [c(S("x", (2, 3)), S("W", (3, 2)), S("b", (2,))), c(S("x", (3,)), S("W", (3, 2)), S("b", (2,))),
                    c(S("x", (2, 3)), S("W", (3,)), S("b", ())), c(S("x", (2, 3)), S("W", (3, 2)), S("b", ()))]),
    Spec("exp", [c(S("x", (2,)))]),
    Spec("log", [c(S("x", (2,), positive=True))]),
    Spec("sqrt", [c(S("x", (2,), positive=True))]),
    Spec("abs", [c(mixed_signs("x", (4,)))]),
    Spec("relu", [c(mixed_signs("x", (4,)), at_zero=0), c(mixed_signs("x", (2, 2)), at_zero=R(1, 2))]),
    Spec("leaky_relu", [c(mixed_signs("x", (4,)), alpha=R(1, 100)), c(mixed_signs("x", (2,)), alpha=R(1, 5))]),
    Spec("sigmoid", [c(S("x", (3,)))]),
    Spec("tanh", [c(S("x", (3,)))]),
    Spec("softplus", [c(mixed_signs("x", (4,)))]),
    Spec("elu", [c(mixed_signs("x", (4,)), alpha=1), c(mixed_signs("x", (2,)), alpha=R(1, 2))]),
    Spec("gelu", [c(S("x", (2,)))]),
    Spec("silu", [c(S("x", (3,)))]),
    Spec("softmax", [c(S("x", (3,)), axis=-1), c(S("x", (2, 3)), axis=-1), c(S("x", (2, 3)), axis=0)]),
    Spec("log_softmax", [c(S("x", (3,)), axis=-1), c(S("x", (2, 2)), axis=0)]),
    *[Spec(loss, [c(S("y", (3,)), S("t", (3,)), reduction="mean"), c(S("y", (2, 2)), S("t", (2, 2)), reduction="mean"),
                  c(S("y", (2, 2)), S("t", (2, 2)), reduction="sum")])
      for loss in ("half_sse", "sse", "mse", "bce", "cross_entropy")],
    # y and t of opposite signs: y - t has a definite sign, so |t - y| takes one branch.
    Spec("l1", [c(mixed_signs("y", (2,)), mixed_signs("t", (2,), first_positive=False), reduction="mean"),
                c(mixed_signs("y", (2, 2)), mixed_signs("t", (2, 2), first_positive=False), reduction="sum")]),
    Spec("huber", [c(S("y", (3,)), S("t", (3,)), reduction="mean", delta=R(1, 2)), c(S("y", (2,)), S("t", (2,)))]),
    Spec("sum", [c(S("x", (2, 3)), axis=None, keepdims=False), c(S("x", (2, 3)), axis=1, keepdims=False),
                 c(S("x", (2, 3)), axis=0, keepdims=True)]),
    Spec("mean", [c(S("x", (2, 3)), axis=None, keepdims=False), c(S("x", (2, 3)), axis=1, keepdims=True)]),
    Spec("max", [extremum("max", (4,), [3, -1, R(7, 2), 0], None),
                 extremum("max", (2, 3), [1, 5, -2, R(1, 3), -4, 2], 1),
                 extremum("max", (2, 3), [1, 5, -2, R(1, 3), -4, 2], 0, keepdims=True)]),
    Spec("min", [extremum("min", (4,), [3, -1, R(7, 2), 0], None),
                 extremum("min", (2, 3), [1, 5, -2, R(1, 3), -4, 2], 1)]),
    Spec("transpose", [c(S("x", (2, 3)), axes=None), c(S("x", (2, 3, 2)), axes=(1, 2, 0))]),
    Spec("reshape", [c(S("x", (2, 3)), shape=(3, 2)), c(S("x", (4,)), shape=(2, 2))]),
    Spec("index", [c(S("x", (5,)), index=np.asarray([2, 4, 3, 0, 1])), c(S("x", (3,)), index=np.asarray([0, 2, 0])),
                   c(S("x", (2, 3)), index=1), c(S("x", (2, 3)), index=(1, slice(0, 2)))]),
    Spec("concatenate", [c(S("a", (2, 2)), S("b", (1, 2)), axis=0), c(S("a", (2, 1)), S("b", (2, 2)), axis=1)]),
    Spec("sigmoid_bce", [c(S("z", (3,)), S("t", (3,)), reduction="mean"),
                         c(S("z", (2, 2)), S("t", (2, 2)), reduction="sum")]),
    # Positive x, W, b: every z is positive, so ReLU takes its definite branch.
    Spec("linear_relu", [c(S("x", (2, 3), positive=True), S("W", (3, 2), positive=True), S("b", (2,), positive=True)),
                         c(S("x", (3,), positive=True), S("W", (3, 2), positive=True), S("b", (2,), positive=True))]),
]


def test_every_registered_op_has_a_symbolic_spec():
    assert sorted(spec.op for spec in SPECS) == sorted(OPS)


def _agree(got: Any, want: Any, variables: list[sympy.Symbol]) -> bool:
    difference = sympy.sympify(got) - sympy.sympify(want)
    if difference.is_rational_function() and sympy.cancel(difference) == 0:
        return True
    for seed in range(3):
        rng = np.random.default_rng(seed)
        point = {}
        for v in variables:
            size = R(int(rng.integers(1, 9)), int(rng.integers(2, 7)))  # avoids every kink at 0
            point[v] = -size if v.is_negative else size if v.is_positive else size * int(rng.choice([-1, 1]))
        if abs(sympy.N(_value_at(difference, point), 40)) > 1e-30:
            return False
    return True


NOT_FINITE = (sympy.nan, sympy.zoo, sympy.oo, -sympy.oo)


def _value_at(expression: sympy.Expr, point: dict) -> sympy.Expr:
    """The exact value of ``expression.subs(point)`` (every free symbol set to a rational).

    ``xreplace`` puts every number in in one pass over the tree (``subs`` walks it once per symbol, ~8x the
    time here); where the expression is finite at the point both are the same exact number. At a singular
    point (bce's log(1 - y) at y = 1) the two can differ (nan by one, 0 by the other), so there the value
    is ``subs``'s as before.
    """
    value = expression.xreplace(point)
    return expression.subs(point) if value.has(*NOT_FINITE) else value


CASES = [(spec.op, number, case) for spec in SPECS for number, case in enumerate(spec.cases)]


@pytest.mark.parametrize("op,number,case", CASES, ids=[f"{op}-{number}" for op, number, _ in CASES])
def test_symbolic_vjp_is_sympys_derivative(op, number, case):
    tensors = [Tensor(x, requires_grad=True, backend=SYMBOLIC) for x in case.inputs]
    out = apply(op, *tensors, **case.params)
    upstream = symbols("u", out.shape)
    out.backward(upstream)

    if case.reference is None:
        variables_in, expression_out = case.inputs, out.data
    else:
        variables_in, forward = case.reference
        expression_out = forward(*variables_in)
        assert np.asarray(expression_out).shape == out.shape
    # sum_k u_k * out_k, differentiated by SymPy term by term: a term without the variable has derivative 0.
    terms = list(zip(upstream.ravel(), np.asarray(expression_out, dtype=object).ravel()))
    for position, (tensor, variables) in enumerate(zip(tensors, variables_in)):
        assert tensor.grad.shape == tensor.shape
        for index in np.ndindex(tensor.shape):
            variable = variables[index]
            expected = sympy.Add(*[u * sympy.diff(e, variable) for u, e in terms if variable in _free(e)])
            if case.reference is not None:
                point = dict(zip(variables_in[position].ravel(), case.inputs[position].ravel()))
                expected = expected.subs(point)
            free = sorted((expected.free_symbols | _free(tensor.grad[index])) - set(upstream.ravel()), key=str)
            assert _agree(tensor.grad[index], expected, free + list(upstream.ravel())), \
                (op, number, position, index, tensor.grad[index], expected)


def _free(value: Any) -> set:
    return set(getattr(value, "free_symbols", ()))
