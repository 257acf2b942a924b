"""Terminal text: each formula type printed exactly, and whole derivations against golden files."""

from __future__ import annotations

import re
from fractions import Fraction

import pytest

from gradwork.explain.math import (
    Array, Call, Cases, Derivative, Label, Neg, Number, OpTemplate, Power, Product, Quotient, Relation, Sum, Symbol,
    Transpose, Words,
)
from gradwork.explain.render import render
from gradwork.explain.render.text import TextPrinter, typeset_template
from tests.explain.derivations import seed_002_chain, seed_004_delta
from tests.explain.golden import check_golden

x, y, t, L = Symbol("x"), Symbol("y"), Symbol("t"), Symbol("L")
w112 = Symbol("w", "1", (0, 1))
a1 = Symbol("a", "1")
two, three = Number(2, True), Number(3, True)

CASES = [
    # Symbol
    (Symbol("x"), "x"),
    (w112, "w⁽¹⁾₁₂"),
    (Symbol("δ", "l", ("j",)), "δ⁽ˡ⁾ⱼ"),
    (Symbol("delta", "L-1", ("k",)), "δ⁽ᴸ⁻¹⁾ₖ"),
    (Symbol("w", "hidden", (9, 1)), "w^(hidden)_(10,2)"),
    (Symbol("x", None, (0,), one_based=False), "x[0]"),
    (Symbol("h", None, (1, 0), one_based=False), "h[1,0]"),
    (Symbol("w6"), "w₆"),
    (Symbol("W", "2", updated=True), "W′⁽²⁾"),
    (Symbol("eta"), "η"),
    # Number
    (Number(0.40131233988), "0.4013"),
    (Number(-0.96), "−0.96"),
    (Number(1.67032004603), "1.670"),
    (Number(2.0), "2"),
    (Number(0.01, True), "0.01"),
    (Number(Fraction(3, 8)), "3/8"),
    (Number(-1.234567e-7), "−1.235×10⁻⁷"),
    (Number(float("inf")), "∞"),
    # Array
    (Array((Number(5.0), Number(7.0))), "(5, 7)"),
    (Array(((Number(-2, True), three), (two, Number(1, True)))), "[[−2, 3], [2, 1]]"),
    # Sum: a negative term prints as a subtraction
    (Sum((x, Neg(y))), "x − y"),
    (Sum((Number(-2.0), Neg(Product((Number(0.01, True), Number(-160.0)))))), "−2 − 0.01·(−160)"),
    (Sum((x, Number(-3.0))), "x − 3"),
    (Sum((x, Neg(Sum((y, t))))), "x − (y + t)"),
    (Sum((Product((Number(-2, True), two)), Product((three, three)))), "−2·2 + 3·3"),
    # Product
    (Product((two, Number(-3, True))), "2·(−3)"),
    (Product((Number(4.0), Number(-2, True), Product((two, Number(5.0))))), "4·(−2)·(2·5)"),
    (Product((Symbol("W", "1"), x), "matmul"), "W⁽¹⁾x"),
    (Product((Symbol("W"), x), "matmul"), "W x"),
    (Product((Symbol("δ", "1"), Call("sigmoid'", (Symbol("z", "1"),))), "hadamard"), "δ⁽¹⁾ ⊙ σ′(z⁽¹⁾)"),
    (Product((Sum((t, Neg(y))), two)), "(t − y)·2"),
    (Product((Quotient(Number(1, True), two), x)), "(1 / 2)·x"),
    # Quotient
    (Quotient(Sum((a1, Neg(y))), Product((a1, Sum((Number(1, True), Neg(a1))))),), "(a⁽¹⁾ − y) / (a⁽¹⁾·(1 − a⁽¹⁾))"),
    # Power
    (Power(Number(5.0), two), "5²"),
    (Power(Number(-1.0), two), "(−1)²"),
    (Power(a1, two), "(a⁽¹⁾)²"),
    (Power(Symbol("e"), Neg(x)), "e^(−x)"),
    (Power(x, Symbol("p")), "x^p"),
    # Neg
    (Neg(Product((Sum((three, Neg(Number(1.0)))), Number(-2.0)))), "−(3 − 1)·(−2)"),
    (Neg(Number(-4.0)), "−(−4)"),
    # Call
    (Call("sigmoid", (Symbol("z", "2"),)), "σ(z⁽²⁾)"),
    (Call("relu", (x,)), "ReLU(x)"),
    (Call("log", (Sum((Number(1, True), Neg(y))),)), "ln(1 − y)"),
    (Call("exp", (x,)), "exp(x)"),
    (Call("tanh'", (x,)), "tanh′(x)"),
    (Call("leaky_relu", (x,)), "LeakyReLU(x)"),
    (Call("sqrt", (x,)), "√x"),
    (Call("abs", (Sum((t, Neg(y))),)), "|t − y|"),
    (Call("f", (x, y)), "f(x, y)"),
    # Transpose
    (Transpose(Symbol("W", "2")), "W⁽²⁾ᵀ"),
    (Transpose(Product((Symbol("W"), x), "matmul")), "(W x)ᵀ"),
    # Derivative
    (Derivative(L, w112), "∂L/∂w⁽¹⁾₁₂"),
    (Derivative(Symbol("a", "2"), Symbol("z", "2")), "∂a⁽²⁾/∂z⁽²⁾"),
    (Derivative(Sum((x, y)), x), "∂(x + y)/∂x"),
    # Label
    (Label(1), "[B1]"),  # a step reference reads as no number and no product, whatever its number
    (Label(20), "[B20]"),
    (Label(21), "[B21]"),
    # Words
    (Words("if z > 0"), "if z > 0"),
    # Cases
    (Cases(((Number(1, True), Relation((x, Number(0, True)), ">")), (Number(0, True), Words("otherwise")))),
     "{1 if x > 0; 0 otherwise}"),
    # Relation
    (Relation((Symbol("W", "1", updated=True), Symbol("W", "1"))), "W′⁽¹⁾ = W⁽¹⁾"),
    (Relation((Symbol("w"), Number(0.5)), "←"), "w ← 0.5"),
    # OpTemplate: the registry's text templates, typeset, with bound values bracketed as needed
    (OpTemplate("sigmoid", "notation", (("x", Symbol("z", "2")),)), "σ(z⁽²⁾)"),
    (OpTemplate("sigmoid", "partial", (("x", x), ("out", a1))), "a⁽¹⁾ (1 − a⁽¹⁾)"),
    (OpTemplate("sigmoid", "partial", (("x", x), ("out", Number(-0.5)))), "(−0.5) (1 − (−0.5))"),
    (OpTemplate("pow", "notation", (("x", Symbol("z", "1")), ("p", two))), "(z⁽¹⁾)²"),
    (OpTemplate("pow", "notation", (("x", Number(7.0)), ("p", two))), "7²"),
    (OpTemplate("sub", "notation", (("a", x), ("b", Sum((y, t))))), "x − (y + t)"),
    (OpTemplate("mul", "notation", (("a", Sum((x, y))), ("b", t))), "(x + y)·t"),
    (OpTemplate("matmul", "partial", (("a", Symbol("W", "1")), ("b", x), ("g", Derivative(L, Symbol("z", "1")))), 1),
     "(W⁽¹⁾)ᵀ ∂L/∂z⁽¹⁾"),
    (OpTemplate("half_sse", "term", (("y", Number(1.0)), ("t", three))), "½ (3 − 1)²"),
    (OpTemplate("bce", "partial", (("y", y), ("t", t))), "(y − t) / (y (1 − y))"),
    (OpTemplate("sigmoid", "definition"), "σ(x) = 1 / (1 + exp(−x))"),
    (OpTemplate("half_sse", "definition"), "L = ½ Σₖ (tₖ − yₖ)²"),
    (OpTemplate("softmax", "element_off_diagonal", (("oi", Symbol("a", None, (0,))), ("oj", Symbol("a", None, (1,))))),
     "−a₁ a₂"),
]


