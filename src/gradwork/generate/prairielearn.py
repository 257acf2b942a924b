"""What a PrairieLearn question's server.py calls: draw a variant, and mark a submission with gradwork's checker.

PrairieLearn passes one ``data`` dict through its question lifecycle. ``generate``
fills ``data["params"]`` (the sheet's HTML, the variant's problem file) and
``data["correct_answers"]``; ``grade`` marks ``data["submitted_answers"]`` as
``gradwork check`` would (carried-forward credit, named mistakes) and writes
``data["partial_scores"]``, ``data["score"]`` and ``data["feedback"]``, so a
student sees the diagnosis and is credited for numbers that follow from their own
earlier mistake.
"""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any

import numpy as np

from gradwork.generate.build import draw
from gradwork.generate.export import fragments, input_name
from gradwork.generate.template import read_template


def generate(data: dict[str, Any], template: str | Path) -> None:
    """Draw the variant of PrairieLearn's ``variant_seed`` and put it in ``data``."""
    parsed = read_template(Path(template))
    seed = int(data.get("variant_seed", 0)) % (2**63)
    variant = draw(parsed, seed, 0, "pl")
    given, questions = fragments(variant)
    params = data.setdefault("params", {})
    correct = data.setdefault("correct_answers", {})
    params["statement"] = given
    params["gradwork_problem"] = variant.problem_text
    params["gradwork_items"] = [item.key for item in variant.items]
    answers = variant.answers
    for number, (item, question) in enumerate(zip(variant.items, questions)):
        params[f"question_{number}"] = question
        value = answers["loss"] if item.section == "loss" else answers[item.section][item.entry]
        value = np.asarray(_floats(value), dtype=float)
        correct[input_name(item)] = float(value) if value.ndim == 0 else {
            "_type": "ndarray", "_value": value.tolist(), "_dtype": "float64"}


def grade(data: dict[str, Any]) -> None:
    """Mark the submission with gradwork's checker and write PrairieLearn's scores and feedback."""
    from gradwork.check import Checker, parse_answers
    from gradwork.problem import load, solve

    params = data["params"]
    solution = solve(load(params["gradwork_problem"]))
    submitted = data.get("submitted_answers", {})
    answers: dict[str, Any] = {}
    names: dict[str, str] = {}
    for key in params["gradwork_items"]:
        section, _, entry = key.partition(".")
        name = input_name(key)
        names[key] = name
        value = _submitted(submitted.get(name))
        if section == "loss":
            answers["loss"] = value
        else:
            answers.setdefault(section, {})[entry] = value
    marking = solution.marking
    report = Checker(solution).check(parse_answers(answers, "submission"), marking.tolerance)
    partial = data.setdefault("partial_scores", {})
    earned = possible = 0.0
    lines = []
    for result in report.items:
        name = names[result.key]
        weight = float(marking.points_for(result.key))
        credit = {"correct": 1.0, "carried_forward": float(marking.carried_forward),
                  "missing": float(marking.missing)}.get(result.status, 0.0)
        partial[name] = {"score": credit, "weight": weight, "feedback": result.message}
        earned += credit * weight
        possible += weight
        codes = f" [{', '.join(result.diagnosis)}]" if result.diagnosis else ""
        lines.append(f"<li><code>{escape(result.key)}</code>: {escape(result.status.replace('_', ' '))}"
                     f"{escape(codes)}. {escape(result.message)}</li>")
    data["score"] = earned / possible if possible else 0.0
    data.setdefault("feedback", {})["gradwork"] = (
        f"<p>Marked by gradwork to {escape(report.tolerance.describe())}.</p><ul>" + "".join(lines) + "</ul>")


def _submitted(value: Any) -> Any:
    """A PrairieLearn submitted answer as an answers-file value (None when blank)."""
    if value is None:
        return None
    if isinstance(value, dict) and value.get("_type") == "ndarray":
        return value.get("_value")
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return value


def _floats(value: Any) -> Any:
    if isinstance(value, list):
        return [_floats(v) for v in value]
    if isinstance(value, str):
        from fractions import Fraction

        return float(Fraction(value))
    return float(value)
