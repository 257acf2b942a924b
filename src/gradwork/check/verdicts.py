"""Phase 4 of checking: an item's verdict, feedback and points, as the report holds them.

An array is judged per element; the item is *wrong* if an element is wrong,
else *missing* if one is blank, else *carried_forward* if one is, else
*correct*. Points follow the teacher's policy: an item's points in full when
correct, the ``carried_forward`` fraction of them when carried forward, the
``missing`` fraction when blank, none when wrong.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from gradwork.check import feedback
from gradwork.check.answers import Answer
from gradwork.numbers.tolerance import Tolerance
from gradwork.check.diagnose import codes_of, read
from gradwork.check.items import Item
from gradwork.check.mistakes import MISTAKES, Variant
from gradwork.check.models import Models
from gradwork.check.report import Finding, ItemResult
from gradwork.numbers.marking import MarkingPolicy
from gradwork.problem.numbers import jsonify


def result(models: Models, item: Item, tol: Tolerance, reveal: bool = True, *, policy: MarkingPolicy | None = None,
           listed_only: bool = False) -> ItemResult:
    """The verdict on one judged item: with ``policy``, its points under it (as :func:`with_points` sets them);
    ``listed_only``: an item listed, never scored (no points); else the points are not yet set.

    ``reveal=False``: nothing in it gives the answer away (no expected number, no value "your numbers give"),
    for graders that show feedback while a student may still try again.
    """
    correct, accepted = item.correct.reshape(-1).tolist(), item.accepted.reshape(-1).tolist()
    each = [_STATUS[(b, r or a, c)] for b, r, a, c in zip(item.blank.reshape(-1).tolist(), correct, accepted,
                                                          item.carried.reshape(-1).tolist())]
    flat = set(each)
    if "wrong" in flat:
        status = "wrong"
    elif "missing" in flat:
        status = "missing"
    elif "carried_forward" in flat:
        status = "carried_forward"
    else:
        status = "correct"
    expected = read(models.clean, item)
    expected_json = _expected_json(models, item) if expected is not None and reveal else None
    wrong = status == "wrong"
    codes = codes_of(item.findings) if wrong else ()
    findings = tuple(finding(c) for c in item.findings) if wrong else ()
    carried_from = item.carried_from if status in ("carried_forward", "wrong") else ()
    carried_value = item.carried_value if status == "carried_forward" or item.charged_codes else None
    bk = models.graph.backend
    own_rounding = any(accepted) and not all(correct)
    if status == "correct":  # the message of most items: no facts to gather
        text = feedback.correct_message(own_rounding)
    else:
        text = feedback.message(feedback.Facts(
            status=status, given=item.answer.value, expected=expected, tolerance=tol,
            exact=item.given.dtype == object and _symbolic(item.given), own_rounding=own_rounding,
            carried_from=carried_from, carried_value=carried_value, findings=findings, diagnosis=codes,
            repeated=item.repeated if status == "carried_forward" else (),
            charged_every_item=bool(item.charged_codes), name=models.graph.key_text, reveal=reveal))
    key = item.answer.key
    if policy is not None:
        points, max_points = _points(key, status, policy)
    else:
        points, max_points = 0.0, 0.0 if listed_only else 1.0
    return ItemResult(
        key=key, given=item.answer.value,
        expected=expected_json,
        status=status,  # type: ignore[arg-type]
        diagnosis=codes, message=text, findings=findings if reveal else tuple(
            replace(f, notes=f.hints) for f in findings), carried_from=carried_from,
        expected_given_yours=None if carried_value is None or not reveal else jsonify(carried_value, bk),
        elements=np.array(each).reshape(item.blank.shape).tolist() if item.blank.ndim and len(flat) > 1 else None,
        line=item.answer.line, symbol=symbol(models, item.answer), points=points, max_points=max_points,
    )


# An element's status from (blank, correct or accepted, carried): blank first, then right, then carried forward.
_STATUS = {(b, r, c): "missing" if b else "correct" if r else "carried_forward" if c else "wrong"
           for b in (False, True) for r in (False, True) for c in (False, True)}


def _expected_json(models: Models, item: Item) -> Any:
    """The correct value of the item as JSON, worked out once per problem and key (a fresh copy each time)."""
    cache = models.__dict__.setdefault("_expected_json", {})
    key = item.answer.key  # one place and element per key
    found = cache.get(key)
    if found is None:
        found = cache[key] = jsonify(read(models.clean, item), models.graph.backend)
    return _copied(found)


def _copied(value: Any) -> Any:
    return [_copied(v) for v in value] if isinstance(value, list) else value


def finding(combination: tuple[Variant, ...]) -> Finding:
    ordered = _ordered(combination)
    return Finding(tuple(v.code for v in ordered), tuple(v.note + v.reveals for v in ordered),
                   tuple(v.rule or MISTAKES[v.code].rule for v in ordered), tuple(v.note for v in ordered))


def symbol(models: Models, answer: Answer) -> str | None:
    """How the problem writes the item (its notation: ``names:``, else the course convention): ``∂J/∂w₃``."""
    key = answer.key
    known = models.__dict__.setdefault("_symbols", {})  # once per problem and key
    if key not in known:
        text = models.graph.key_text(key)
        known[key] = None if text == key else text
    return known[key]


def with_points(result: ItemResult, policy: MarkingPolicy) -> ItemResult:
    """The item's points under the policy: in full, the carried-forward or blank fraction, or none."""
    points, worth = _points(result.key, result.status, policy)
    return replace(result, points=points, max_points=worth)


def _points(key: str, status: str, policy: MarkingPolicy) -> tuple[float, float]:
    """(earned, the item's points) under the policy."""
    worth = policy.points_for(key)
    shares = {"correct": 1.0, "carried_forward": policy.carried_forward, "missing": policy.missing}
    share = shares.get(status, 0.0)
    return worth * share, worth


def _ordered(combination: tuple[Variant, ...]) -> tuple[Variant, ...]:
    order = list(MISTAKES)
    return tuple(sorted(combination, key=lambda v: order.index(v.code)))


def _symbolic(array: np.ndarray) -> bool:
    return any(hasattr(v, "free_symbols") and v.free_symbols for v in array.reshape(-1))
