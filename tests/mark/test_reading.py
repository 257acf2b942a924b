"""Notations our own worked solutions use (and students copy): Iverson brackets, rules by cases, max/|x|/sign
from the registry, code's element index, step tags, derivative operators, wrapped plain lines."""

from __future__ import annotations

import numpy as np
import pytest

from gradwork.mark.document import REFERENCES, read_work
from gradwork.mark.evaluate import Evaluator, Unbound
from gradwork.mark.normalise import normalise_all
from gradwork.mark.parse import parse
from gradwork.mark.plain import maths_span, to_latex
from gradwork.mark.syntax import Deriv, Func, Sym, Unreadable

POINTS = np.array([-1.5, -0.2, 0.0, 0.3, 2.0])


def at_points(text: str, **symbols) -> np.ndarray:
    symbols.setdefault("u", POINTS)
    symbols.setdefault("z", POINTS)

    def lookup(name: str):
        if name in symbols:
            return symbols[name]
        raise Unbound(name)

    return np.asarray(Evaluator(lookup)(parse(normalise_all(text))), dtype=float)


@pytest.mark.parametrize("text, expected", [
    (r"[u > 0]", (POINTS > 0).astype(float)),
    (r"[z \geq 0]", (POINTS >= 0).astype(float)),
    (r"\begin{cases} 1 & u \ge 0 \\ \alpha & u < 0 \end{cases}", np.where(POINTS >= 0, 1, 0.01)),
    (r"\begin{cases} 1, & \text{if } z > 0 \\ 0 & \text{otherwise} \end{cases}", (POINTS > 0).astype(float)),
    (r"\max(0, u)", np.maximum(0, POINTS)),
    (r"\operatorname{max}(\alpha u, u)", np.maximum(0.01 * POINTS, POINTS)),
    (r"\left|u - 1\right|", np.abs(POINTS - 1)),
    (r"-\operatorname{sign}(z - 1)", -np.sign(POINTS - 1)),
])
def test_rules_as_our_solutions_write_them_evaluate(text, expected):
    assert np.allclose(at_points(text, alpha=0.01), expected)


def test_max_and_min_are_the_registrys_ops_by_their_number_of_arguments():
    assert parse(r"\max(0, u)").name == "maximum"  # type: ignore[union-attr]
    assert parse(r"\max(u)").name == "max"  # type: ignore[union-attr]
    with pytest.raises(Unreadable, match="cases"):
        parse(r"\begin{cases} 0 & z \end{cases}")


@pytest.mark.parametrize("text, expected", [
    (r"\frac{\partial}{\partial u}\left(e^{u}\right)", Func("exp", (Sym("u"),), 1)),
    (r"\frac{\partial \operatorname{ReLU}(u)}{\partial u}", Func("relu", (Sym("u"),), 1)),
    (r"\operatorname{LeakyReLU}_{\alpha}(u)", Func("leaky_relu", (Sym("u"),), 0)),
    (r"x[2]", Sym("x[2]")),
    (r"\frac{\partial L}{\partial F_{1}}[3]", Deriv(Sym("L"), Sym("F_1[3]"))),
])
def test_derivative_operators_parameter_labels_and_code_indices(text, expected):
    assert parse(normalise_all(text)) == expected


def test_a_spaced_bracket_after_a_symbol_is_a_product_not_an_index():
    assert not isinstance(parse("x [2]"), Sym)


@pytest.mark.parametrize("line, latex", [
    ("∂ReLU(u)/∂u = [u > 0]", r"\frac{\partial \text{ReLU}(u)}{\partial u} = [u  >  0]"),
    ("∂LeakyReLU(u)/∂u = {1 if u ≥ 0; α if u < 0}",
     r"\frac{\partial \text{LeakyReLU}(u)}{\partial u} = \begin{cases} 1 & u  \geq  0 \\ \alpha  & u < 0 \end{cases}"),
    ("∂L/∂t = −sign(z₂ − t)", r"\frac{\partial L}{\partial t} = -\text{sign}(z_{2} - t)"),
])
def test_plain_rules_keep_their_words_and_read_as_latex(line, latex):
    found = maths_span(line)
    assert found is not None and found[1] == line
    assert " ".join(to_latex(found[1]).split()) == " ".join(latex.split())


def test_step_tags_are_labels_and_a_product_of_them_names_earlier_steps():
    work = read_work("  [B6] ∂J/∂a₁ = [B1]·[B2]·[B5] = 1.670·0.2403·0.3 = 0.1204\n")
    sides = work.chains[0].sides
    assert sides[0].text.startswith("\\frac{\\partial J}") and sides[1].error == REFERENCES
    latex = read_work("$$\\text{[B6]}\\quad \\frac{\\partial J}{\\partial a_1} = \\text{[B1]} \\cdot \\text{[B2]}"
                      " = 0.4$$")
    assert latex.chains[0].sides[1].error == REFERENCES


def test_wrapped_plain_lines_are_one_line_of_working():
    work = read_work("  ∂L/∂x[0] = ∂L/∂F₃[0]·x2 + ∂L/∂F₃[1]·x4\n"
                     "      + ∂L/∂F₁[3] = d0·x2 + d1·x4 + d3·x0\n"
                     "      = d0·x2 + d1·x4 + d3·x0\n")
    assert len(work.chains) == 1
    sides = work.chains[0].sides
    assert len(sides) == 4 and sides[1].text.endswith("\\frac{\\partial L}{\\partial F_{1}}[3]")
    assert [row.line for row in work.chains[0].rows] == [1, 1, 1, 3]
    matrix = read_work("  W' = W - η·g\n      = [[0.5, 0.1],\n      [0.2, 0.3]]\n      − 0.1·[[1, 2], [3, 4]]\n")
    assert len(matrix.chains) == 1 and len(matrix.chains[0].sides) == 3
    assert matrix.chains[0].sides[2].read


def test_a_list_item_is_not_a_sum_going_on():
    work = read_work("w = 0.5\n+ b = 0.1\n")
    assert [side.text for chain in work.chains for side in chain.sides] == ["w", "0.5", "b", "0.1"]


def test_an_aligned_row_starting_with_plus_carries_on_the_sum_above():
    work = read_work("\\begin{align*}\nf &= 0.5 \\cdot 1 \\\\\n&\\quad + 3 \\cdot 2 \\\\\n&= 6.5\n\\end{align*}\n")
    sides = work.chains[0].sides
    assert [" ".join(side.text.split()) for side in sides] == ["f", "0.5 \\cdot 1 + 3 \\cdot 2", "6.5"]
    assert sides[1].read