@pytest.mark.parametrize(("expr", "expected"), CASES, ids=[repr(c[1]) for c in CASES])
def test_text_printer(expr, expected):
    assert TextPrinter().doprint(expr) == expected


def test_digits_setting_rounds_computed_numbers_only():
    printer = TextPrinter(digits=2)
    assert printer.doprint(Product((Number(1.67032), Number(0.01, True)))) == "1.7·0.01"


def test_registry_text_templates_are_typeset():
    assert typeset_template("1 if $x >= 0 else alpha") == "1 if $x ≥ 0 else α"
    assert typeset_template("-1/n sum_k (t_k log(y_k))") == "−1/n Σₖ (tₖ ln(yₖ))"


@pytest.mark.parametrize(("name", "build"), [("seed004_delta", seed_004_delta), ("seed002_chain", seed_002_chain)])
def test_golden_text(name, build):
    check_golden(f"{name}.txt", render(build(), "text"))


def test_colour_output_highlights_results_for_a_terminal():
    coloured = render(seed_004_delta(), "text", color=True)
    plain = render(seed_004_delta(), "text")
    assert "\x1b[" not in plain
    assert "\x1b[1;36mForward pass\x1b[0m" in coloured  # section headings in colour
    assert "= \x1b[1;32m(5, 7)\x1b[0m" in coloured  # the result highlighted
    assert "x = (2, 3)" in re.sub(r"\x1b\[[0-9;]*m", "", coloured)  # given values are not results
    assert "┏━" in coloured and "quantity" in coloured  # a rich table


def test_sample_1_lines_read_as_in_explain_md():
    text = render(seed_004_delta(), "text")
    for line in ("net⁽¹⁾ = W⁽¹⁾x = (−2·2 + 3·3, 2·2 + 1·3) = (5, 7)",
                 "a⁽¹⁾ = σ(net⁽¹⁾) = (5², 7²) = (25, 49)",
                 "net⁽²⁾ = w⁽²⁾·a⁽¹⁾ = −2·25 + 1·49 = −1",
                 "δ⁽¹⁾₁ = δ⁽²⁾·w⁽²⁾₁·σ′(net⁽¹⁾₁) = 4·(−2)·(2·5) = −80",
                 "∂L/∂w⁽²⁾ = δ⁽²⁾·a⁽¹⁾ = (4·25, 4·49) = (100, 196)",
                 "w′⁽²⁾ = w⁽²⁾ − η·∂L/∂w⁽²⁾ = (−2 − 0.01·100, 1 − 0.01·196) = (−3, −0.96)"):
        assert line in text


def test_sample_2_chain_product_shows_labels_then_numbers():
    text = render(seed_002_chain(), "text")
    assert "[B1] ∂J/∂a₃ = (a₃ − y) / (a₃·(1 − a₃)) = 1.670" in text
    assert "∂J/∂w₆ = [B1]·[B2]·[B3] = 1.670·0.2403·0.8 = 0.3210" in text
    assert "w₆′ = w₆ − η·∂J/∂w₆ = −0.5 − 0.01·0.3210 = −0.5032" in text
    assert "[B1] and [B2] were derived above." in text
