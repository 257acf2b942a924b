"""The notation model: names read in plain, Unicode or LaTeX form; one symbol per quantity; quantity keys named."""

from __future__ import annotations

from pathlib import Path

import pytest

from gradwork.problem import ProblemError, load, solve
from gradwork.problem.notation import NameError_, Symbol, notation, parse_name

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.mark.parametrize(("written", "text", "plain"), [
    ("w1", "w₁", "w1"),
    ("w_1", "w₁", "w1"),
    ("v_{11}", "v₁₁", "v11"),
    ("$v_{11}$", "v₁₁", "v11"),
    (r"\hat{y}", "ŷ", "y_hat"),
    ("ŷ", "ŷ", "y_hat"),
    (r"\bar x", "x̄", "x_bar"),
    ("net_h1", "netₕ₁", "net_h1"),
    (r"net_{h1}", "netₕ₁", "net_h1"),
    ("E_total", "E_total", "E_total"),
    (r"E_{\text{total}}", "E_total", "E_total"),
    (r"\delta_3", "δ₃", "delta3"),
    ("δ₃", "δ₃", "delta3"),
    ("w^{(1)}_{12}", "w⁽¹⁾₁₂", "w^(1)_12"),
    ("w⁽¹⁾₁₂", "w⁽¹⁾₁₂", "w^(1)_12"),
    ("J", "J", "J"),
    ("out_o1", "outₒ₁", "out_o1"),
])
def test_a_name_reads_the_same_in_every_form(written: str, text: str, plain: str) -> None:
    symbol = parse_name(written)
    assert symbol.text() == text
    assert symbol.plain() == plain


def test_the_same_symbol_whatever_the_writing() -> None:
    assert parse_name(r"\hat{y}") == parse_name("ŷ") == parse_name(r"\hat y")
    assert parse_name(r"\delta_3") == parse_name("δ₃") == parse_name("δ_{3}")
    assert parse_name("v_{11}") == parse_name("v₁₁") == parse_name("v11")


@pytest.mark.parametrize("written", [r"\frac{a}{b}", "a + b", "", "w'", "2w", r"\hat{\hat{y}}", "x__1"])
def test_what_is_not_a_name_is_refused(written: str) -> None:
    with pytest.raises(NameError_, match="expected a symbol"):
        parse_name(written)


def test_a_latex_name_in_a_problem_is_checked_at_its_line() -> None:
    text = (EXAMPLES / "seed002_exam4a_row.yaml").read_text(encoding="utf-8")
    bad = text.replace("output.a: a3", r"output.a: '\frac{a}{3}'")
    with pytest.raises(ProblemError) as error:
        load(bad)
    assert error.value.line == bad.splitlines().index(r"  output.a: '\frac{a}{3}'") + 1
    good = solve(load(text.replace("output.a: a3", r"output.a: '\hat{y}'")))
    assert notation(good).quantity("values.output.a").text() == "ŷ"


SEED002 = EXAMPLES / "seed002_exam4a_row.yaml"


@pytest.mark.parametrize(("key", "text", "plain"), [
    ("loss", "J", "J"),
    ("values.hidden.z", "z⁽¹⁾", "z^(1)"),
    ("values.hidden.z[0]", "z₁", "z1"),
    ("values.output.a", "a₃", "a3"),
    ("gradients.hidden.W[0,1]", "∂J/∂w₃", "dJ/dw3"),
    ("gradients.hidden.W", "∂J/∂W⁽¹⁾", "dJ/dW^(1)"),
    ("updated.output.W[1]", "w₆′", "w6'"),
    ("updated.output.b", "b₃′", "b3'"),
    ("updated.hidden.b", "b′⁽¹⁾", "b'^(1)"),
    ("values.input[1]", "i₂", "i2"),
])
def test_seed002_quantities_in_its_own_symbols(key: str, text: str, plain: str) -> None:
    written = notation(solve(load(SEED002)))
    assert written.quantity(key).text() == text
    assert written.quantity(key).plain() == plain


def test_convention_without_names() -> None:
    text = (EXAMPLES / "seed002_exam4a_row.yaml").read_text(encoding="utf-8").split("names:")[0]
    written = notation(solve(load(text)))
    assert written.quantity("gradients.hidden.W[0,1]").text() == "∂L/∂w⁽¹⁾₁₂"
    assert written.quantity("values.output.a").text() == "a⁽²⁾"
    assert written.symbol("target").text() == "t"
    assert written.quantity("gradients.output.b").plain() == "dL/db^(2)"


def test_a_convention_symbol_that_would_print_like_a_named_one_is_relettered() -> None:
    text = (EXAMPLES / "seed002_exam4a_row.yaml").read_text(encoding="utf-8").split("names:")[0]
    written = notation(solve(load(text + "names: {hidden.a: x, output.a: t1}\n")))
    assert written.symbol("hidden.a").text() == "x"
    assert written.symbol("input").text() not in ("x",)  # the input is no longer written x
    assert written.symbol("target").letter != "t"  # target and output never share a letter
    symbols = [s.text() for s in written.symbols.values()]
    assert len(symbols) == len(set(symbols))


def test_every_example_writes_each_quantity_with_its_own_symbol() -> None:
    for path in sorted(EXAMPLES.glob("*.y*ml")) + sorted(EXAMPLES.glob("*.toml")):
        if "train" in path.name:
            continue
        solution = solve(load(path))
        written = notation(solution)
        seen: dict[str, str] = {}
        for node, symbol in written.symbols.items():
            if node == "loss" and any(t is solution.loss for n, t in solution.nodes.items() if n != "loss"):
                continue  # a graph's loss is its output node: one quantity, one symbol
            forms = [symbol.text()] + [named.text() for _, named in symbol.elements]
            for form in forms:
                assert seen.setdefault(form, node) == node, f"{path.name}: {form} names {seen[form]} and {node}"


def test_step_indices_read_apart_from_layers_and_elements() -> None:
    network = notation(solve(load(SEED002)))
    velocity = Symbol("v", of=network.symbol("hidden.W"))
    assert network.at_step(velocity, 2).text() == "v_(W⁽¹⁾)[2]"
    graph = notation(solve(load(EXAMPLES / "seed003_7_2_graph.yaml")))
    assert graph.at_step(graph.loss, 2).text().endswith("⁽²⁾")
