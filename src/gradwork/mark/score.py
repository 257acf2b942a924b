"""Scoring: the results the working gives, marked by check as one answers file, and those verdicts put back on
the lines.

mark has no scorer of its own. Every quantity the working gives a number (asked
or not) becomes one check answer; check marks them together, under the
problem's policy: right, carried forward (right given the student's earlier
numbers) or wrong with its mistake models, each mistake charged once where it
first appears. Points are check's. A quantity given on several lines is marked
on the last; each other line is marked again in place of it (check, once more).
Without ``ask:``, an SGD step also asks every parameter it updates: one never
updated is missing (``bias_not_updated`` for a bias).
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np

from gradwork.check import Answer, Answers, ItemResult, Report
from gradwork.mark.arith import json_value
from gradwork.mark.checks import Verdict, verdict_at
from gradwork.mark.program import Statement
from gradwork.mark.report import Missing
from gradwork.problem import Quantity
from gradwork.problem.notation import notation

if TYPE_CHECKING:
    from gradwork.mark.marker import WorkMarker

MAX_REMARKS = 32  # lines that repeat an already-marked quantity with another number, each marked again by check


def answers_of(statements: list[Statement]) -> dict[str, Statement]:
    """The statement whose number is marked for each key: the last to give it (a number wins over a formula)."""
    chosen: dict[str, Statement] = {}
    for statement in statements:
        if statement.key is None or statement.result is None or statement.result_value is None:
            continue
        current = chosen.get(statement.key)
        if current is None or (current.formula_result and not statement.formula_result) or (
                current.formula_result == statement.formula_result):
            chosen[statement.key] = statement
    return chosen


def check_results(marker: WorkMarker, statements: list[Statement], source: str
                  ) -> tuple[Report, list[Missing], list[Answer]]:
    answers: list[Answer] = []
    for key, statement in answers_of(statements).items():
        quantity = Quantity.parse(key)
        if quantity.index is not None and np.size(statement.result_value) != 1:
            continue  # an element bound to a whole vector: nothing check can mark as that element
        answers.append(Answer(quantity.section, quantity.name or "loss", quantity.index,
                              json_value(statement.result_value), statement.chain.rows[statement.result or 0].line, 1))
    missing_codes: dict[str, tuple[tuple[str, ...], str]] = {}
    solution = marker.solution
    written = notation(solution)
    updated = {Quantity.parse(a.key).name for a in answers if a.section == "updated"}
    if updated:  # a working that updates some parameters but never others: those are missing (asked or not)
        for name in solution.parameters:
            if name not in updated and name in solution.updated and name not in solution.frozen:
                key = f"updated.{name}"
                bias = any(layer.bias == name for layer in solution.layers) or name.endswith(".b")
                if not solution.ask:  # without ask:, an SGD step asks every parameter
                    answers.append(blank(key))
                missing_codes[key] = (("bias_not_updated",) if bias else (),
                                      f"{written.symbol(name).text()} is never updated" + (
                                          ": biases are parameters too, each moves by minus the learning rate "
                                          "times its gradient" if bias else ""))
    report = marker.checker.check(Answers(source, tuple(answers)), policy=marker.policy)
    missing = [Missing(item.key, *missing_codes.get(item.key, ((), f"{written.text(item.key)} is asked and no line "
                                                                   "gives it")), label=written.text(item.key))
               for item in report.items if item.status == "missing"]
    return report, missing, answers


def attach(marker: WorkMarker, statements: list[Statement], report: Report, answers: list[Answer]) -> None:
    """Check's verdict on each line that gives a marked quantity (a repeated one marked again in its place)."""
    items: dict[str, ItemResult] = {item.key: item for item in (*report.items, *report.not_asked)}
    remarked = 0
    written = _notation(marker.solution)
    for statement in statements:
        if statement.key is None or statement.result is None or statement.result_value is None:
            continue
        item = item_for(items, statement.key)
        if item is None:
            continue
        if statement.key not in items or same_answer(item.given, statement.result_value):
            verdict = Verdict(item.status, tuple(item.diagnosis), result_message(statement, item, written), "result")
        else:  # the same quantity given again elsewhere: marked in place of the one chosen, the rest as they are
            remarked += 1
            if remarked > MAX_REMARKS:  # bounded work: a document repeating one quantity hundreds of times
                continue
            other = mark_instead(marker, statement, answers, report.answers)
            if other is None:
                continue
            verdict = Verdict(other.status, tuple(other.diagnosis), result_message(statement, other, written),
                              "result")
        verdict_at(statement, statement.result, verdict)


def _notation(solution: Any) -> Any:
    try:
        return notation(solution)
    except (ValueError, KeyError, TypeError):  # a problem the notation model cannot write: the keys, then
        return None


def mark_instead(marker: WorkMarker, statement: Statement, answers: list[Answer], source: str) -> ItemResult | None:
    value = json_value(statement.result_value)
    replaced = [Answer(a.section, a.name, a.index, value, a.line, a.column) if a.key == statement.key else a
                for a in answers]
    try:
        report = marker.checker.check(Answers(source, tuple(replaced)), policy=marker.policy)
    except ValueError:
        return None
    return item_for({item.key: item for item in (*report.items, *report.not_asked)}, statement.key or "")


def item_for(items: dict[str, ItemResult], key: str) -> ItemResult | None:
    """The verdict on ``key``; an element marked as part of its asked whole gets that element's status."""
    if key in items:
        return items[key]
    quantity = Quantity.parse(key)
    whole = items.get(quantity.whole.key)
    if whole is None or quantity.index is None:
        return None
    status = whole.status
    if whole.elements is not None:
        try:
            status = np.asarray(whole.elements, dtype=object)[quantity.index]
        except IndexError:
            pass
    return replace(whole, key=key, status=status, diagnosis=whole.diagnosis if status == "wrong" else ())


def blank(key: str) -> Answer:
    quantity = Quantity.parse(key)
    return Answer(quantity.section, quantity.name or "loss", quantity.index, None, 0, 1)


def same_answer(given: Any, value: Any) -> bool:
    try:
        return bool(np.array_equal(np.asarray(given, dtype=object).reshape(-1),
                                   np.asarray(json_value(value), dtype=object).reshape(-1)))
    except ValueError:
        return False


def result_message(statement: Statement, item: ItemResult, written: Any = None) -> str:
    """``a_3 is a₃ (values.output.a): correct``: the student's symbol, the problem's own (its notation model,
    problem/notation.py) and the key."""
    name = statement.binding.symbol if statement.binding else statement.key
    said = statement.key or ""
    if written is not None and statement.key:
        try:
            own = written.text(statement.key)
        except (ValueError, KeyError, TypeError):
            own = statement.key
        said = f"{own} ({statement.key})" if own and own != statement.key else statement.key
    if item.status == "correct":
        return f"{name} is {said}: correct" + (" (your formula, on the problem's numbers)"
                                                if statement.formula_result else "")
    message = item.message
    if statement.formula_result:
        message = message.replace("you wrote", "on the problem's numbers your formula gives", 1)
    return f"{name} is {said}: {message}"
