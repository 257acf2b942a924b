"""Gate notes for graph problems (add distributes, multiply swaps, max routes) and indexing that is no fork."""

from pathlib import Path

import pytest

import gradwork
from gradwork.explain.steps import Factor, Prose
from gradwork.ops import get_op

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
NOTES = {get_op(name).sentence: name for name in ("add", "mul", "maximum")}


def notes_after(derivation):
    """(gate op, the step just before its note) for each gate note in the backward pass."""
    backward = next(section for section in derivation.sections if section.phase == "backward").steps
    return [(NOTES[step.text], backward[i - 1]) for i, step in enumerate(backward)
            if isinstance(step, Prose) and step.text in NOTES]


def test_each_gate_is_explained_once_right_after_its_first_factor():
    derivation = gradwork.load(EXAMPLES / "cs231n_max_gate.yaml").solve().derivation("chain")
    found = notes_after(derivation)
    assert [op for op, _ in found] == ["mul", "add", "maximum"]
    # f = 2 * s: the multiply gate; s = q + m: the add gate; m = max(z, w): the max gate.
    assert [(type(step), step.node) for _, step in found] == [(Factor, "f"), (Factor, "s"), (Factor, "m")]
    assert "routes the upstream gradient to the larger input" in get_op("maximum").sentence
    assert "tie" in get_op("maximum").sentence and "first operand" in get_op("maximum").sentence


def test_node_by_node_the_note_follows_the_gradient_that_passed_the_gate():
    derivation = gradwork.load(EXAMPLES / "cs231n_max_gate.yaml").solve().derivation("matrix")
    assert [(op, step.node) for op, step in notes_after(derivation)] == [("mul", "s"), ("add", "m"),
                                                                          ("maximum", "w")]
    text = gradwork.load(EXAMPLES / "cs231n_max_gate.yaml").solve().render("text", style="matrix")
    assert text.count("The add gate distributes") == 1 and text.count("The max gate routes") == 1


@pytest.mark.parametrize("example", ["seed002_exam4a_row.yaml", "mazur_step_by_step.yaml"])
def test_networks_get_no_gate_notes(example):
    text = gradwork.load(EXAMPLES / example).solve().render("text", style="chain")
    assert "gate" not in text


def test_separate_indexing_is_not_called_a_fork():
    text = gradwork.load(EXAMPLES / "cs231n_neuron.yaml").solve().render("text", style="matrix")
    assert "used 3 times" not in text and "used 2 times" not in text
    assert text.count("Each element of this value is used on its own") == 2  # w and x


def test_a_real_fork_still_adds_up(tmp_path):
    problem = tmp_path / "fork.yaml"
    problem.write_text("inputs: {x: [1, 2]}\ngraph:\n  a: x[0] * x[0]\n  f: a + x[1]\noutput: f\n")
    text = gradwork.load(problem).solve().render("text", style="matrix")
    assert "This value is used 3 times" in text and "sum of the gradients along every path" in text
