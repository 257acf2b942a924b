"""Marking corpus documents back and counting, by notation and by mistake code, what mark found.

* **recall**: planted mistakes marked wrong at their first line with their code (a bias never updated: in
  the report's missing items with its code);
* **false flags**: correct lines marked wrong or carried forward;
* **not read**: truth lines marked "not read", or given no mark at all;
* **full marks**: correct documents with every point;
* **after**: lines changed by a planted mistake after its first line, marked carried forward (or wrong).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from tests.mark.corpus.document import CorpusDocument


GENERIC = ("sign", "factor_2", "factor_half", "rounding")


@dataclass
class Tally:
    planted: int = 0
    found: int = 0
    correct_lines: int = 0
    flagged: int = 0
    lines: int = 0
    unread: int = 0
    correct_documents: int = 0
    full_marks: int = 0
    after: int = 0
    after_carried: int = 0
    broken: int = 0
    broken_reported: int = 0
    errors: int = 0
    as_specific: int = 0  # found: a generic slip (sign, factor) diagnosed as the specific mistake giving that number

    def add(self, other: Tally) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def rates(self) -> dict[str, float | None]:
        def rate(a: int, b: int) -> float | None:
            return None if not b else a / b
        return {"recall": rate(self.found, self.planted), "false_flags": rate(self.flagged, self.correct_lines),
                "not_read": rate(self.unread, self.lines), "full_marks": rate(self.full_marks, self.correct_documents),
                "carried": rate(self.after_carried, self.after), "broken_reported": rate(self.broken_reported,
                                                                                          self.broken)}


@dataclass
class Outcome:
    doc: CorpusDocument
    tally: Tally
    problems: list[str] = field(default_factory=list)  # one line per miss, for reading


def score(doc: CorpusDocument) -> Outcome:
    from gradwork.mark import WorkError, mark_work

    tally = Tally()
    problems: list[str] = []
    try:
        report: Any = mark_work(doc.solution, doc.text, doc.id + ".md")
    except WorkError as error:
        report = None
        problems.append(f"{doc.id}: {error}")
        tally.errors += 1
    except Exception as error:  # noqa: BLE001 (counted, and the run goes on)
        report = None
        problems.append(f"{doc.id}: internal error {type(error).__name__}: {error}")
        tally.errors += 1
    lines = {line.line: line for line in report.lines} if report is not None else {}
    for number, truth in sorted(doc.truth.items()):
        got = lines.get(number)
        status = got.status if got is not None else "absent"
        tally.lines += 1
        if status in ("not_read", "absent"):
            tally.unread += 1
        if truth.broken:
            tally.broken += 1
            broken = lines.get(truth.broken_line or number)
            if broken is not None and "broken" in broken.message:
                tally.broken_reported += 1
        if truth.status == "wrong":
            tally.planted += 1
            if status == "wrong" and truth.code in got.diagnosis:  # type: ignore[union-attr]
                tally.found += 1
            elif status == "wrong" and truth.code in GENERIC and any(  # type: ignore[union-attr]
                    code not in GENERIC and code not in ("arithmetic", "algebra", "rule") for code in got.diagnosis):
                tally.found += 1  # check keeps the specific model when one gives the same number (docs/check.md)
                tally.as_specific += 1
            else:
                problems.append(f"{doc.id}:{number}: planted {truth.code} ({truth.key}) marked {status} "
                                f"{list(got.diagnosis) if got else ''} {got.message[:150] if got else ''}")
        elif truth.status == "correct":
            tally.correct_lines += 1
            if status in ("wrong", "carried_forward"):
                tally.flagged += 1
                problems.append(f"{doc.id}:{number}: correct line ({truth.key}) marked {status} "
                                f"{list(got.diagnosis)} {got.message[:150]}")  # type: ignore[union-attr]
        elif truth.status == "after":
            tally.after += 1
            if status == "carried_forward":
                tally.after_carried += 1
    for key, code in doc.missing.items():
        tally.planted += 1
        if report is not None and any(m.key == key and code in m.diagnosis for m in report.missing):
            tally.found += 1
        else:
            problems.append(f"{doc.id}: missing {key} ({code}) not reported")
    if not doc.planted:
        tally.correct_documents += 1
        if report is not None and report.points == report.max_points and not any(
                line.status == "wrong" for line in report.lines):
            tally.full_marks += 1
        else:
            problems.append(f"{doc.id}: a correct document got "
                            f"{'an error' if report is None else f'{report.points}/{report.max_points}'}")
    return Outcome(doc, tally, problems)


def summary(outcomes: list[Outcome]) -> dict[str, Any]:
    total = Tally()
    by_notation: dict[str, Tally] = defaultdict(Tally)
    by_style: dict[str, Tally] = defaultdict(Tally)
    by_code: dict[str, Tally] = defaultdict(Tally)
    for outcome in outcomes:
        total.add(outcome.tally)
        by_notation[outcome.doc.notation].add(outcome.tally)
        by_style[outcome.doc.style].add(outcome.tally)
        code = outcome.doc.planted[0][0] if outcome.doc.planted else "(correct)"
        by_code[code].add(outcome.tally)
    return {"total": total, "notation": dict(by_notation), "style": dict(by_style), "code": dict(by_code),
            "documents": len(outcomes), "origins": Counter(o.doc.origin.split(" ")[0] for o in outcomes)}


def table(groups: dict[str, Tally], title: str) -> str:
    head = f"| {title} | planted | found | recall | correct lines | flagged | lines | not read | full marks |"
    out = [head, "|" + "---|" * 9]
    for name, t in sorted(groups.items()):
        r = t.rates()
        out.append(f"| {name} | {t.planted} | {t.found} | {_pct(r['recall'])} | {t.correct_lines} | {t.flagged} "
                   f"({_pct(r['false_flags'], 2)}) | {t.lines} | {t.unread} ({_pct(r['not_read'])}) | "
                   f"{t.full_marks}/{t.correct_documents} |")
    return "\n".join(out)


def _pct(value: float | None, places: int = 1) -> str:
    return "-" if value is None else f"{100 * value:.{places}f} %"
