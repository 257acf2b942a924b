"""The machinery every renderer shares: numbers, settings, dispatch, brackets, and complete coverage."""

from __future__ import annotations

import typing
from fractions import Fraction

import pytest

from gradwork.explain import math as m
from gradwork.explain import steps as s
from gradwork.explain.render import FORMATS, render
from gradwork.explain.render.base import required_precedence, template_precedence, UnsupportedError
from gradwork.explain.render.notation import Numeral, numeral
from gradwork.explain.render.precedence import (
    PREC_ATOM, PREC_NEG, PREC_POWER, PREC_PRODUCT, PREC_QUOTIENT, PREC_RELATION, PREC_SUM,
)
from gradwork.explain.render.html import HtmlRenderer
from gradwork.explain.render.json import JsonRenderer
from gradwork.explain.render.latex import LatexPrinter, LatexRenderer
from gradwork.explain.render.markdown import MarkdownRenderer
from gradwork.explain.render.text import TextPrinter, TextRenderer

EXPR_TYPES = typing.get_args(m.Expr)
STEP_TYPES = typing.get_args(s.Step)


# ---------------------------------------------------------------- numbers


@pytest.mark.parametrize(("value", "digits", "exact", "expected"), [
    (1.6703200460, 4, False, Numeral(False, "decimal", "1.670")),  # rounded: trailing zero kept
    (0.3210498719, 4, False, Numeral(False, "decimal", "0.3210")),
    (1 - 0.01 * 196, 4, False, Numeral(True, "decimal", "0.96")),  # exactly -0.96 up to float error: minimal
    (-2 + 0.01 * 160, 4, False, Numeral(True, "decimal", "0.4")),
    (25.0, 4, False, Numeral(False, "decimal", "25")),
    (12345.678, 4, False, Numeral(False, "decimal", "12346")),  # never misleading zeros: 12350 would be
    (0.004013123, 4, False, Numeral(False, "decimal", "0.004013")),
    (1.6703200460, 2, False, Numeral(False, "decimal", "1.7")),
    (9.99996, 4, False, Numeral(False, "decimal", "10.00")),
    (1.234567e-7, 4, False, Numeral(False, "scientific", "1.235", exponent=-7)),
    (2.5e20, 4, False, Numeral(False, "scientific", "2.5", exponent=20)),
    (0.0, 4, False, Numeral(False, "decimal", "0")),
    (-0.0, 4, False, Numeral(False, "decimal", "0")),
    (0.01, 4, True, Numeral(False, "decimal", "0.01")),
    (0.123456789, 4, True, Numeral(False, "decimal", "0.123456789")),  # user-given constants as written
    (1e-5, 4, True, Numeral(False, "scientific", "1", exponent=-5)),
    (3, 4, False, Numeral(False, "decimal", "3")),
    (-7, 4, True, Numeral(True, "decimal", "7")),
    (Fraction(-3, 8), 4, False, Numeral(True, "fraction", "3", "8")),
    (Fraction(6, 3), 4, False, Numeral(False, "decimal", "2")),
    (float("nan"), 4, False, Numeral(False, "nan")),
    (float("-inf"), 4, False, Numeral(True, "infinity")),
])
def test_numbers_round_to_significant_figures_only_when_shown(value, digits, exact, expected):
    assert numeral(value, digits, exact) == expected


def test_numpy_and_sympy_numbers():
    import numpy as np
    import sympy

    assert numeral(np.float64(0.40131233988), 4) == Numeral(False, "decimal", "0.4013")
    assert numeral(np.int64(-4), 4) == Numeral(True, "decimal", "4")
    assert numeral(sympy.Rational(3, 8), 4) == Numeral(False, "fraction", "3", "8")
    assert numeral(sympy.Float(0.25), 4) == Numeral(False, "decimal", "0.25")
    x = sympy.Symbol("x")
    assert numeral(-x, 4).kind == "sympy" and numeral(-x, 4).negative


# ---------------------------------------------------------------- settings and dispatch


def test_settings_are_declared_and_validated():
    assert TextPrinter().settings == {"digits": 4}
    assert LatexPrinter(digits=6).settings == {"digits": 6, "unicode_text": False}
    with pytest.raises(ValueError, match=r"digits=0 \(expected an integer number of significant figures"):
        TextPrinter(digits=0)
    with pytest.raises(ValueError, match="digits=True"):
        TextPrinter(digits=True)
    with pytest.raises(TypeError, match="has no setting 'colour'"):
        TextRenderer(colour=True)
    with pytest.raises(ValueError, match="color='yes'"):
        TextRenderer(color="yes")


def test_dispatch_walks_the_mro_and_names_what_is_missing():
    class Weight(m.Symbol):
        pass

    assert TextPrinter().doprint(Weight("w", "1", (0, 1))) == "w⁽¹⁾₁₂"

    class Mystery:
        pass

    with pytest.raises(UnsupportedError, match="TextPrinter has no _print_Mystery method"):
        TextPrinter().doprint(Mystery())
    with pytest.raises(UnsupportedError, match="MarkdownRenderer has no _render_Mystery method"):
        derivation = s.Derivation("t", "chain", "float", (s.Section("S", "setup", (Mystery(),)),))  # type: ignore
        MarkdownRenderer().render(derivation)


