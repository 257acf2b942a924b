"""Submissions a teacher would expect marked the same everywhere, made from a variant's own numbers.

Each is an answers file's data (docs/format.md), computed by gradwork's replays, never typed in:

* ``right``: the key;
* ``wrong_derivative``: an activation's derivative wrong (check's ``activation_derivative`` model; ``sign``
  where the exercise has no activation), everything after it computed with it;
* ``carried_slip``: the first computed forward value written wrong (x 1.1 + 0.05), every later item
  computed from that wrong number (check's replay with the student's number put in);
* ``bias_not_updated``: the biases left at their initial values (None where the exercise has no bias);
* ``blank``: nothing answered (every asked item null).
"""

from __future__ import annotations

from typing import Any

import numpy as np

CASES = ("right", "wrong_derivative", "carried_slip", "bias_not_updated", "blank")


def submissions(variant: Any) -> dict[str, dict[str, Any] | None]:
    planter = variant.candidate.planter
    out: dict[str, dict[str, Any] | None] = {"right": _plain(variant.answers)}
    for code in ("activation_derivative", "sign"):
        planted = planter.plant(code)
        if planted is not None:
            out["wrong_derivative"] = _plain(planted[1])
            break
    else:
        out["wrong_derivative"] = None
    out["carried_slip"] = _slip(variant)
    planted = planter.plant("bias_not_updated")
    out["bias_not_updated"] = None if planted is None else _plain(planted[1])
    out["blank"] = _plain(_blank(variant))
    return out


def _blank(variant: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for item in variant.items:
        if item.section == "loss":
            out["loss"] = None
        else:
            out.setdefault(item.section, {})[item.entry] = None
    return out


def _slip(variant: Any) -> dict[str, Any] | None:
    from gradwork.check.replay import NOTHING, Place, Substitutions, replay

    planter = variant.candidate.planter
    graph = planter.marker.graph
    for item in variant.items:
        if item.section != "values" or item.index is not None or item.name not in graph.names:
            continue
        node = graph.names[item.name]
        if graph.nodes[node].op is None:
            continue  # given data
        right = np.asarray(planter.right[item], dtype=float)
        slipped = right * 1.1 + 0.05
        substitutions = Substitutions()
        substitutions.add(Place("value", node), None, slipped)
        state = replay(graph, NOTHING, substitutions)
        numbers = {other: planter._read(state, other) for other in variant.items}
        numbers[item] = slipped
        return _plain(planter._answers(numbers))
    return None


def _plain(value: Any) -> Any:
    """JSON-ready: exact fractions ("3/8") become floats, arrays lists."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [_plain(item) for item in value]
    if isinstance(value, str):
        from fractions import Fraction

        return float(Fraction(value))
    if value is None:
        return None
    return float(value)


def value_of(answers: dict[str, Any], key: str) -> Any:
    section, _, entry = key.partition(".")
    if section == "loss":
        return answers.get("loss")
    return (answers.get(section) or {}).get(entry)


def pl_raw(answers: dict[str, Any], specs: list[dict[str, Any]]) -> dict[str, str]:
    """An answers file as a student types it into the PrairieLearn question: a number, or [a b; c d]."""
    raw = {}
    for spec in specs:
        value = value_of(answers, spec["key"])
        if value is None:
            raw[spec["name"]] = ""
            continue
        array = np.asarray(value, dtype=float)
        if array.ndim == 0:
            raw[spec["name"]] = repr(float(array))
            continue
        if array.ndim == 1:
            array = array.reshape(-1, 1) if spec.get("column") else array.reshape(1, -1)
        raw[spec["name"]] = "[" + "; ".join(" ".join(repr(float(x)) for x in row) for row in array) + "]"
    return raw
