"""Author tests: a template's ``expect:`` cases, run over many variants (``gradwork test``).

As STACK's question tests do, each case is a set of answers and what marking
must say about them. The answers are made per variant, so they fit its numbers:

    expect:
      - name: the key gets full marks
        answers: key                 # every asked item, right
        status: correct              # every item's status (or {loss: correct, ...} per item key)
      - name: log10 in the loss
        plant: log_base_10           # every asked item as check's log10 model computes it
        diagnosis: [log_base_10]     # codes that some item must be diagnosed with
        status: {gradients.output.b: wrong}

A planted answer comes from check's replay of the variant's solve with that
mistake made (its first site that changes an asked number), so the case tests
what the checker would say to a student who made exactly that mistake.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from gradwork.check import MISTAKES, Checker, parse_answers
from gradwork.check.report import STATUSES, Report
from gradwork.generate.build import Budget, Variant, draw
from gradwork.generate.template import Template
from gradwork.documents.sources import DataPath


@dataclass(frozen=True)
class Case:
    name: str
    plant: str | None  # a diagnosis code, or None for the key's own answers
    status: dict[str, str] | str | None  # one status for all items, or per item key
    diagnosis: tuple[str, ...]
    path: DataPath


@dataclass
class Outcome:
    template: Template
    count: int
    cases: list[Case]
    failures: list[str] = field(default_factory=list)
    checks: int = 0
    diagnosed: Counter[str] = field(default_factory=Counter)
    # Planted cases that a variant could not make so that an asked number changes (a symmetric W read transposed):
    # a student making that mistake there is right, so there is nothing to test; counted, not failed.
    not_made: Counter[str] = field(default_factory=Counter)

    @property
    def passed(self) -> bool:
        return not self.failures

    def summary(self) -> str:
        head = (f"{self.template.stem}: {self.count} variants x {len(self.cases)} cases = {self.checks} checks, "
                f"{len(self.failures)} failed")
        skipped = [f"{name}: not run in {n} variant{'s' if n > 1 else ''} (the mistake changes no asked number there)"
                   for name, n in self.not_made.items()]
        return "\n".join([head, *skipped, *self.failures[:50]] +
                         ([f"... and {len(self.failures) - 50} more"] if len(self.failures) > 50 else []))


def read_cases(template: Template) -> list[Case]:
    """The ``expect:`` cases, checked (FILE:LINE:COL errors at the offending entry)."""
    cases = []
    for number, entry in enumerate(template.expect):
        path: DataPath = ("expect", number)
        if not isinstance(entry, dict):
            raise template.error(path, "an expect case must be a mapping", "answers: key or plant: CODE, with "
                                                                            "status: and/or diagnosis:")
        unknown = [key for key in entry if key not in ("name", "answers", "plant", "status", "diagnosis")]
        if unknown:
            raise template.error(path + (unknown[0],), f"unknown key {unknown[0]!r} in an expect case",
                                 "name, answers, plant, status, diagnosis", at="key")
        plant = entry.get("plant")
        if ("answers" in entry) == ("plant" in entry):
            raise template.error(path, "an expect case needs exactly one of `answers: key` and `plant: CODE`",
                                 "one of them")
        if "answers" in entry and entry["answers"] != "key":
            raise template.error(path + ("answers",), "answers must be `key` (the variant's own right answers)",
                                 "answers: key")
        if plant is not None and plant not in MISTAKES:
            raise template.error(path + ("plant",), f"unknown mistake {plant!r}", "one of " + ", ".join(MISTAKES))
        status = entry.get("status")
        if isinstance(status, str):
            _status(template, path + ("status",), status)
        elif isinstance(status, dict):
            for key, value in status.items():
                _status(template, path + ("status", key), value)
        elif status is not None:
            raise template.error(path + ("status",), "status must be one status or a mapping of item keys to status",
                                 "correct, or {loss: wrong}")
        diagnosis = entry.get("diagnosis", [])
        if isinstance(diagnosis, str):
            diagnosis = [diagnosis]
        if not isinstance(diagnosis, list) or not all(code in MISTAKES for code in diagnosis):
            raise template.error(path + ("diagnosis",), "diagnosis must list diagnosis codes",
                                 "codes such as [log_base_10]")
        if "status" not in entry and not diagnosis:
            raise template.error(path, "an expect case must say what it expects", "status: and/or diagnosis:")
        name = str(entry.get("name") or (f"plant {plant}" if plant else "the key"))
        cases.append(Case(name, plant, status, tuple(diagnosis), path))
    return cases


def _status(template: Template, path: DataPath, value: Any) -> None:
    if value not in STATUSES:
        raise template.error(path, f"unknown status {value!r}", "one of " + ", ".join(STATUSES))


def run_cases(template: Template, count: int = 200, seed: int = 0) -> Outcome:
    """Draw ``count`` variants and run every case on each."""
    cases = read_cases(template)
    if not cases:
        raise template.error((), "the template has no `expect:` cases to run", "an `expect:` list", at="key")
    outcome = Outcome(template, count, cases)
    budget = Budget()  # one time budget for failed tries, over every variant tested
    for k in range(count):
        variant = draw(template, seed, k, budget=budget)
        for case in cases:
            outcome.checks += 1
            problem = run_case(variant, case)
            if problem is NOT_MADE:
                outcome.not_made[case.name] += 1
            elif problem:
                outcome.failures.append(f"{variant.id} (seed {seed}): {case.name}: {problem}")
            elif case.plant:
                outcome.diagnosed[case.plant] += 1
    for case in cases:
        if case.plant and outcome.not_made[case.name] == count:
            outcome.failures.append(f"{case.name}: {case.plant} changes no asked number in any variant tested "
                                    f"(expected a mistake the asked items can show)")
    return outcome


NOT_MADE = "the mistake cannot be made here so that it changes an asked number"


def run_case(variant: Variant, case: Case) -> str | None:
    """None when marking says what the case expects; NOT_MADE when the variant cannot show the planted mistake;
    else what went wrong, in a sentence."""
    if case.plant is None:
        data: dict[str, Any] = variant.answers
    else:
        planted = variant.candidate.planter.plant(case.plant)
        if planted is None:
            return NOT_MADE
        data = planted[1]
    report = mark(variant, data)
    return _compare(report, case)


def mark(variant: Variant, data: dict[str, Any]) -> Report:
    """What ``gradwork check`` says about answers ``data`` for this variant, under the problem's marking policy."""
    marker = variant.__dict__.get("_marker")
    if marker is None:
        candidate = variant.candidate
        # The planter's checker marks the same float solve: sharing it shares the mistake models' replays
        # (the constraints and the planted cases already ran them).
        marker = candidate.planter.marker if candidate.float is variant.solution else Checker(variant.solution)
        variant.__dict__["_marker"] = marker
    marking = getattr(variant.solution, "marking", None)
    tolerance = marking.tolerance if marking is not None else None
    return marker.check(parse_answers(data, f"{variant.id}.answers"), tolerance)


def _compare(report: Report, case: Case) -> str | None:
    items = {item.key: item for item in report.items}
    if isinstance(case.status, str):
        off = [f"{key} is {item.status}" for key, item in items.items() if item.status != case.status]
        if off:
            return f"expected every item {case.status}, but " + ", ".join(off)
    elif isinstance(case.status, dict):
        for key, wanted in case.status.items():
            found = items.get(key)
            if found is None:
                return f"expected {key} {wanted}, but it is not among the answered items"
            if found.status != wanted:
                return f"expected {key} {wanted}, got {found.status} ({found.message})"
    codes = {code for item in report.items for code in item.diagnosis}
    missing = [code for code in case.diagnosis if code not in codes]
    if missing:
        said = ", ".join(sorted(codes)) or "no diagnosis"
        return f"{', '.join(missing)} not diagnosed (the checker said: {said})"
    return None
