"""Reading one side of an equation: the tree, its value, and a reason whenever it cannot be read."""

from __future__ import annotations

import numpy as np
import pytest

from gradwork.mark.evaluate import Evaluator, Unbound
from gradwork.mark.parse import parse
from gradwork.mark.syntax import Deriv, Func, Matrix, Num, Sym, Unreadable
from gradwork.mark.normalise import normalise_all


def value(text: str, **symbols):
    return Evaluator(lambda name: symbols[name] if name in symbols else (_ for _ in ()).throw(Unbound(name)))(
        parse(normalise_all(text)))


@pytest.mark.parametrize("text, expected", [
    (r"1 * 0.5 + 2 * (-0.4) + 0.2", 1 * 0.5 + 2 * -0.4 + 0.2),
    (r"\frac{1}{1 + e^{0.4}}", 1 / (1 + np.exp(0.4))),
    (r"-\log 0.599", -np.log(0.599)),
    (r"-(3 - 1) \cdot 2(-1)", 4.0),
    (r"-2 \cdot -2", 4.0),
    (r"\frac12 (3-1)^2", 2.0),
    (r"\text{Sigmoid}(-0.4)", 1 / (1 + np.exp(0.4))),
    (r"\begin{pmatrix} -2 & 1 \end{pmatrix} \cdot \begin{pmatrix} 25 \\ 49 \end{pmatrix}", -1.0),
    (r"\log_{10} 0.599", np.log10(0.599)),
])
def test_numbers_evaluate_as_written(text, expected):
    assert float(value(text)) == pytest.approx(expected, rel=1e-12)


def test_matrices_products_and_transposes():
    relu = value(r"\text{ReLU}\left(\begin{pmatrix} 0.1 & 0.4 \\ 0.2 & 0.5 \\ 0.3 & 0.6 \end{pmatrix} "
                 r"\begin{pmatrix} 0.5 \\ 0.2 \end{pmatrix} + \begin{pmatrix} 0.1 \\ 0.2 \\ 0.3 \end{pmatrix}\right)")
    assert np.allclose(relu.reshape(-1), [0.23, 0.4, 0.57])
    assert value(r"[[1, 2, 3], [4, 5, 6]]^T").shape == (3, 2)
    assert np.allclose(value(r"{5 \choose 7}^2").reshape(-1), [25, 49])
    assert np.allclose(value(r"\sigma_{Softmax}([-1.803, 0.211])").reshape(-1), [0.11774083, 0.88225917])


def test_symbols_keep_their_labels_and_derivatives_their_parts():
    assert parse(r"w_{11}^{(2)}") == Sym("w_11^(2)")
    assert parse(normalise_all(r"\frac{\partial J}{\partial \omega_5}")) == Deriv(Sym("J"), Sym("w_5"))
    assert parse(r"W_2(1,1)") == Sym("W_2(1,1)")
    assert float(value(r"(a_3 - y) a_1", a_3=0.4, y=0.0, a_1=2.0)) == pytest.approx(0.8)


def test_a_bounded_sum_is_expanded():
    total = value(r"\sum_{i=0}^4 d_i \cdot x_i", **{f"d_{i}": float(i) for i in range(5)},
                  **{f"x_{i}": 1.0 for i in range(5)})
    assert float(total) == 10.0


@pytest.mark.parametrize("text, node", [
    (r"\sigma(x)", Func("sigmoid", (Sym("x"),))),
    (r"\sigma'(z_1)", Func("sigmoid", (Sym("z_1"),), 1)),
    (r"\tanh'(0.5)", Func("tanh", (Num(0.5, 1, "0.5"),), 1)),
    (r"\text{ReLU}'(z)", Func("relu", (Sym("z"),), 1)),
    (r"f'(z)", Func("f", (Sym("z"),), 1)),
    (r"w_{12}^{new}", Sym("w'_12")),
    (r"{w^{(1)}_{32}}^{new}", Sym("w'_32^(1)")),
    (r"[0.5 0.3]", Matrix(((Num(0.5, 1, "0.5"), Num(0.3, 1, "0.3")),))),
])
def test_functions_primes_update_labels_and_spaced_rows(text, node):
    assert parse(normalise_all(text)) == node


@pytest.mark.parametrize("text, reason", [
    (r"F_2(x)", "function"),
    ("0.5 939", "broken by a space"),
    ("0.59l3", "broken by a letter"),
    (r"\text{if } z > 0", "words"),
    (r"\begin{cases} 0 \\ 1 \end{cases}", "cases"),
    (r"\circled{1} \circled{2}", "step"),
    (r"\sum_{i=1}^m y_i", "bounds"),
])
def test_what_is_not_understood_is_not_read(text, reason):
    with pytest.raises(Unreadable, match=reason):
        parse(normalise_all(text))


def test_an_exact_power_too_large_is_not_computed():
    from gradwork.mark.evaluate import Evaluator

    with pytest.raises(Unbound, match="too large"):
        Evaluator(lambda name: 0, exact=True)(parse("2^{999999999}"))


def test_a_side_is_parsed_by_the_ops_registered_now_not_by_those_registered_when_it_was_first_read():
    """parse remembers trees by the op registry's generation too: a word that names a registered op is a call
    while the op is registered, and unreadable words again once it is removed (not the remembered call)."""
    from gradwork.ops import Notation, Op, Partial, register, unregister

    op = Op(name="zigzag", kind="activation", forward=lambda bk, x: x,
            partials=(Partial("x", lambda bk, g, out, x: g, "1", "1"),),
            notation=Notation("zigzag($x)", r"\operatorname{zigzag}($x)"), elementwise=True,
            display=("zigzag", r"\operatorname{zigzag}"), definition_latex=r"\operatorname{zigzag}(x) = x",
            sentence="zigzag'(x) = 1.")
    side = normalise_all(r"\operatorname{zigzag}(z_1)")
    register(op)
    try:
        during = parse(side)
    finally:
        unregister("zigzag")
    assert isinstance(during, Func) and during.name == "zigzag"
    with pytest.raises(Unreadable, match="zigzag"):
        parse(side)
