"""names:, ask: and marking: in problem files: parsed once in problem/, errors at FILE:LINE:COL."""

from __future__ import annotations

from pathlib import Path

import pytest

from gradwork.problem import MarkingPolicy, Names, NodeRef, ProblemError, Quantity, Tolerance, load
from gradwork.problem.quantities import QuantityError

ROOT = Path(__file__).resolve().parents[2]
# The example ends with its own names: section; these tests write their own.
SEED002 = (ROOT / "examples" / "seed002_exam4a_row.yaml").read_text().split("\nnames:")[0] + "\n"
GRAPH = "inputs: {a: 1, b: 2}\ngraph:\n  e: a * b\n  L: e**2 / 2\n"


def _error(text: str) -> ProblemError:
    with pytest.raises(ProblemError) as caught:
        load(text).solve()
    return caught.value


def _line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


@pytest.mark.parametrize("text, section, name, index", [
    ("loss", "loss", None, None),
    ("values.output.a", "values", "output.a", None),
    ("gradients.hidden.W[1,0]", "gradients", "hidden.W", (1, 0)),
    ("updated.hidden.b[ 1 ]", "updated", "hidden.b", (1,)),
    ("gradients.x0", "gradients", "x0", None),
])
def test_quantity_parse_and_key(text: str, section: str, name: str | None, index: tuple[int, ...] | None) -> None:
    quantity = Quantity.parse(text)
    assert (quantity.section, quantity.name, quantity.index) == (section, name, index)
    assert Quantity.parse(quantity.key) == quantity
    assert quantity.whole.index is None


@pytest.mark.parametrize("text", ["", "grads.hidden.W", "gradients.", "values.hidden.W[a]", "gradients.W[-1]",
                                  "loss.x"])
def test_quantity_refuses_what_it_cannot_read(text: str) -> None:
    with pytest.raises(QuantityError):
        Quantity.parse(text)


def test_names_both_ways() -> None:
    names = Names({NodeRef("hidden.W", (0, 0)): "w1", NodeRef("loss"): "J"})
    assert names.symbol("hidden.W", (0, 0)) == "w1" and names.symbol("hidden.W") is None
    assert names.symbol("loss") == "J"
    assert names.lookup("w1") == ("hidden.W", (0, 0)) and names.lookup("w9") is None
    assert names.as_dict() == {"hidden.W[0,0]": "w1", "loss": "J"}
    assert not Names() and len(names) == 2


def test_problem_and_solution_carry_the_policy() -> None:
    text = SEED002 + (
        "names:\n  hidden.W[0,0]: w1\n  output.a: a3\n  loss: J\n"
        'ask: [loss, gradients.output.W, "updated.hidden.W[1,0]"]\n'
        "marking: {tolerance: {digits: 3}, points: {loss: 2, gradients.output.W: 3}, carried_forward: 0.5, "
        "missing: 0}\n")
    problem = load(text)
    assert problem.names.symbol("output.a") == "a3"
    assert [q.key for q in problem.ask] == ["loss", "gradients.output.W", "updated.hidden.W[1,0]"]
    assert problem.marking == MarkingPolicy(Tolerance.digits(3), {"loss": 2.0, "gradients.output.W": 3.0}, 0.5, 0.0,
                                            "problem")
    solution = problem.solve()
    assert solution.names == problem.names and solution.ask == problem.ask and solution.marking == problem.marking
    assert solution.marking.points_for("updated.hidden.W[1,0]") == 1.0
    assert solution.marking.points_for("gradients.output.W[0,1]") == 3.0  # an element has its node's points
    assert solution.marking.describe_tolerance() == "3 decimal places (the problem's marking:)"


def test_without_the_sections_nothing_is_asked_and_the_default_policy_applies() -> None:
    problem = load(SEED002)
    assert not problem.names and problem.ask == ()
    assert problem.marking.describe_tolerance() == "3 significant figures (the default)"
    assert problem.marking.with_tolerance(Tolerance.sigfigs(2), "command line").describe_tolerance() == (
        "2 significant figures (the command line)")


def test_graph_form_names_and_ask() -> None:
    problem = load(GRAPH + "names: {e: c}\nask: [loss, gradients.a]\n")
    assert problem.names.symbol("e") == "c" and problem.ask[1] == Quantity("gradients", "a")


@pytest.mark.parametrize("extra, needle, message", [
    ("names:\n  hidden.Q: w1\n", "hidden.Q", "names: 'hidden.Q' is not a node of this problem"),
    ('names:\n  "hidden.W[5,0]": w1\n', "hidden.W[5,0]",
     "names: hidden.W[5,0] is outside hidden.W, which has shape [2, 2]"),
    ("names:\n  output.a: w\n  output.z: w\n", "output.z", "names: 'w' already names 'output.a'"),
    ("ask: [gradients.hiden.W]\n", "ask:", "gradients has no 'hiden.W', did you mean 'hidden.W'?"),
    ("ask: [loss, loss]\n", "ask:", "'loss' is asked twice"),
    ('ask: ["values.output.a[3]"]\n', "ask:", "values.output.a[3] is outside output.a"),
    ("marking: {tolerance: {sigfigs: 0}}\n", "marking", "marking: sigfigs must be a whole number from 1 to 17"),
    ("marking: {points: {loss: -1}}\n", "marking", "marking: points must be a number above 0, not -1"),
    ("marking: {carried_forward: 2}\n", "marking", "marking: carried_forward must be a number from 0 to 1, not 2"),
    ("marking: {carried: 1}\n", "marking", "unknown key 'carried', did you mean 'carried_forward'?"),
    ("ask: [loss]\nmarking: {points: {gradients.output.W: 2}}\n", "marking",
     "marking: points for 'gradients.output.W', which is not in ask:"),
])
def test_bad_entries_are_one_line_at_their_place(extra: str, needle: str, message: str) -> None:
    text = SEED002 + extra
    error = _error(text)
    assert error.message.startswith(message), error.message
    assert error.line == _line_of(text, needle)
    assert "\n" not in str(error)


def test_nothing_updated_cannot_be_asked() -> None:
    error = _error(GRAPH + "ask: [updated.a]\n")
    assert "nothing is updated" in error.message


def test_a_single_unit_value_may_be_asked_as_element_zero() -> None:
    assert load(SEED002 + 'ask: ["values.output.a[0]"]\n').solve().ask[0].index == (0,)
