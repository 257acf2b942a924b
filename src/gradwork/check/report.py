"""What marking produces: a verdict and points per item, the policy used, as data and as docs/format.md's JSON.

The score counts only the *scored* items: the problem's ``ask:`` list when it
has one (an unanswered asked item is ``missing``), else every item the
student answered. Items a student gave that were not asked are listed in
``not_asked`` with their verdicts, and never change the score. Points follow
the teacher's :class:`~gradwork.problem.MarkingPolicy`: an item's points in
full when correct, ``carried_forward`` times them when carried forward,
``missing`` times them when left blank, none when wrong.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from gradwork.check.render import render_html, render_markdown
from gradwork.numbers.marking import MarkingPolicy
from gradwork.numbers.tolerance import Tolerance

Status = Literal["correct", "wrong", "carried_forward", "missing"]
STATUSES: tuple[Status, ...] = ("correct", "carried_forward", "wrong", "missing")


@dataclass(frozen=True)
class Finding:
    """One mistake model (or a pair: a computed mistake written down wrongly) that reproduces the answer."""

    codes: tuple[str, ...]  # docs/format.md diagnosis codes, e.g. ("gradient_as_update", "softmax_diagonal_jacobian")
    notes: tuple[str, ...]  # what the student did, one per code
    rules: tuple[str, ...]  # the correct rule, one sentence per code
    hints: tuple[str, ...] = ()  # the notes without the numbers that would give the answer away


@dataclass(frozen=True)
class ItemResult:
    """The verdict on one item."""

    key: str  # "loss", "values.hidden.z", "gradients.hidden.W[1,0]", "updated.output.b"
    given: Any  # as the student wrote it (JSON-ready); None when left blank or not answered
    expected: Any  # the correct value (JSON-ready, as ``solve --format json`` writes it)
    status: Status
    diagnosis: tuple[str, ...] = ()
    message: str = ""
    findings: tuple[Finding, ...] = ()
    carried_from: tuple[str, ...] = ()  # earlier wrong answers (and noted mistakes) this one follows from
    expected_given_yours: Any = None  # for carried_forward: the value given the student's earlier numbers
    elements: Any = None  # for an array: the status of each element, in its shape
    line: int = 0  # where the answer is written in the answers file (0: not answered)
    points: float = 0.0  # earned
    max_points: float = 1.0  # the item's points in the policy
    symbol: str | None = None  # the problem's own name for the quantity (``names:``)

    @property
    def label(self) -> str:
        """How a student reads the item: the problem's own symbol (``b₃′``, ``∂J/∂w₃``), the notation model's;
        the key (``updated.output.b``) stays in the JSON, for programs."""
        return self.symbol or self.key

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"key": self.key, "given": self.given, "expected": self.expected,
                               "status": self.status, "diagnosis": list(self.diagnosis), "message": self.message,
                               "points": _number(self.points), "max_points": _number(self.max_points)}
        if self.symbol:
            out["symbol"] = self.symbol
        if self.carried_from:
            out["carried_from"] = list(self.carried_from)
        if self.expected_given_yours is not None:
            out["expected_given_yours"] = self.expected_given_yours
        if self.elements is not None:
            out["elements"] = self.elements
        return out


@dataclass(frozen=True, repr=False)
class Report:
    """A checked answers file (in Jupyter: a table with each item's feedback)."""

    title: str
    answers: str  # the answers file's name
    policy: MarkingPolicy
    items: tuple[ItemResult, ...] = field(default_factory=tuple)  # the scored items, in the order asked
    not_asked: tuple[ItemResult, ...] = ()  # given by the student but not asked: listed, not scored
    asked: bool = False  # True when the problem's ask: fixed the scored items
    warnings: tuple[str, ...] = ()  # e.g. an answers file's own tolerance, ignored

    def __repr__(self) -> str:
        return (f"Report({self.answers!r}: {_number(self.points)}/{_number(self.max_points)} points, "
                f"{self.correct} of {self.total} items credited)")

    # ------------------------------------------------------------ the score
    @property
    def tolerance(self) -> Tolerance:
        return self.policy.effective_tolerance

    @property
    def tolerance_stated(self) -> bool:
        """False when the default tolerance was used."""
        return self.policy.tolerance_source != "default"

    @property
    def correct(self) -> int:
        """Items credited: correct, or carried forward (right given the student's earlier numbers)."""
        return sum(item.status in ("correct", "carried_forward") for item in self.items)

    @property
    def total(self) -> int:
        return len(self.items)

    @property
    def points(self) -> float:
        return sum(item.points for item in self.items)

    @property
    def max_points(self) -> float:
        return sum(item.max_points for item in self.items)

    @property
    def answered(self) -> bool:
        """False when the file answers nothing (every item blank or unanswered): "nothing answered", never a pass."""
        return any(item.given is not None and item.line > 0 and _has_number(item.given) for item in self.all_items)

    @property
    def all_correct(self) -> bool:
        return self.answered and all(item.status == "correct" for item in self.items)

    @property
    def diagnoses(self) -> tuple[str, ...]:
        """Every diagnosis code of the scored items, each once, in the order they first occur."""
        return tuple(dict.fromkeys(code for item in self.items for code in item.diagnosis))

    def counts(self) -> dict[str, int]:
        return {status: sum(item.status == status for item in self.items) for status in STATUSES}

    @property
    def all_items(self) -> tuple[ItemResult, ...]:
        """The scored items, then the ones given but not asked."""
        return (*self.items, *self.not_asked)

    def item(self, key: str) -> ItemResult:
        """An item by key, scored or not asked; raises KeyError."""
        for item in self.all_items:
            if item.key == key:
                return item
        raise KeyError(key)

    def policy_text(self) -> str:
        """One line stating the policy and where its tolerance came from, for every report."""
        return describe_policy(self.policy)

    # ------------------------------------------------------------ output
    def to_json(self) -> dict[str, Any]:
        """docs/format.md's ``check --format json`` object, plus the policy, the items not asked and warnings."""
        return {
            "score": {"correct": self.correct, "total": self.total, "points": _number(self.points),
                      "max_points": _number(self.max_points)},
            "items": [item.to_json() for item in self.items],
            "not_asked": [item.to_json() for item in self.not_asked],
            "title": self.title,
            "marking": {**self.policy.as_dict(), "text": self.policy_text(), "asked": self.asked},
            "tolerance": {**self.tolerance.as_dict(), "text": self.tolerance.describe(),
                          "source": self.policy.tolerance_source, "default": not self.tolerance_stated},
            "counts": self.counts(),
            "answered": self.answered,
            "warnings": list(self.warnings),
        }

    def _repr_markdown_(self) -> str:
        return render_markdown(self)

    def _repr_html_(self) -> str:
        return render_html(self)


def describe_policy(policy: MarkingPolicy) -> str:
    """E.g. "numbers compared to 3 significant figures (the default); 1 point per item; carried forward 100%"."""
    parts = [f"numbers compared to {policy.describe_tolerance()}"]
    if policy.points:
        parts.append("points " + ", ".join(f"{key} {_points(value)}" for key, value in policy.points.items())
                     + ", 1 for any other item")
    else:
        parts.append("1 point per item")
    parts.append(f"carried forward earns {policy.carried_forward:.0%}")
    parts.append("a mistake is charged once, at the first item it makes wrong" if policy.charge == "once"
                 else "a mistake is charged on every item it makes wrong")
    parts.append(f"a blank earns {policy.missing:.0%}")
    return "; ".join(parts)


def _has_number(value: Any) -> bool:
    if isinstance(value, list):
        return any(_has_number(v) for v in value)
    return value is not None


def _number(value: float) -> float | int:
    return int(value) if float(value).is_integer() else round(float(value), 6)


def _points(value: float) -> str:
    return str(_number(value))
