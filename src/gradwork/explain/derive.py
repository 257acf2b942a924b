"""From a solved problem to its worked derivation (pure data).

``derive(solution, style)`` returns a :class:`~gradwork.explain.steps.Derivation`:
setup, forward pass, loss, backward pass in the chosen style, update, summary
and pitfalls, in that order. Every number comes from the engine's values and
gradients; every formula from the op registry's notation and rule templates.

This module puts the sections in order; each is built by its own module:
:mod:`~gradwork.explain.setup`, :mod:`~gradwork.explain.forward` (forward pass
and loss), :mod:`~gradwork.explain.backward` (in the chosen style),
:mod:`~gradwork.explain.optimizer` (an optimizer's own working) and
:mod:`~gradwork.explain.summary` (update, summary, answers, pitfalls).
"""

from __future__ import annotations

from typing import Literal

from gradwork.explain import backward, optimizer
from gradwork.explain.forward import forward_section, loss_section
from gradwork.explain.graph import NamedGraph
from gradwork.explain.math import as_rows
from gradwork.explain.setup import setup_section
from gradwork.explain.steps import Derivation, Section
from gradwork.explain.summary import answers_section, pitfall_steps, summary_section, update_section
from gradwork.explain.symbols import symbol_table
from gradwork.problem import Solution

Style = Literal["chain", "delta", "matrix"]
STYLES: tuple[str, ...] = ("chain", "delta", "matrix")


def derive(solution: Solution, style: Style = "chain", notes: bool = False) -> Derivation:
    """The worked solution as steps. ``notes``: keep the teacher's implementation remarks (how the engine
    derived a formula activation, conventions by their option names); a student's page has none."""
    if style not in STYLES:
        raise ValueError(f"unknown style {style!r} (expected chain, delta or matrix)")
    symbols = symbol_table(solution)
    graph = NamedGraph(solution, symbols)
    sections = [
        setup_section(solution, graph, notes),
        forward_section(solution, graph),
    ]
    if solution.loss is not None:
        sections.append(loss_section(solution, graph))
    sections.append(backward.section(solution, graph, style))
    if optimizer.needed(solution):  # momentum, Adam, several steps: the optimizer's own working, step by step
        sections.extend(optimizer.sections(solution, graph))
    elif solution.parameters and solution.optimizer.name != "none":
        sections.append(update_section(solution, graph, per_weight=style == "chain"))
    sections.append(summary_section(solution, graph))
    if getattr(solution, "ask", ()):
        sections.append(answers_section(solution, graph))
    pitfalls = pitfall_steps(solution, graph, notes)
    if pitfalls:
        sections.append(Section("Watch out", "summary", tuple(pitfalls)))
    vectors: Literal["row", "column"] = "row" if solution.form == "network" and solution.convention == "row" \
        else "column"
    if vectors == "row":
        sections = [as_rows(section) for section in sections]
    return Derivation(solution.title, style, solution.mode, tuple(sections), symbols, vectors)