def test_render_rejects_unknown_formats_and_bad_digits():
    derivation = s.Derivation("t", "chain", "float", ())
    with pytest.raises(ValueError, match="unknown format 'pdf'"):
        render(derivation, "pdf")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="digits=0"):
        render(derivation, "text", digits=0)


# ---------------------------------------------------------------- every type, every renderer

PRINTERS = [TextPrinter, LatexPrinter]
RENDERERS = [TextRenderer, MarkdownRenderer, LatexRenderer, HtmlRenderer, JsonRenderer]


@pytest.mark.parametrize("printer", PRINTERS, ids=lambda p: p.__name__)
@pytest.mark.parametrize("expr_type", EXPR_TYPES, ids=lambda t: t.__name__)
def test_every_printer_prints_every_formula_type(printer, expr_type):
    assert printer().handles(expr_type)


@pytest.mark.parametrize("renderer", RENDERERS, ids=lambda r: r.__name__)
@pytest.mark.parametrize("step_type", STEP_TYPES, ids=lambda t: t.__name__)
def test_every_renderer_renders_every_step_type(renderer, step_type):
    assert renderer().handles(step_type)


@pytest.mark.parametrize("expr_type", EXPR_TYPES, ids=lambda t: t.__name__)
def test_json_converts_every_formula_type(expr_type):
    assert JsonRenderer().handles(expr_type)


def kitchen_sink() -> s.Derivation:
    """One step of every type, together holding a formula of every type."""
    x, w, L = m.Symbol("x", None, (0,), one_based=False), m.Symbol("w", "1", (0, 1)), m.Symbol("L")
    every_expr = m.Relation((
        m.Derivative(L, w),
        m.Sum((m.Product((m.Number(2, True), m.Neg(x))), m.Quotient(m.Number(1.5), m.Power(x, m.Number(2, True))))),
        m.Call("sigmoid", (m.Transpose(m.Symbol("W")),)),
        m.Array((m.Number(-1.25), m.Label(3))),
        m.Cases(((m.Number(1, True), m.Relation((x, m.Number(0, True)), ">")),
                 (m.Number(0, True), m.Words("otherwise")))),
        m.OpTemplate("sigmoid", "partial", (("x", x), ("out", m.Symbol("a"))), 0),
    ))
    derivative = m.Derivative(L, x)
    return s.Derivation("Every step", "chain", "float", (
        s.Section("Setup", "setup", (
            s.Prose("All formula types:", every_expr),
            s.Given((m.Relation((x, m.Number(3, True))),)),
            s.Definition("sigmoid", m.OpTemplate("sigmoid", "definition"), None, "σ′ = σ(1 − σ)."),
        )),
        s.Section("Backward pass", "backward", (
            s.Compute("x", "backward", derivative, None, None, m.Number(4.0), "a note"),
            s.Factor(1, m.Derivative(L, x), m.Number(2, True), m.Number(2, True), "x"),
            s.ChainProduct("x", derivative, ((1,), (1, 1)), (1,), m.Number(6.0), "two paths"),
            s.Fork("x", derivative, (m.Number(2.0), m.Number(4.0)), m.Number(6.0), "x is used twice."),
            s.Update("x", m.Relation((m.Symbol("x", updated=True), m.Number(2.94)))),
            s.Table("Values", ("name", "value"), ((x, m.Number(3.0)), ("L", "—"))),
            s.Pitfall("sign", "Mind the sign.", "x"),
        )),
    ))


def _walk(value, found: set[type]) -> None:
    if isinstance(value, (tuple, list)):
        for item in value:
            _walk(item, found)
        return
    if hasattr(value, "__dataclass_fields__"):
        found.add(type(value))
        for name in value.__dataclass_fields__:
            _walk(getattr(value, name), found)


def test_kitchen_sink_holds_every_type_and_renders_in_every_format():
    derivation = kitchen_sink()
    found: set[type] = set()
    _walk(derivation.sections, found)
    assert set(EXPR_TYPES) <= found and set(STEP_TYPES) <= found
    for format in FORMATS:
        assert render(derivation, format).strip()


# ---------------------------------------------------------------- brackets from templates


@pytest.mark.parametrize(("before", "after", "expected"), [
    ("", "", 0),  # the whole template: "$x"
    ("sigmoid(", ")", 0),  # a function argument
    (r"\frac{", "}{$b}", 0),
    ("", " + $b", PREC_SUM),
    ("$a + ", "", PREC_NEG + 1),  # after a plus, a leading minus is bracketed: 4 + (−3)
    ("$a - ", "", PREC_PRODUCT),  # a − (b + c)
    ("1 - ", "^2", PREC_ATOM),  # the base of a power
    ("{", "}^{$p}", PREC_ATOM),
    ("", " (1 - $out)", PREC_PRODUCT),  # juxtaposed factor
    (r"$a \cdot ", "", PREC_PRODUCT),
    ("1 / ", "", PREC_POWER),  # a denominator
    (r"$t \ln ", "", PREC_POWER),  # a function applied without brackets
    ("[", " > 0]", PREC_SUM),
])
def test_template_placeholders_get_the_brackets_their_context_needs(before, after, expected):
    assert required_precedence(before, after) == expected


