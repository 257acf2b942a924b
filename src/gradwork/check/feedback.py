"""What a student reads about one item: the wording of check's feedback (docs/check.md, "Feedback, by example").

Marking (:mod:`gradwork.check.marker`) decides verdicts and findings as data;
this module turns them into one short paragraph per item. Numbers are shown
by :mod:`gradwork.numbers.display`, the rounding explain uses too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from gradwork.numbers.tolerance import Tolerance
from gradwork.check.report import Finding
from gradwork.numbers.display import array_text

GIVEN_DIGITS = 12  # what the student wrote is shown as written (no rounding of their number)


@dataclass(frozen=True)
class Facts:
    """What marking found about one item, for its message."""

    status: str
    given: Any  # as written
    expected: Any  # the correct value (array or number)
    tolerance: Tolerance
    exact: bool = False  # compared exactly (symbolic formulas): no tolerance to state
    own_rounding: bool = False  # correct only given the student's own earlier (rounded) numbers
    carried_from: tuple[str, ...] = ()
    carried_value: Any = None  # for carried_forward: what the student's earlier numbers give
    findings: tuple[Finding, ...] = ()
    diagnosis: tuple[str, ...] = ()
    symbol: str | None = None  # the problem's own name for the quantity (names:), when it has one
    repeated: tuple[str, ...] = ()  # codes of a mistake already charged earlier, made again here (credited)
    name: Callable[[str], str] = str  # a quantity key as the problem writes it (its notation)
    reveal: bool = True  # False: no expected number nor "which give" value (feedback shown between tries)
    charged_every_item: bool = False  # right given a mistake, charged again by the teacher's policy


def digits_for(tolerance: Tolerance) -> int:
    """How many significant figures an expected number is shown with: one more than the tolerance asks."""
    return max(4, tolerance.places + 1 if tolerance.kind != "rtol" else 6)


def correct_message(own_rounding: bool = False) -> str:
    """A correct item's feedback (:func:`message` of its facts)."""
    return "correct, given your own earlier (rounded) numbers" if own_rounding else "correct"


def message(facts: Facts) -> str:
    """The item's one-paragraph feedback."""
    if facts.status == "correct":
        return correct_message(facts.own_rounding)
    digits = digits_for(facts.tolerance)
    reveal = facts.reveal
    expected = array_text(facts.expected, digits)
    correct_value = f" (the correct value is {expected})" if reveal else ""
    given_yours = _given(facts.carried_from, facts.name)
    if facts.status == "missing":
        return f"left blank; expected {expected}" if reveal else "left blank"
    if facts.status == "carried_forward" and facts.repeated:
        return (f"the same mistake again ({', '.join(facts.repeated)}): it is charged once, at its first item, "
                f"so this is credited{correct_value}")
    if facts.status == "carried_forward":
        gives = f", which give {array_text(facts.carried_value, digits)}" if reveal else ""
        return f"right given {given_yours or 'your earlier answers'}{gives}{correct_value}"
    within = "exactly" if facts.exact else facts.tolerance.short()
    wrote = f"you wrote {array_text(facts.given, GIVEN_DIGITS)}"
    if facts.charged_every_item:
        text = (f"{wrote}, expected {expected}: right" if reveal else f"{wrote}: right") + \
               f" given {given_yours or 'your earlier answers'}, but the teacher charges a mistake on every item " \
               "it makes wrong."
        return text + (" [" + ", ".join(facts.diagnosis) + "]" if facts.diagnosis else "")
    text = f"{wrote}, expected {expected} ({within})" if reveal else f"{wrote}, which is not right ({within})"
    if given_yours:
        text += f"; given {given_yours}"
    text += "."
    if facts.findings:
        notes = ["; ".join(finding.notes if reveal else finding.hints or finding.notes)
                 for finding in facts.findings]
        rules: list[str] = []
        for finding in facts.findings:
            rules.extend(rule for rule in finding.rules if rule not in rules)
        text += " " + " Or: ".join(note[:1].upper() + note[1:] + "." for note in notes)
        text += " " + " ".join(rules) + " [" + ", ".join(facts.diagnosis) + "]"
    return text


def _given(carried_from: tuple[str, ...], name: Callable[[str], str] = str) -> str:
    """"your a₃ and the log_base_10 mistake (charged at J)": answers (as the problem writes them), then mistakes."""
    answers = [name(part) for part in carried_from if not part.startswith("the ")]
    mistakes = [part for part in carried_from if part.startswith("the ")]
    parts = (["your " + ", ".join(answers)] if answers else []) + mistakes
    return " and ".join(parts)
