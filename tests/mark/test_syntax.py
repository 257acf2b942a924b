"""Questions about a tree (gradwork.mark.syntax): remembered per tree, answered as a fresh walk answers them."""

from __future__ import annotations

from gradwork.mark.normalise import normalise_all
from gradwork.mark.parse import parse
from gradwork.mark.syntax import Bin, Num, Sym, _has_derivative, _walk_symbols, has_derivative, symbols


def read(text: str):
    return parse(normalise_all(text))


def walked(node) -> set[str]:
    found: set[str] = set()
    _walk_symbols(node, found)
    return found


def test_symbols_are_remembered_per_tree_and_each_caller_gets_its_own_set():
    tree = read("w_{11}^{(2)} \\cdot a_1 + \\frac{\\partial E}{\\partial w_5}")
    first = symbols(tree)
    first.add("mutated")
    assert symbols(tree) == walked(tree) == {"w_11^(2)", "a_1", "dE/dw_5"}
    assert symbols(read("x_1 + 2")) == {"x_1"}


def test_equal_trees_built_apart_get_their_own_answers():
    one, other = Bin("+", Sym("a"), Num(1.0, None, "1")), Bin("+", Sym("a"), Num(1.0, None, "1"))
    assert symbols(one) == symbols(other) == {"a"} and one is not other


def test_has_derivative_is_what_the_walk_says():
    for text in ("\\frac{\\partial E}{\\partial w_5} \\cdot 2", "a_1 \\cdot 0.5", "\\sigma(z_1) + [1, 2]",
                 "(\\frac{\\partial E}{\\partial a})^T"):
        tree = read(text)
        assert has_derivative(tree) == _has_derivative(tree) == has_derivative(tree)
    assert has_derivative(read("\\frac{\\partial E}{\\partial w_5} \\cdot 2"))
    assert not has_derivative(read("a_1 \\cdot 0.5"))