@pytest.mark.parametrize(("template", "expected"), [
    ("$x", -1),
    ("$a + $b", PREC_SUM),
    ("-$x", PREC_NEG),
    ("$a * $b", PREC_PRODUCT),
    ("1 / $x", PREC_QUOTIENT),
    (r"\frac{$a}{$b}", PREC_ATOM),
    ("sigmoid($x)", PREC_ATOM),
    ("{$x}^{$p}", PREC_POWER),
    (r"\sigma(x) = \frac{1}{1 + e^{-x}}", PREC_RELATION),
    (r"\begin{cases} 1 & $x \ge 0 \\ \alpha & $x < 0 \end{cases}", PREC_ATOM),
])
def test_template_precedence_is_read_from_top_level_operators(template, expected):
    assert template_precedence(template) == expected


# ---------------------------------------------------------------- every op's templates


def _op_templates():
    from gradwork.ops import OPS

    for op in OPS.values():
        parts = [("notation", 0), ("definition", 0)] + [("partial", i) for i in range(len(op.partials))]
        if op.term is not None:
            parts.append(("term", 0))
        if op.element_partials is not None:
            parts += [("element_diagonal", 0), ("element_off_diagonal", 0)]
        for part, position in parts:
            yield op.name, part, position


@pytest.mark.parametrize(("op", "part", "position"), list(_op_templates()))
def test_every_op_template_prints_in_text_and_latex(op, part, position):
    from gradwork.explain.render.base import template_pieces, template_source

    names = set()
    for latex in (False, True):
        template, _ = template_source(m.OpTemplate(op, part, (), position), latex)
        names |= {name for _, name in template_pieces(template) if name}
    bindings = tuple((name, m.Sum((m.Symbol("u"), m.Neg(m.Symbol("v"))))) for name in sorted(names))
    expr = m.OpTemplate(op, part, bindings, position)
    text, latex = TextPrinter().doprint(expr), LatexPrinter().doprint(expr)
    assert "$" not in text and "$" not in latex.replace("$\\bigcirc$", "")
    if names:
        assert "u − v" in text and "u - v" in latex


def test_every_op_states_its_definition_in_text():
    from gradwork.ops import OPS

    assert [name for name, op in OPS.items() if not op.definition_text] == []


def test_a_formula_without_numbers_prints_alike_from_memory_and_follows_the_op_registry():
    """A whole formula without numbers is printed once per printer class and settings and read back after: the
    same text as printed afresh (its parts printed one by one), and the op's new template once the op is
    registered again with another notation. A formula with numbers is printed every time."""
    from gradwork.explain.render import base
    from gradwork.ops import Notation, Op, Partial, register, unregister

    formula = m.Relation((m.Symbol("z", "1"), m.Sum((m.Product((m.Symbol("W", "1"), m.Symbol("x")), "matmul"),
                                                     m.Symbol("b", "1")))))
    for printer in (LatexPrinter(), LatexPrinter(unicode_text=True, digits=3), TextPrinter()):
        base._FORMULAS.clear()
        first, again = printer.print(formula, PREC_SUM), printer.print(formula, PREC_SUM)
        printer._inside = True  # printed part by part, never looked up
        try:
            afresh = printer.print(formula, PREC_SUM)
        finally:
            printer._inside = False
        assert first == again == afresh
    with_number = m.Sum((m.Symbol("x"), m.Number(0.5)))
    assert base.formula_key(with_number) is base.NOT_A_KEY
    assert base.formula_key(m.Label(1)) != base.formula_key(m.Label(True))
    table = m.Array((m.Number(0.12345), m.Number(-0.0), m.Number(Fraction(3, 8), exact=True)))
    shown = r"\begin{pmatrix} 0.1235 \\ 0 \\ \frac{3}{8} \end{pmatrix}"
    assert LatexPrinter().print(table) == LatexPrinter().print(table) == shown

    def op(latex: str) -> Op:
        return Op(name="zigzag", kind="activation", forward=lambda bk, x: x,
                  partials=(Partial("x", lambda bk, g, out, x: g, "1", "1"),),
                  notation=Notation("zigzag($x)", latex), elementwise=True,
                  display=("zigzag", r"\operatorname{zigzag}"), definition_latex=r"\operatorname{zigzag}(x) = x",
                  sentence="zigzag'(x) = 1.")

    call = m.OpTemplate("zigzag", "notation", (("x", m.Symbol("z")),))
    printed = []
    for latex in (r"\operatorname{zigzag}($x)", r"\mathrm{zz}($x)"):
        register(op(latex))
        try:
            printed.append(LatexPrinter().print(call))
        finally:
            unregister("zigzag")
    assert printed == [r"\operatorname{zigzag}(z)", r"\mathrm{zz}(z)"]
