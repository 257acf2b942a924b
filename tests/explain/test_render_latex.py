"""LaTeX: each formula type printed exactly, pdflatex-safe text, and documents that compile."""

from __future__ import annotations

import os
import shutil
import subprocess
from fractions import Fraction

import pytest

from gradwork.explain.math import (
    Array, Call, Cases, Derivative, Label, Neg, Number, OpTemplate, Power, Product, Quotient, Relation, Sum, Symbol,
    Transpose, Words,
)
from gradwork.explain.render import render
from gradwork.explain.render.latex import LatexPrinter
from gradwork.explain.render.latex_text import latex_text, unicode_math, widest_matrix
from tests.explain.derivations import seed_002_chain, seed_004_delta

x, y, t, L = Symbol("x"), Symbol("y"), Symbol("t"), Symbol("L")
a1 = Symbol("a", "1")
two, three = Number(2, True), Number(3, True)

CASES = [
    # Symbol
    (x, "x"),
    (Symbol("w", "1", (0, 1)), "w^{(1)}_{12}"),
    (Symbol("δ", "l", ("j",)), r"\delta^{(l)}_{j}"),
    (Symbol("eta"), r"\eta"),
    (Symbol("net", "2"), r"\mathrm{net}^{(2)}"),
    (Symbol("w", "out", (9, 1)), r"w^{(\mathrm{out})}_{10,2}"),
    (Symbol("x", None, (0,), one_based=False), "x[0]"),
    (Symbol("h", None, (1, 0), one_based=False), "h[1,0]"),
    (Symbol("w6"), "w_{6}"),
    (Symbol("W", "2", updated=True), "W'^{(2)}"),
    (Symbol("σ′(z_j⁽ᴸ⁾)"), r"{\sigma '(z_{j}^{(L)})}"),  # free-form Unicode still compiles
    # Number
    (Number(0.40131233988), "0.4013"),
    (Number(-0.96), "-0.96"),
    (Number(Fraction(-3, 8)), r"-\frac{3}{8}"),
    (Number(1.234567e-7), r"1.235 \times 10^{-7}"),
    (Number(float("-inf")), r"-\infty"),
    # Array
    (Array((Number(5.0), Number(7.0))), r"\begin{pmatrix} 5 \\ 7 \end{pmatrix}"),
    (Array(((Number(-2, True), three), (two, Number(1, True)))), r"\begin{pmatrix} -2 & 3 \\ 2 & 1 \end{pmatrix}"),
    # Sum, Product, Quotient, Power, Neg
    (Sum((Number(-2.0), Neg(Product((Number(0.01, True), Number(-160.0)))))), r"-2 - 0.01 \cdot (-160)"),
    (Sum((x, Neg(Sum((y, t))))), "x - (y + t)"),
    (Product((two, Number(-3, True))), r"2 \cdot (-3)"),
    (Product((Symbol("W", "1"), x), "matmul"), "W^{(1)} x"),
    (Product((Symbol("δ", "1"), Call("sigmoid'", (Symbol("z", "1"),))), "hadamard"),
     r"\delta^{(1)} \odot \sigma'(z^{(1)})"),
    (Product((Quotient(Number(1, True), two), x)), r"\frac{1}{2} \cdot x"),
    (Quotient(Sum((a1, Neg(y))), Product((a1, Sum((Number(1, True), Neg(a1)))))),
     r"\frac{a^{(1)} - y}{a^{(1)} \cdot (1 - a^{(1)})}"),
    (Power(Number(5.0), two), "5^{2}"),
    (Power(Number(-1.0), two), "(-1)^{2}"),
    (Power(a1, two), "(a^{(1)})^{2}"),
    (Power(Symbol("x", None, (0,)), two), "x_{1}^{2}"),
    (Power(Quotient(x, y), two), r"\left(\frac{x}{y}\right)^{2}"),
    (Neg(Product((Sum((three, Neg(Number(1.0)))), Number(-2.0)))), r"-(3 - 1) \cdot (-2)"),
    # Call
    (Call("sigmoid", (Symbol("z", "2"),)), r"\sigma(z^{(2)})"),
    (Call("relu", (x,)), r"\operatorname{ReLU}(x)"),
    (Call("log", (Quotient(Number(1, True), x),)), r"\ln\left(\frac{1}{x}\right)"),
    (Call("softmax", (x,)), r"\operatorname{softmax}(x)"),
    (Call("sqrt", (x,)), r"\sqrt{x}"),
    (Call("abs", (x,)), r"\left|x\right|"),
    (Call("my_fn", (x,)), r"\operatorname{my\_fn}(x)"),
    # Transpose, Derivative, Label, Words, Cases, Relation
    (Transpose(Symbol("W", "2")), r"W^{(2)\top}"),
    (Transpose(Sum((x, y))), r"(x + y)^{\top}"),
    (Derivative(L, Symbol("w", "1", (0, 1))), r"\frac{\partial L}{\partial w^{(1)}_{12}}"),
    (Derivative(Sum((x, y)), x), r"\frac{\partial}{\partial x}\left(x + y\right)"),
    (Label(3), r"\text{[B3]}"),
    (Words("if z > 0"), r"\text{if z \textgreater{} 0}"),
    (Cases(((Number(1, True), Relation((x, Number(0, True)), ">")), (Number(0, True), Words("otherwise")))),
     r"\begin{cases} 1 & \text{if } x > 0 \\ 0 & \text{otherwise} \end{cases}"),
    (Relation((Symbol("w"), Number(0.5)), "←"), r"w \leftarrow 0.5"),
    (Relation((x, Number(0.5)), "≈"), r"x \approx 0.5"),
    # OpTemplate: the registry's LaTeX templates with bindings bracketed as needed
    (OpTemplate("sigmoid", "partial", (("x", x), ("out", Number(-0.5)))), r"(-0.5)\,(1 - (-0.5))"),
    (OpTemplate("pow", "notation", (("x", Symbol("z", "1")), ("p", two))), "{(z^{(1)})}^{2}"),
    (OpTemplate("matmul", "partial", (("a", Symbol("W", "1")), ("b", x), ("g", Derivative(L, Symbol("z", "1")))), 1),
     r"(W^{(1)})^{\top} \frac{\partial L}{\partial z^{(1)}}"),
    (OpTemplate("half_sse", "term", (("y", Number(1.0)), ("t", three))), r"\frac{1}{2}(3 - 1)^{2}"),
    (OpTemplate("sigmoid", "definition"), r"\sigma(x) = \frac{1}{1 + e^{-x}}"),
]


