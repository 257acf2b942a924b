"""The teacher's marking policy: ``marking:`` in the problem file, overridden by command-line flags.

    marking:
      tolerance: {sigfigs: 3}          # or {digits: 2}, or {rtol: 0.001, atol: 1e-8}
      points: {loss: 2, gradients.output.W: 3}   # per asked item; 1 when not listed
      carried_forward: 1.0             # fraction of an item's points for a carried-forward answer
      missing: 0                       # fraction of an item's points for an unanswered item
      charge: once                     # a mistake costs the first item it makes wrong; every_item: each one
      other_variant_credit: false      # true: another variant's key keeps carried-forward credit

The policy belongs to the teacher: an answers file cannot change it (its own
``tolerance:`` is ignored unless ``check --allow-answer-tolerance``), and a
score depends only on the student's own answers and this policy. Every report
says which tolerance was used and where it came from (:attr:`MarkingPolicy.tolerance_source`).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Literal

from gradwork.numbers.tolerance import DEFAULT, Tolerance

ToleranceSource = Literal["default", "problem", "command line", "answers file"]
Charge = Literal["once", "every_item"]
CHARGES: tuple[Charge, ...] = ("once", "every_item")

SOURCE_WORDS: dict[str, str] = {
    "default": "the default",
    "problem": "the problem's marking:",
    "command line": "the command line",
    "answers file": "the answers file (allowed by --allow-answer-tolerance)",
}


@dataclass(frozen=True)
class MarkingPolicy:
    """How answers are scored. ``points`` maps quantity keys (``gradients.hidden.W``) to points."""

    tolerance: Tolerance | None = None  # None: the default, 3 significant figures
    points: dict[str, float] = field(default_factory=dict)
    carried_forward: float = 1.0
    missing: float = 0.0
    tolerance_source: ToleranceSource = "default"
    charge: Charge = "once"  # a mistake is charged at the first item it makes wrong; "every_item": on each
    other_variant_credit: bool = False  # a submission of another variant's key keeps carried-forward credit

    @property
    def effective_tolerance(self) -> Tolerance:
        return self.tolerance or DEFAULT

    def points_for(self, key: str) -> float:
        """The points of quantity ``key``; an element (``hidden.W[0,1]``) without its own entry has its node's."""
        if key in self.points:
            return self.points[key]
        whole = key.split("[", 1)[0]
        return self.points.get(whole, 1.0)

    def with_tolerance(self, tolerance: Tolerance, source: ToleranceSource) -> MarkingPolicy:
        """The same policy with another tolerance (a command-line flag, or an allowed answers-file tolerance)."""
        return replace(self, tolerance=tolerance, tolerance_source=source)

    def describe_tolerance(self) -> str:
        """E.g. "3 significant figures (the default)" or "2 decimal places (the command line)"."""
        return f"{self.effective_tolerance.describe()} ({SOURCE_WORDS[self.tolerance_source]})"

    def as_dict(self) -> dict[str, object]:
        """For JSON output: the policy and where its tolerance came from."""
        return {
            "tolerance": self.effective_tolerance.as_dict(),
            "tolerance_source": self.tolerance_source,
            "points": dict(self.points),
            "carried_forward": self.carried_forward,
            "missing": self.missing,
            "charge": self.charge,
            "other_variant_credit": self.other_variant_credit,
        }
