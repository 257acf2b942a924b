"""A variant's marking numbers: the tolerance its answers are compared with and the points of each asked item.

Light on purpose (no import of the sheet, the exporters or check): both the export side and the PrairieLearn
server side (``generate/prairielearn.py``, which runs inside PrairieLearn) read them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from gradwork.numbers.tolerance import DEFAULT

if TYPE_CHECKING:
    from gradwork.generate.build import Variant
    from gradwork.generate.plant import Item


def tolerance_of(solution: Any) -> Any:
    """The tolerance of the problem's ``marking:`` policy, else the default (3 significant figures)."""
    marking = getattr(solution, "marking", None)
    return marking.effective_tolerance if marking is not None else DEFAULT


def tolerance(variant: Variant) -> Any:
    return tolerance_of(variant.solution)


def points(variant: Variant, item: Item) -> float:
    """The item's points under the problem's ``marking:`` policy (1 where it says nothing)."""
    marking = getattr(variant.solution, "marking", None)
    return float(marking.points_for(item.key)) if marking is not None else 1.0
