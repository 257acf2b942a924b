"""Phase 1 of checking: a student's answers become items, one per quantity, in the order of the computation.

* **One answer per quantity.** Keys that name the same quantity (``hidden.W``
  and `` hidden.W``, or ``hidden.W[0,1]`` beside a whole ``hidden.W``) are one
  answer: the first (the whole node's, beside an element) counts and the
  others are left out with a warning, so a student can neither hedge between
  two numbers nor score one number twice.
* **Given data is never an answer.** A value the problem gives (the input, a
  graph input, an initial weight written under ``values``) is read as the
  student's copy of the data: :func:`split_given` sets it apart, and marking
  checks it against the problem (``misread_data``) instead of scoring it.
* **What is scored.** With ``ask:``, exactly the asked quantities, in order
  (an asked element is read from an answer of its whole node, an asked node is
  put together from answers of its elements); without it, every answer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from gradwork.check.answers import Answer, Answers
from gradwork.check.convert import convert, element, index_fits, squeezed
from gradwork.check.replay import Graph, Place, State


@dataclass
class Item:
    """One answered (or asked) quantity while it is being judged."""

    answer: Answer
    place: Place
    given: np.ndarray  # in the solve's backend, aligned to the expected shape where possible
    blank: np.ndarray  # True where the student left an entry blank
    order: tuple[int, int, int]
    # Set by the judging phases before anything reads them:
    correct: np.ndarray = field(init=False)  # matches the solution
    accepted: np.ndarray = field(init=False)  # matches given accepted numbers
    carried: np.ndarray = field(init=False)  # matches given all earlier numbers
    carried_value: np.ndarray | None = None
    findings: list[tuple[Any, ...]] = field(default_factory=list)  # tuples of mistakes.Variant
    carried_from: tuple[str, ...] = ()
    repeated: tuple[str, ...] = ()  # codes of a mistake already charged at an earlier item, made again here
    charged_codes: tuple[str, ...] = ()  # with marking charge: every_item, the mistakes this item is charged for

    # unresolved, kept with the four arrays it was computed from (each verdict array is replaced, never changed
    # in place): the judge asks for it dozens of times per item.
    _open: tuple[Any, ...] = field(default=(), init=False, repr=False, compare=False)
    memo_key: Any = field(default=None, init=False, repr=False, compare=False)  # diagnose.answer_key's, kept

    @property
    def unresolved(self) -> np.ndarray:
        return self._unresolved()[0]

    @property
    def is_open(self) -> bool:
        """Is some element still unresolved (``unresolved.any()``)?"""
        return self._unresolved()[1]

    def _unresolved(self) -> tuple[np.ndarray, bool]:
        parts = (self.correct, self.accepted, self.carried, self.blank)
        kept = self._open
        if kept and kept[0] is parts[0] and kept[1] is parts[1] and kept[2] is parts[2] and kept[3] is parts[3]:
            return kept[4], kept[5]
        value = ~(parts[0] | parts[1] | parts[2] | parts[3])
        if isinstance(value, np.ndarray):
            value.flags.writeable = False
        self._open = (*parts, value, bool(value.any()))
        return value, self._open[5]

    @property
    def answered(self) -> bool:
        return bool((~self.blank).any())


_NOTHING = object()


class ItemReader:
    """Turns answers into :class:`Item` s for one solved problem (no student state: reusable)."""

    def __init__(self, graph: Graph, clean: State) -> None:
        self.graph = graph
        self.clean = clean
        self.solution = graph.solution

    # ------------------------------------------------------------ one answer per quantity
    def merged(self, answers: Answers) -> tuple[Answers, tuple[str, ...]]:
        """``answers`` with every quantity answered once, and a warning per repeat left out.

        Of two answers under one key the first counts; an element answered
        beside its whole node is the whole's (the element is left out). So a
        student cannot hedge between two numbers, nor score one number twice.
        """
        first: dict[str, Answer] = {}
        kept: list[Answer] = []
        warnings: list[str] = []
        for answer in answers.answers:
            earlier = first.get(answer.key)
            if earlier is None:
                first[answer.key] = answer
                kept.append(answer)
            elif _same_value(earlier.value, answer.value):
                warnings.append(f"{answer.key} is answered twice (lines {earlier.line} and {answer.line}); "
                                "it counts once")
            else:
                warnings.append(f"{answer.key} is answered twice with different numbers (lines {earlier.line} and "
                                f"{answer.line}); only the first counts")
        wholes = {a.key: a for a in kept if a.index is None}
        out: list[Answer] = []
        for answer in kept:
            whole = wholes.get(f"{answer.section}.{answer.name}") if answer.index is not None else None
            part = _NOTHING if whole is None else _element_of(whole.value, answer.index)  # type: ignore[arg-type]
            if whole is None or part is _NOTHING:
                out.append(answer)
            elif _same_value(part, answer.value):
                warnings.append(f"{answer.key} repeats an entry of {whole.key}; it counts once, with {whole.key}")
            else:
                warnings.append(f"{answer.key} (line {answer.line}) differs from the same entry of {whole.key} "
                                f"(line {whole.line}); {whole.key} counts")
        return Answers(answers.source, tuple(out), answers.tolerance), tuple(warnings)

    def given_node(self, name: str) -> int | None:
        """The node of given data named ``name`` (the input, a weight's starting value, the target), else None."""
        node = self.graph.names.get(name)
        if node is None and name == "target":
            node = self.graph.view.names.get(name)
        return node if node is not None and self.graph.nodes[node].op is None else None

    def is_given(self, answer: Answer) -> bool:
        """Does ``answer`` write down data the problem gives (a leaf's value), rather than a result?"""
        return answer.section == "values" and self.given_node(answer.name) is not None

    def split_given(self, answers: Answers) -> tuple[Answers, list[Answer]]:
        """The answers to score, and the student's copies of given data (never scored)."""
        given = [answer for answer in answers.answers if self.is_given(answer)]
        rest = tuple(answer for answer in answers.answers if not self.is_given(answer))
        return Answers(answers.source, rest, answers.tolerance), given

    # ------------------------------------------------------------ what is scored
    def select(self, answers: Answers) -> tuple[list[Answer], list[Answer]]:
        """The answers that are scored (one per asked quantity, blank when not answered) and the others."""
        ask = [quantity for quantity in self.solution.ask if not self._asks_given(quantity)]
        if not self.solution.ask:
            return list(answers.answers), []
        by_key = {answer.key: answer for answer in answers.answers}
        used: set[str] = set()
        scored: list[Answer] = []
        for quantity in ask:
            section, name = quantity.section, quantity.name or "loss"
            found = by_key.get(quantity.key)
            if found is not None:
                used.add(found.key)
            elif quantity.index is not None:
                whole = by_key.get(quantity.whole.key)
                value = _element_of(whole.value, quantity.index) if whole is not None else _NOTHING
                if whole is not None and value is not _NOTHING:
                    found = Answer(section, name, quantity.index, value, whole.line, whole.column)
            else:
                parts = [a for a in answers.answers if a.section == section and a.name == name and a.index is not None]
                found = self._assembled(section, name, parts)
                if found is not None:
                    used.update(part.key for part in parts)
            scored.append(found or Answer(section, name, quantity.index, None, 0, 0))
        return scored, [answer for answer in answers.answers if answer.key not in used]

    def _asks_given(self, quantity: Any) -> bool:
        """An ``ask:`` entry naming given data (never an answer item, even if a problem asks it)."""
        if quantity.section != "values":
            return False
        node = self.graph.names.get(quantity.name)
        return node is not None and self.graph.nodes[node].op is None

    def _assembled(self, section: str, name: str, parts: list[Answer]) -> Answer | None:
        """One answer for a whole node from answers of its elements (None where no element was given)."""
        if not parts:
            return None
        if section == "updated":
            node = self.graph.params.get(name)
            full = None if node is None else self.clean.read(Place("updated", node))
        else:
            node = self.graph.names.get(name)
            full = None if node is None else self.clean.read(Place("value" if section == "values" else "grad", node))
        if full is None or not all(index_fits(part.index or (), full.shape) for part in parts):
            return None  # marked one by one, and a bad index is reported there
        blank: np.ndarray = np.full(full.shape, None, dtype=object)
        for part in parts:
            blank[element(part.index, full)] = part.value
        return Answer(section, name, None, blank.tolist(), parts[0].line, parts[0].column)  # type: ignore[arg-type]

    # ------------------------------------------------------------ one item
    def resolve(self, answers: Answers, answer: Answer) -> Item:
        """The item of one answer; raises AnswersError if it names something this problem lacks or is unreadable."""
        graph, solution = self.graph, self.solution
        if answer.section == "loss":
            if graph.loss is None:
                raise answers.error(answer, "this problem has no scalar loss", "no loss key")
            place, order = Place("loss", graph.loss), (1, 0, 0)
        elif answer.section == "updated":
            if answer.name not in graph.params:
                raise answers.error(answer, f"unknown parameter {answer.name!r} in updated",
                                    "one of " + (", ".join(graph.params) or "no parameters"))
            i = graph.params[answer.name]
            place, order = Place("updated", i), (3, *self._backward_rank(i))
        elif answer.section == "values" and self.given_node(answer.name) is not None and \
                answer.name not in solution.values:
            # a copy of given data that the solve does not report as a value (a weight, the target)
            i = self.given_node(answer.name)  # type: ignore[assignment]
            place, order = Place("value", i), (0, i, 0)
        else:
            known = solution.values if answer.section == "values" else solution.gradients
            names = [name for name in known if name in graph.names]
            if answer.name not in names:
                data = [name for name in (*graph.params, "target") if self.given_node(name) is not None]
                raise answers.error(answer, f"unknown name {answer.name!r} in {answer.section}",
                                    "one of " + ", ".join(names + (data if answer.section == "values" else [])))
            i = graph.names[answer.name]
            place = Place("value" if answer.section == "values" else "grad", i)
            order = (0, i, 0) if answer.section == "values" else (2, *self._backward_rank(i))
        full = self.clean.read(place)
        if full is None:
            raise answers.error(answer, f"{answer.key} has no value in this problem")
        given, blank = convert(answers, answer, graph.backend)
        if answer.index is not None:
            if not index_fits(answer.index, full.shape):
                raise answers.error(answer, f"index [{','.join(map(str, answer.index))}] is outside {answer.name}, "
                                            f"of shape [{', '.join(map(str, full.shape))}]", "0-based indices")
            if given.size != 1:  # built in code (mark's bindings), not read from a file, which refuses it earlier
                raise answers.error(answer, f"{answer.key} names one element but holds {given.size} values",
                                    "a single number")
            given, blank = given.reshape(()), blank.reshape(())
        elif given.shape != full.shape and given.size == full.size and (
                given.ndim <= 1 or full.ndim <= 1 or squeezed(given.shape) == squeezed(full.shape)):
            given, blank = given.reshape(full.shape), blank.reshape(full.shape)
        return Item(answer, place, given, blank, order)

    def _backward_rank(self, i: int) -> tuple[int, int]:
        """When node i's gradient is complete in the backward walk: a leaf's right after its first consumer."""
        graph = self.graph
        if graph.nodes[i].op is None and graph.consumers[i]:
            return len(graph.nodes) - min(c for c, _ in graph.consumers[i]), 1
        return len(graph.nodes) - i, 0


def _element_of(value: Any, index: tuple[int, ...]) -> Any:
    """``value[i][j]...`` of a nested list as written, or ``_NOTHING`` when it has no such element."""
    if not isinstance(value, list):
        return value if index == (0,) else _NOTHING  # a one-unit value written as a number
    for i in index:
        if not isinstance(value, list) or not 0 <= i < len(value):
            return _NOTHING
        value = value[i]
    return value


def _same_value(a: Any, b: Any) -> bool:
    """Two answers written the same (numbers compared as numbers, so 0.5 and 0.50 agree)."""
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same_value(x, y) for x, y in zip(a, b))
    if isinstance(a, list) or isinstance(b, list):
        return isinstance(a, list) and len(a) == 1 and _same_value(a[0], b) or \
            isinstance(b, list) and len(b) == 1 and _same_value(a, b[0])
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool) \
            and not isinstance(b, bool):
        return float(a) == float(b)
    if isinstance(a, str) and isinstance(b, str):
        return a.replace(" ", "") == b.replace(" ", "")
    return a == b
