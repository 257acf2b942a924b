"""What marking produces: a verdict per answered item, as data and as FORMAT.md's JSON."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from gradwork.check.compare import Tolerance

Status = Literal["correct", "wrong", "carried_forward", "missing"]
STATUSES: tuple[Status, ...] = ("correct", "carried_forward", "wrong", "missing")


@dataclass(frozen=True)
class Finding:
    """One mistake model (or a pair: a computed mistake written down wrongly) that reproduces the answer."""

    codes: tuple[str, ...]  # FORMAT.md diagnosis codes, e.g. ("gradient_as_update", "softmax_diagonal_jacobian")
    notes: tuple[str, ...]  # what the student did, one per code
    rules: tuple[str, ...]  # the correct rule, one sentence per code


@dataclass(frozen=True)
class ItemResult:
    """The verdict on one answered key."""

    key: str  # "loss", "values.hidden.z", "gradients.hidden.W[1,0]", "updated.output.b"
    given: Any  # as the student wrote it (JSON-ready)
    expected: Any  # the correct value (JSON-ready)
    status: Status
    diagnosis: tuple[str, ...] = ()
    message: str = ""
    findings: tuple[Finding, ...] = ()
    carried_from: tuple[str, ...] = ()  # earlier wrong answers (and noted mistakes) this one follows from
    expected_given_yours: Any = None  # for carried_forward: the value given the student's earlier numbers
    elements: Any = None  # for an array: the status of each element, in its shape
    line: int = 0  # where the answer is written in the answers file

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"key": self.key, "given": self.given, "expected": self.expected,
                               "status": self.status, "diagnosis": list(self.diagnosis), "message": self.message}
        if self.carried_from:
            out["carried_from"] = list(self.carried_from)
        if self.expected_given_yours is not None:
            out["expected_given_yours"] = self.expected_given_yours
        if self.elements is not None:
            out["elements"] = self.elements
        return out


@dataclass(frozen=True)
class Report:
    """A marked answers file."""

    title: str
    answers: str  # the answers file's name
    tolerance: Tolerance
    tolerance_stated: bool  # False when the default was used
    items: tuple[ItemResult, ...] = field(default_factory=tuple)

    @property
    def correct(self) -> int:
        """Items credited: correct, or carried forward (right given the student's earlier numbers)."""
        return sum(item.status in ("correct", "carried_forward") for item in self.items)

    @property
    def total(self) -> int:
        return len(self.items)

    @property
    def all_correct(self) -> bool:
        return all(item.status == "correct" for item in self.items)

    def counts(self) -> dict[str, int]:
        return {status: sum(item.status == status for item in self.items) for status in STATUSES}

    def item(self, key: str) -> ItemResult:
        for item in self.items:
            if item.key == key:
                return item
        raise KeyError(key)

    def to_json(self) -> dict[str, Any]:
        """FORMAT.md's ``check --format json`` object, plus "title", "tolerance" and "counts"."""
        return {
            "score": {"correct": self.correct, "total": self.total},
            "items": [item.to_json() for item in self.items],
            "title": self.title,
            "tolerance": {**self.tolerance.as_dict(), "text": self.tolerance.describe(),
                          "default": not self.tolerance_stated},
            "counts": self.counts(),
        }