@pytest.mark.parametrize(("expr", "expected"), CASES, ids=[c[1] for c in CASES])
def test_latex_printer(expr, expected):
    assert LatexPrinter().doprint(expr) == expected


def test_unicode_text_setting_keeps_unicode_for_math_engines():
    printer = LatexPrinter(unicode_text=True)
    assert printer.doprint(Label(3)) == r"\text{[B3]}"
    assert printer.doprint(Words("σ′ > 0")) == r"\text{σ′ > 0}"
    assert LatexPrinter().doprint(Words("σ′ > 0")) == r"\text{\ensuremath{\sigma}\ensuremath{'} \textgreater{} 0}"


def test_text_becomes_pdflatex_safe():
    assert latex_text("δ⁽¹⁾ⱼ = ∂L/∂z — ① & 50% of $x_1") == (
        r"\ensuremath{\delta}\ensuremath{^{(1)}}\ensuremath{_{j}} = \ensuremath{\partial}L/\ensuremath{\partial}z "
        r"--- \ooalign{\hfil\raise0.07ex\hbox{\scriptsize 1}\hfil\crcr\mbox{$\bigcirc$}} \& 50\% of \$x\_1")
    assert latex_text("naïve café") == r'na\"{i}ve caf\'{e}'
    assert all(ord(c) < 128 for c in latex_text("π ≈ 3.14, ½, “quotes”, ⚠ 漢"))


def test_free_form_unicode_math():
    assert unicode_math("Σₖ δ_k w_jk") == r"\sum _{k} \delta _{k} w_{jk}"
    assert unicode_math("x**2") == "x^{2}"


def _compile(tex: str, directory) -> subprocess.CompletedProcess:
    (directory / "doc.tex").write_text(tex, encoding="utf-8")
    return subprocess.run(["pdflatex", "-halt-on-error", "-interaction=nonstopmode", "-no-shell-escape", "doc.tex"],
                          cwd=directory, capture_output=True, text=True, timeout=120)


