"""What marking a worked solution produces: a verdict per line, the items scored, and the bindings used."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from gradwork.check import Report
from gradwork.mark.bind import Binding
from gradwork.numbers.marking import MarkingPolicy
from gradwork.numbers.tolerance import Tolerance
from gradwork.mark.render import summary_markdown, summary_html

LineStatus = Literal["correct", "wrong", "carried_forward", "not_read", "unchecked"]


@dataclass(frozen=True)
class LineResult:
    """The mark on one line of the student's working."""

    line: int  # 1-based line of the document
    text: str  # the line's LaTeX as written
    status: LineStatus
    diagnosis: tuple[str, ...] = ()
    binding: Binding | None = None
    message: str = ""
    item: str | None = None  # the quantity key this line's result was marked as ("gradients.output.W[0]")
    end_line: int = 0  # last line of its maths block (where an annotation goes)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"line": self.line, "text": self.text, "status": self.status,
                               "diagnosis": list(self.diagnosis),
                               "binding": None if self.binding is None else self.binding.to_json(),
                               "message": self.message}
        if self.item is not None:
            out["item"] = self.item
        return out


@dataclass(frozen=True)
class Missing:
    """An asked (or expected) quantity no line gives."""

    key: str
    diagnosis: tuple[str, ...]
    message: str
    label: str = ""  # the quantity in the problem's symbols (b₃′): what feedback shows; the key is for programs


@dataclass(frozen=True, repr=False)
class MarkReport:
    """A marked worked solution (in Jupyter: a table of its checked lines)."""

    title: str
    source: str
    tolerance: Tolerance
    policy: MarkingPolicy
    lines: tuple[LineResult, ...]
    items: Report  # check's verdict per quantity the working gives (and blanks for missing ones)
    bindings: tuple[Binding, ...] = ()
    missing: tuple[Missing, ...] = ()
    asked: tuple[str, ...] = ()  # the problem's ask: keys (empty: what the student answered is scored)

    def __repr__(self) -> str:
        score = self.score()
        return (f"MarkReport({self.source!r}: {score['points']}/{score['max_points']} points, "
                f"{len(self.lines)} lines)")

    def _repr_markdown_(self) -> str:
        return summary_markdown(self)

    def _repr_html_(self) -> str:
        return summary_html(self)

    @property
    def student(self) -> str:
        from pathlib import Path

        return Path(self.source).stem if self.source not in ("-", "<stdin>", "<work>") else "work"

    def counts(self) -> dict[str, int]:
        statuses = ("correct", "carried_forward", "wrong", "not_read", "unchecked")
        return {s: sum(line.status == s for line in self.lines) for s in statuses}

    @property
    def points(self) -> float:
        return self.items.points

    @property
    def max_points(self) -> float:
        return self.items.max_points

    @property
    def all_correct(self) -> bool:
        return not any(line.status == "wrong" for line in self.lines) and all(
            item.status == "correct" for item in self.items.items)

    def score(self) -> dict[str, Any]:
        """As check's: items credited (correct or carried forward), items scored, points under the policy."""
        return {"correct": self.items.correct, "total": self.items.total, "points": _number(self.points),
                "max_points": _number(self.max_points)}

    def to_json(self) -> dict[str, Any]:
        """docs/format.md's ``mark --format json`` object, plus the items, bindings and policy used."""
        return {
            "score": self.score(),
            "lines": [line.to_json() for line in self.lines],
            "title": self.title,
            "work": self.source,
            "items": [item.to_json() for item in self.items.items],
            "not_asked": [item.to_json() for item in self.items.not_asked],
            "missing": [{"key": m.key, "diagnosis": list(m.diagnosis), "message": m.message} for m in self.missing],
            "bindings": [b.to_json() for b in self.bindings],
            "marking": {**self.policy.as_dict(), "text": self.policy.describe_tolerance()},
            "tolerance": {**self.tolerance.as_dict(), "text": self.tolerance.describe(),
                          "source": self.policy.tolerance_source},
            "counts": self.counts(),
        }


def _number(value: float) -> float | int:
    return int(value) if float(value).is_integer() else round(float(value), 6)

