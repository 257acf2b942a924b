"""Checking an answers file against a solved problem: the one item scorer (``gradwork mark`` builds on it).

    >>> from gradwork.check import Checker, read_answers
    >>> checker = Checker(gradwork.load("examples/seed002_exam4a_row.yaml").solve())
    >>> report = checker.check(read_answers("examples/answers/seed002_exam4a.yaml"))

The phases, one module each: answers become items (:mod:`gradwork.check.items`),
items are judged against the solve and the student's own numbers with each
mistake charged once (:mod:`gradwork.check.credit`), wrong items are diagnosed
(:mod:`gradwork.check.diagnose`), and verdicts get their feedback and points
(:mod:`gradwork.check.verdicts`). This module puts them in order and applies
the teacher's policy.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from gradwork.check.answers import Answer, Answers, parse_answers, read_answers
from gradwork.numbers.tolerance import Tolerance
from gradwork.check.credit import Judge
from gradwork.check.diagnose import agree_value
from gradwork.check.items import Item, ItemReader
from gradwork.check.mistakes import Variant
from gradwork.check.models import Models
from gradwork.check.policy import effective_policy
from gradwork.check.replay import Graph, Perturbation, Place, State
from gradwork.check.report import Report
from gradwork.check.verdicts import result
from gradwork.numbers.marking import MarkingPolicy
from gradwork.problem import Solution
from gradwork.numbers.display import array_text

OTHER_VARIANT_NOTE = "your number is the key of another variant of this exercise, not of yours"


def solution_of(solved: Any, what: str = "Checker") -> Solution:
    """The :class:`~gradwork.problem.Solution` of a solved problem (``gradwork.Solved`` or the Solution itself)."""
    if isinstance(solved, Solution):
        return solved
    inner = getattr(solved, "solution", None)
    if isinstance(inner, Solution):
        return inner
    if isinstance(solved, (str, Path)):
        raise TypeError(f"{what} needs a solved problem, not a path: gradwork.load({str(solved)!r}).solve()")
    raise TypeError(f"{what} needs a solved problem (gradwork.load(path).solve(), or a gradwork.problem.Solution), "
                    f"not {type(solved).__name__}")


class Checker:
    """Checks answers files against one solved problem.

    Build one per problem and reuse it for a class: the correct solve and each
    mistake model's replay are computed once, lazily. ``other_keys``: the keys
    of the other variants generated from the same template (each a
    ``solve --format json`` object, a ``gradwork.Solved`` or a Solution), so
    that a submission of another variant's key is flagged ``other_variant``.
    """

    def __init__(self, solved: Any, *, other_keys: Iterable[Any] = ()) -> None:
        self.solution = solution_of(solved)
        self.models = Models(self.solution)
        self.reader = ItemReader(self.models.graph, self.models.clean)
        self.other_keys = [_key_of(key) for key in other_keys]
        self._orders: dict[tuple[Any, ...], tuple[int, ...]] = {}  # _in_order's answer per structure of items

    # What the exports' planting code reads (generate/plant.py): the problem's replays.
    @property
    def graph(self) -> Graph:
        return self.models.graph

    @property
    def clean(self) -> State:
        return self.models.clean

    @property
    def variants(self) -> list[Variant]:
        return self.models.variants

    def variant_state(self, variant: Variant) -> State | None:
        return self.models.variant_state(variant)

    # ------------------------------------------------------------ checking
    def validate(self, answers: Answers) -> None:
        """Raise :class:`AnswersError` if an answer names something this problem lacks or cannot be read."""
        answers, _ = self.reader.merged(answers)
        for answer in answers.answers:
            self.reader.resolve(answers, answer)

    def check(self, answers: Answers | Mapping[str, Any] | str | Path, tolerance: Tolerance | None = None, *,
              policy: MarkingPolicy | None = None, allow_answer_tolerance: bool = False,
              reveal: bool = True) -> Report:
        """Check ``answers`` under the teacher's policy.

        ``policy``: the problem's ``marking:`` (default: the solution's own);
        ``tolerance``: the command line's, which overrides it. The answers
        file's own tolerance counts only with ``allow_answer_tolerance``
        (:func:`gradwork.check.policy.effective_policy`). The score depends on
        this file and the policy alone. ``reveal=False``: the report gives no
        answer away (no expected numbers, in the items or their messages),
        for feedback shown while a student may still try again.
        """
        # A student's inf or NaN (through PrairieLearn's grader or the API) is marked wrong, never a NumPy warning.
        with np.errstate(all="ignore"):
            return self._check(answers, tolerance, policy=policy, allow_answer_tolerance=allow_answer_tolerance,
                               reveal=reveal)

    def _check(self, answers: Answers | Mapping[str, Any] | str | Path, tolerance: Tolerance | None, *,
               policy: MarkingPolicy | None, allow_answer_tolerance: bool, reveal: bool) -> Report:
        answers = _answers_of(answers)
        policy, warnings = effective_policy(policy or self.solution.marking, answers.tolerance,
                                            tolerance=tolerance, allow_answer_tolerance=allow_answer_tolerance)
        tol = policy.effective_tolerance
        answers, repeats = self.reader.merged(answers)
        answers, given = self.reader.split_given(answers)
        made, given_notes = self._copies(answers, given, tol)
        scored, extra = self.reader.select(answers)
        resolved = [(answer, self.reader.resolve(answers, answer)) for answer in (*scored, *extra)]
        items = self._in_order([item for _, item in resolved])
        judge = Judge(self.models, tol, items, made, charge_every_item=policy.charge == "every_item")
        judge.start()
        other = self._other_variant(items, tol) if self.other_keys else None
        if other is not None and not policy.other_variant_credit:
            for item in items:
                if item.is_open:
                    item.findings = [(other,)]
        else:
            judge.finish()
        notes = list(warnings) + list(repeats)
        if other is not None and policy.other_variant_credit:
            notes.append("these answers match the key of another variant of this exercise")
        for variant, note in given_notes:
            if not any(variant in combination for item in items for combination in item.findings):
                notes.append(note)
        # Scored items get their points under the policy; the others are listed, never scored.
        results = [result(self.models, item, tol, reveal, policy=policy if k < len(scored) else None,
                          listed_only=k >= len(scored)) for k, (_, item) in enumerate(resolved)]
        asked = bool(self.solution.ask)
        if not asked:  # what the student answered, in the order of the computation
            order = sorted(range(len(scored)), key=lambda k: resolved[k][1].order)
            scored_results = [results[k] for k in order]
        else:
            scored_results = results[:len(scored)]
        others = sorted(range(len(scored), len(results)), key=lambda k: resolved[k][1].order)
        return Report(
            self.solution.title, answers.source, policy, tuple(scored_results), tuple(results[k] for k in others),
            asked=asked, warnings=tuple(notes))

    def _in_order(self, items: list[Item]) -> list[Item]:
        """The items in the order of the computation; with ``ask:``, items that do not depend on each other
        (a layer's ∂L/∂W and ∂L/∂b, the updates) in the sheet's order, so a mistake that makes several of them
        wrong is charged at the first one the sheet asks."""
        if not self.solution.ask:
            return sorted(items, key=lambda it: it.order)
        # The order depends only on the items' places and computation order: worked out once per such structure
        # (a class answers the same sheet), as positions into ``items``.
        structure = tuple((item.order, item.place) for item in items)
        positions = self._orders.get(structure)
        if positions is None:  # the same for every graph of this structure (every variant of a template)
            shared = self.models.graph.shared
            positions = shared.get(("sheet order", structure))
            if positions is None:
                positions = shared[("sheet order", structure)] = self._sheet_order(structure)
            self._orders[structure] = positions
        return [items[k] for k in positions]

    def _sheet_order(self, structure: tuple[tuple[tuple[int, int, int], Place], ...]) -> tuple[int, ...]:
        computed = sorted(range(len(structure)), key=lambda k: structure[k][0])
        graph = self.models.graph
        out: list[int] = []
        while computed:
            ready = [k for k in computed if not any(
                other != k and structure[other][1] != structure[k][1]
                and structure[other][1] in graph.upstream_places(structure[k][1]) for other in computed)]
            chosen = min(ready or computed[:1])  # the first on the sheet
            out.append(chosen)
            computed = [k for k in computed if k != chosen]
        return tuple(out)

    # ------------------------------------------------------------ given data and other variants
    def _copies(self, answers: Answers, given: list[Answer], tol: Tolerance) -> tuple[list[Variant], list[tuple]]:
        """The student's copies of given data that differ from it: mistakes made before the first item."""
        graph = self.models.graph
        made: list[Variant] = []
        notes: list[tuple[Variant, str]] = []
        for answer in given:
            item = self.reader.resolve(answers, answer)  # validates the key and reads the numbers
            node = self.reader.given_node(answer.name)
            assert node is not None
            data = np.asarray(graph.nodes[node].data)
            copy = data.copy()
            if answer.index is not None:
                index = answer.index if data.ndim else ()
                if not bool(item.blank):
                    copy[index] = item.given.reshape(())
                shown = np.asarray(copy[index]) if data.ndim else copy
                true = np.asarray(data[index]) if data.ndim else data
            elif item.given.shape == data.shape:
                copy = np.where(item.blank, data, item.given).astype(data.dtype)
                shown, true = item.given, data
            else:
                continue  # a copy of another shape: nothing to replay it with
            if bool(tol.passes(copy, data).all()) or same(copy, data):
                continue
            called = graph.called(answer.name)
            variant = Variant("misread_data", answer.key,
                              f"you copied {called} as {array_text(answer.value)}; the problem gives "
                              f"{array_text(true)}", Perturbation(data={node: copy}))
            made.append(variant)
            notes.append((variant, f"{answer.key} is given data, not an answer: you wrote {array_text(shown)}, "
                                   f"the problem gives {array_text(true)} (your answers do not use your copy)"))
        return made, notes

    def _other_variant(self, items: list[Item], tol: Tolerance) -> Variant | None:
        """The ``other_variant`` mistake when the answers match another variant's key better than this one's."""
        if self.models.graph.backend.name != "float":
            return None
        answered = [item for item in items if item.answered and item.given.dtype != object]
        own = {id(item) for item in answered if (item.correct | item.accepted)[~item.blank].all()}
        best = 0
        for key in self.other_keys:
            theirs = {id(item) for item in answered if _matches_key(key, item, tol)}
            only_theirs = len(theirs - own)
            differing = len(answered) - len(theirs & own)
            if only_theirs >= 2 and only_theirs > len(own - theirs) and 2 * only_theirs >= differing:
                best = max(best, only_theirs)
        if not best:
            return None
        return Variant("other_variant", "answers", OTHER_VARIANT_NOTE)


def check_answers(solved: Any, answers: Answers | Mapping[str, Any] | str | Path, tolerance: Tolerance | None = None,
                  *, policy: MarkingPolicy | None = None, allow_answer_tolerance: bool = False,
                  other_keys: Iterable[Any] = (), reveal: bool = True) -> Report:
    """Check one answers file against a solved problem (see :class:`Checker` to check many)."""
    return Checker(solved, other_keys=other_keys).check(answers, tolerance, policy=policy,
                                                        allow_answer_tolerance=allow_answer_tolerance, reveal=reveal)


def _answers_of(answers: Any) -> Answers:
    if isinstance(answers, Answers):
        return answers
    if isinstance(answers, Mapping):
        return parse_answers(dict(answers))
    if isinstance(answers, (str, Path)):
        return read_answers(answers)
    raise TypeError("check needs answers: an Answers (gradwork.check.read_answers(path)), a dict shaped like "
                    f"`solve --format json`, or a file path; not {type(answers).__name__}")


def _key_of(key: Any) -> dict[str, Any]:
    """Another variant's key as a ``solve --format json`` object."""
    if isinstance(key, Mapping):
        return dict(key)
    if isinstance(key, Solution):
        return key.json()
    inner = getattr(key, "solution", None)
    if isinstance(inner, Solution):
        return inner.json()
    raise TypeError("other_keys holds the other variants' keys: `solve --format json` objects (dicts), "
                    f"gradwork.Solved or Solution objects; not {type(key).__name__}")


def _matches_key(key: dict[str, Any], item: Item, tol: Tolerance) -> bool:
    answer = item.answer
    if answer.section == "loss":
        value = key.get("loss")
    else:
        section = key.get(answer.section)
        value = section.get(answer.name) if isinstance(section, Mapping) else None
    numbers = _floats(value)
    if numbers is None:
        return False
    if answer.index is not None:
        if numbers.ndim == 0:
            numbers = numbers if answer.index in ((0,), ()) else None
        else:
            try:
                numbers = np.asarray(numbers[answer.index])
            except (IndexError, ValueError):
                return False
    if numbers is None or numbers.size != item.given.size:
        return False
    agreed = agree_value(tol, item, numbers.reshape(item.given.shape))
    return bool(agreed[~item.blank].all())


def _floats(value: Any) -> np.ndarray | None:
    """A key's value as floats ("3/8" strings read as fractions); None when it is not numbers."""
    def one(v: Any) -> Any:
        if isinstance(v, list):
            return [one(x) for x in v]
        if isinstance(v, bool) or v is None:
            raise ValueError(v)
        if isinstance(v, str):
            return float(Fraction(v))
        return float(v)
    try:
        return np.asarray(one(value), dtype=np.float64)
    except (ValueError, TypeError, ZeroDivisionError, OverflowError):
        return None


def same(a: np.ndarray, b: np.ndarray) -> bool:
    try:
        return bool(np.all(a == b))
    except (TypeError, ValueError):
        return False