needs_pdflatex = pytest.mark.skipif(
    shutil.which("pdflatex") is None and not os.environ.get("CI"),
    reason="pdflatex missing (scripts/system-deps.sh installs texlive-latex-base); required when CI is set")


@needs_pdflatex
@pytest.mark.parametrize("build", [seed_004_delta, seed_002_chain], ids=lambda f: f.__name__)
def test_latex_document_compiles(build, tmp_path):
    tex = render(build(), "latex")
    assert tex.startswith(r"\documentclass") and tex.rstrip().endswith(r"\end{document}")
    assert all(ord(c) < 128 for c in tex), "pdflatex needs every character set up; the document is ASCII"
    result = _compile(tex, tmp_path)
    assert result.returncode == 0, result.stdout[-3000:]
    assert (tmp_path / "doc.pdf").stat().st_size > 1000


def test_index_notation_keeps_the_placeholder_apart_from_the_subscript():
    expr = OpTemplate("index", "notation", (("x", Symbol("h")), ("index", Words("0"))))
    assert LatexPrinter().doprint(expr) == r"h_{\text{0}}"


def test_text_for_math_engines_keeps_latex_specials_outside_text():
    printer = LatexPrinter(unicode_text=True)
    assert printer.doprint(Words("a & {b} 50%")) == r"\text{a }\&\text{ }\{\text{b}\}\text{ 50}\%"


@needs_pdflatex
def test_exact_and_symbolic_numbers_compile(tmp_path):
    import sympy

    from gradwork.explain.steps import Compute, Derivation, Section

    a, b = sympy.symbols("a b")
    steps = (
        Compute("z", "forward", Symbol("z"), Product((Symbol("e"), Symbol("f"))), Product((Number(a + b), Number(-b))),
                Number(-b * (a + b))),
        Compute("w", "update", Symbol("w", updated=True), None, None, Array((Number(Fraction(-3, 8)), Number(a / 2)))),
    )
    derivation = Derivation("Exercise 7.3 (symbolic)", "matrix", "symbolic", (Section("Work", "forward", steps),))
    tex = render(derivation, "latex")
    assert r"(a + b) \cdot (- b)" in tex and r"-\frac{3}{8}" in tex  # SymPy prints -b as "- b"
    assert "(a + b)·(−b) = −b·(a + b)" in render(derivation, "text")  # SymPy, lightly typeset
    result = _compile(tex, tmp_path)
    assert result.returncode == 0, result.stdout[-3000:]


def test_the_widest_matrix_counts_its_longest_row_and_skips_escaped_ampersands():
    assert widest_matrix(r"\begin{pmatrix} 1 & 2 \\ 3 & 4 & 5 \end{pmatrix}") == 3
    nested = r"\begin{pmatrix} \begin{pmatrix} 1 & 2 & 3 \end{pmatrix} & x \end{pmatrix}"
    assert widest_matrix(r"a &= b \\ c &= " + nested) == 3
    assert widest_matrix(r"\begin{pmatrix} \text{a \& b} \end{pmatrix}") == 1
    assert widest_matrix("z = 1 & 2") == 0


@needs_pdflatex
def test_a_document_asks_for_its_widest_matrix_and_compiles(tmp_path):
    """amsmath's MaxMatrixCols: amsmath's 10 for small matrices (each matrix costs pdflatex time in proportion
    to it), and the widest matrix's columns when that is more (a 12-input row)."""
    from gradwork.problem import load, solve
    from gradwork.explain.derive import derive

    assert r"\setcounter{MaxMatrixCols}{10}" in render(seed_002_chain(), "latex")
    inputs = [round(0.1 * k - 0.5, 1) for k in range(12)]
    problem = (f"title: twelve inputs\nconvention: row\ninput: {inputs}\ntarget: 1\nlayers:\n"
               f"  - {{name: out, weights: {[[0.1]] * 12}, bias: [0.0], activation: sigmoid}}\nloss: bce\n")
    tex = render(derive(solve(load(problem)), "matrix"), "latex")
    assert widest_matrix(tex) == 12 and r"\setcounter{MaxMatrixCols}{12}" in tex
    result = _compile(tex, tmp_path)
    assert result.returncode == 0, result.stdout[-3000:]
