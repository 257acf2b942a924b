"""Marking: a verdict per answered item, credit for errors carried forward, and a diagnosis.

For each item, in the order of the computation (forward values, loss,
gradients from the loss down, updated parameters):

1. **correct** when it matches the solution within the tolerance, or matches
   what follows from the student's own earlier numbers that were themselves
   accepted (someone who rounded a3 to 0.401 and carried on with it);
2. **carried_forward** when it matches what follows from *all* the student's
   earlier numbers, wrong ones included, and from the mistakes already
   diagnosed on earlier items (one replay of the solve with the student's
   numbers put in: :mod:`gradwork.check.replay`);
3. **wrong** otherwise, with every mistake model that reproduces it
   (:mod:`gradwork.check.mistakes`): each is tried on the correct solve and,
   where the student's earlier numbers matter, on top of them. The most
   specific model found is then kept as "the student's way of computing" for
   the items after it, so its consequences are carried forward, not punished
   again;
4. **missing** when left blank (null).

An array is judged per element; the item is wrong if any element is wrong,
else missing if any is blank, else carried_forward if any element is, else
correct. The score credits correct and carried_forward items.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from gradwork.check import feedback
from gradwork.check.answers import Answer, Answers
from gradwork.numbers.tolerance import DEFAULT, Tolerance
from gradwork.check.convert import convert, element, index_fits, squeezed
from gradwork.check.policy import effective_policy
from gradwork.check.mistakes import MISTAKES, Look, Variant, same_numbers, variants_for
from gradwork.check.replay import NOTHING, Graph, Perturbation, Place, ReplayError, State, Substitutions, replay
from gradwork.check.report import Finding, ItemResult, Report
from gradwork.numbers.marking import MarkingPolicy
from gradwork.problem import Solution
from gradwork.problem.numbers import jsonify


def mark(solution: Solution, answers: Answers, tolerance: Tolerance | None = None, *,
         policy: MarkingPolicy | None = None, allow_answer_tolerance: bool = False) -> Report:
    """Mark one answers file against a solved problem (see :class:`Marker` to mark many, and its ``mark``)."""
    return Marker(solution).mark(answers, tolerance, policy=policy, allow_answer_tolerance=allow_answer_tolerance)


@dataclass
class _Item:
    answer: Answer
    place: Place
    given: np.ndarray  # in the solve's backend, aligned to the expected shape where possible
    blank: np.ndarray  # True where the student left an entry blank
    order: tuple[int, int, int]
    # Set by Marker.mark before anything reads them:
    correct: np.ndarray = field(init=False)  # matches the solution
    accepted: np.ndarray = field(init=False)  # matches given accepted numbers
    carried: np.ndarray = field(init=False)  # matches given all earlier numbers
    carried_value: np.ndarray | None = None
    findings: list[tuple[Variant, ...]] = field(default_factory=list)
    carried_from: tuple[str, ...] = ()

    @property
    def unresolved(self) -> np.ndarray:
        return ~(self.correct | self.accepted | self.carried | self.blank)


class Marker:
    """Marks answers files against one solved problem.

    Build one per problem and reuse it for a class: the correct solve and each
    mistake model's replay are computed once, lazily.
    """

    def __init__(self, solution: Solution) -> None:
        self.solution = solution
        self.graph = Graph(solution)
        self.clean = replay(self.graph)
        self._variants: list[Variant] | None = None
        self._variant_states: dict[int, State | None] = {}  # by id(variant)
        self._changed: dict[tuple[Any, ...], Any] = {}  # does a variant change a place's number? which do?

    @property
    def variants(self) -> list[Variant]:
        if self._variants is None:
            self._variants = variants_for(self.graph)
        return self._variants

    def variant_state(self, variant: Variant) -> State | None:
        """The correct solve with ``variant``'s mistake made (None when it cannot be evaluated)."""
        key = id(variant)
        if key not in self._variant_states:
            try:
                self._variant_states[key] = None if variant.perturbation is None else replay(
                    self.graph, variant.perturbation)
            except ReplayError:
                self._variant_states[key] = None
        return self._variant_states[key]

    # ------------------------------------------------------------ marking
    def validate(self, answers: Answers) -> None:
        """Raise :class:`AnswersError` if an answer names something this problem lacks or cannot be read."""
        for answer in answers.answers:
            self._resolve(answers, answer)

    def mark(self, answers: Answers, tolerance: Tolerance | None = None, *, policy: MarkingPolicy | None = None,
             allow_answer_tolerance: bool = False) -> Report:
        """Mark ``answers`` under the teacher's policy.

        ``policy``: the problem's ``marking:`` (default: the solution's own);
        ``tolerance``: the command line's, which overrides it. The answers
        file's own tolerance counts only with ``allow_answer_tolerance``
        (:func:`gradwork.check.policy.effective_policy`). The score depends on
        this file and the policy alone.
        """
        policy, warnings = effective_policy(policy or self.solution.marking, answers.tolerance,
                                            tolerance=tolerance, allow_answer_tolerance=allow_answer_tolerance)
        tol = policy.effective_tolerance
        scored, extra = self._select(answers)
        resolved = [(answer, self._resolve(answers, answer)) for answer in (*scored, *extra)]
        items = sorted((item for _, item in resolved), key=lambda it: it.order)
        for item in items:
            item.correct = self._agree(tol, item, self.clean.read(item.place))
            item.accepted = np.zeros_like(item.correct)
            item.carried = np.zeros_like(item.correct)
        if any(item.unresolved.any() for item in items):
            self._credit_own_numbers(items, tol)
            self._carry_forward_and_diagnose(items, tol)
        results = [self._result(item, tol) for _, item in resolved]
        asked = bool(self.solution.ask)
        if not asked:  # what the student answered, in the order of the computation
            order = sorted(range(len(scored)), key=lambda k: resolved[k][1].order)
            scored_results = [results[k] for k in order]
        else:
            scored_results = results[:len(scored)]
        others = sorted(range(len(scored), len(results)), key=lambda k: resolved[k][1].order)
        return Report(
            self.solution.title, answers.source, policy,
            tuple(_with_points(result, policy) for result in scored_results),
            tuple(replace(results[k], max_points=0.0) for k in others),  # listed, never scored
            asked=asked, warnings=warnings)

    def _select(self, answers: Answers) -> tuple[list[Answer], list[Answer]]:
        """The answers that are scored (one per asked quantity, blank when not answered) and the others.

        Without ``ask:`` every answer is scored. An asked element is taken from
        an answer of its whole node; an asked node is assembled from answers of
        its elements (the others blank).
        """
        ask = self.solution.ask
        if not ask:
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

    def _credit_own_numbers(self, items: list[_Item], tol: Tolerance) -> None:
        """Accept answers that follow from the student's own accepted (within-tolerance) numbers."""
        substitutions = Substitutions()
        for item in items:
            self._substitute(substitutions, item, item.correct)
        for _ in range(len(items)):
            state = replay(self.graph, NOTHING, substitutions)
            grown: list[Place] = []
            for item in items:
                if not item.unresolved.any():
                    continue
                newly = self._agree(tol, item, state.read(item.place)) & item.unresolved
                if newly.any():
                    item.accepted = item.accepted | newly
                    self._substitute(substitutions, item, newly)
                    grown.append(item.place)
            # Again only if a newly accepted number feeds an answer still open.
            if not any(set(grown) & self.graph.upstream_places(item.place) for item in items if item.unresolved.any()):
                return

    def _carry_forward_and_diagnose(self, items: list[_Item], tol: Tolerance) -> None:
        """Credit answers that follow from earlier wrong ones; diagnose the rest.

        "Follows" is tried four ways, each one replay of the solve: with the
        mistakes diagnosed so far made and all the student's numbers put in;
        with all their numbers and the correct rules only (carried-forward
        credit by quantity: the local rule applied to their own upstream
        numbers, whatever global mistake explained those); with the mistakes
        and only their earlier *wrong* numbers (a student who wrote a3 rounded
        but carried on with the full value); with the mistakes and none of
        their numbers (right under the mistake already noted, e.g. a matrix
        read transposed).
        """
        everything = Substitutions()
        for item in items:
            self._substitute(everything, item, ~item.blank)
        answered = {item.place for item in items if (~item.blank).any()}
        active: list[Variant] = []
        roots: list[_Item] = []  # earlier answers that stayed wrong
        off: set[Place] = set()  # places of earlier answers not simply correct (wrong or carried forward)
        states: dict[str, State | None] = {}  # the three replays, dropped when active or roots change
        contexts: dict[tuple[int, int, bool], State | None] = {}
        for item in items:
            if not item.unresolved.any():
                continue
            upstream = self.graph.upstream_places(item.place)
            touched = [v for v in active if self._touches(v, item)]
            # Each replay only where it can differ from the correct solve for this item.
            wanted = {"all": bool(upstream & off or touched),
                      "local": bool(active and upstream & off),
                      "roots": any(root.place in upstream for root in roots), "mistakes": bool(touched)}
            for kind in ("all", "local", "roots", "mistakes"):
                if not wanted[kind]:
                    continue
                if kind not in states:
                    # "local": the correct rules on the student's own numbers, whatever mistake model explained
                    # those numbers (a W read transposed still has its gradient reported where they put it).
                    model = NOTHING if kind == "local" else _combined(active)
                    states[kind] = self._replay(model, self._context_substitutions(kind, everything, roots))
                state = states[kind]
                if state is None or same_numbers(self._read(state, item), self._read(self.clean, item)):
                    continue
                carried = self._agree(tol, item, state.read(item.place)) & item.unresolved
                if kind == "all" or carried.any():
                    item.carried_value = self._read(state, item)
                    item.carried_from = tuple([root.answer.key for root in roots if root.place in upstream]
                                              + ([] if kind == "local" else
                                                 [f"{v.code} mistake at {v.site}" for v in touched]))
                item.carried = item.carried | carried
                if not item.unresolved.any():
                    break
            off.add(item.place)
            if item.unresolved.any():
                # The diagnosis looks on top of all the student's numbers, accepted ones included (δ1 halved
                # from their own rounded dL/dh is still δ1 halved).
                context = None
                if upstream & answered or touched:
                    if "all" not in states:
                        states["all"] = self._replay(_combined(active), everything)
                    context = states["all"]
                item.findings = self._diagnose(item, tol, context, active, everything, contexts)
                roots.append(item)
                states.pop("roots", None)
                chosen = self._most_specific(item, items)
                if chosen is not None:
                    active.append(chosen)
                    states.clear()

    def _context_substitutions(self, kind: str, everything: Substitutions, roots: list[_Item]) -> Substitutions:
        if kind in ("all", "local"):
            return everything
        chosen = Substitutions()
        if kind == "roots":
            for root in roots:
                self._substitute(chosen, root, ~root.blank)
        return chosen

    # ------------------------------------------------------------ diagnosis
    def _diagnose(self, item: _Item, tol: Tolerance, context: State | None, active: list[Variant],
                  everything: Substitutions, contexts: dict[tuple[int, int, bool], State | None]
                  ) -> list[tuple[Variant, ...]]:
        """Every model, or model written down wrongly, whose numbers reproduce the whole answer.

        Each replayed model is tried on the correct solve and, when the
        student's earlier numbers change this item, on top of them; each
        way of writing a number down is tried on all of those solves. Only
        the simplest explanations are kept: a combination is dropped when a
        part of it explains the answer alone, and catch-all models (a factor,
        a sign, rounding) only count when no specific model explains it.
        """
        answered = ~item.blank
        clean_value = self.clean.read(item.place)
        use_context = context is not None and not same_numbers(context.read(item.place), clean_value)
        observers = [v for v in self.variants if v.observe is not None]
        found: dict[frozenset[str], tuple[Variant, ...]] = {}

        def look_at(variant: Variant | None, state: State) -> None:
            if variant is not None and self._matches(tol, item, self._read(state, item), answered):
                found.setdefault(frozenset({variant.code}), (variant,))
            look = Look(self.graph, state, item.place, item.answer.index, item.given, tol)
            for observer in observers if variant is None else [o for o in observers if o.combines]:
                for written in observer.observe(look):  # type: ignore[misc]
                    if self._matches(tol, item, written, answered):
                        combination = (observer,) if variant is None else (observer, variant)
                        found.setdefault(frozenset(v.code for v in combination), combination)
                        break

        def explained() -> bool:
            return any(not MISTAKES[code].generic for codes in found for code in codes)

        look_at(None, self.clean)
        if use_context:
            look_at(None, context)  # type: ignore[arg-type]
        relevant = [(k, v) for k, v in self._changing(item.place) if not any(v is a for a in active)]
        candidates = self._candidates(item)
        if candidates is not None:  # numbers: screen every mistake's prediction at once, then check the few left
            combinations, stack = candidates
            for row in self._screen(tol, item, stack):
                combination = combinations[row]
                if not any(v is a for v in combination for a in active) \
                        and self._matches(tol, item, stack[row], answered):
                    found.setdefault(frozenset(v.code for v in combination), combination)
        else:
            for _, variant in relevant:
                look_at(variant, self.variant_state(variant))  # type: ignore[arg-type]
        if use_context and not explained():
            base = _combined(active)
            # A mistake made upstream of a number the student gave in full cannot reach this item past it.
            reach = self.graph.reachable(item.place, everything.whole_places())
            near = self._near(tol, item, context)  # type: ignore[arg-type]
            for generic in (False, True):
                if generic and explained():
                    break
                update = item.place.kind == "updated"
                for k, variant in relevant:
                    if MISTAKES[variant.code].generic is not generic:
                        continue
                    sites = variant.perturbation.places(self.graph)  # type: ignore[union-attr]
                    if sites is not None and item.place not in sites and not sites & reach:
                        continue
                    if near is not None and id(variant) not in near:
                        continue
                    key = (len(active), k, update)
                    if key not in contexts:
                        contexts[key] = self._replay(base + variant.perturbation, everything,  # type: ignore[operator]
                                                     forward_of=context, update=update)
                    if contexts[key] is not None:
                        look_at(variant, contexts[key])  # type: ignore[arg-type]
        simplest = {codes: c for codes, c in found.items() if not any(other < codes for other in found)}
        specific = {codes: c for codes, c in simplest.items() if not any(MISTAKES[code].generic for code in codes)}
        return list((specific or simplest).values())

    def _most_specific(self, item: _Item, items: list[_Item]) -> Variant | None:
        """The replayed mistake to keep for later items: the one touching the fewest answered items."""
        candidates = [v for combination in item.findings for v in combination if v.perturbation is not None]
        if not candidates:
            return None
        return min(candidates, key=lambda v: sum(self._touches(v, other) for other in items))

    def _touches(self, variant: Variant, item: _Item) -> bool:
        return self._changes(variant, item.place)

    def _candidates(self, item: _Item) -> tuple[list[tuple[Variant, ...]], np.ndarray] | None:
        """Every replayed mistake's number for the item, alone or written down by a combining observer.

        Stacked into one array (one row per combination); they do not depend on
        the student, so they are computed once per problem and item key. None
        for symbolic or exact numbers.
        """
        key = ("candidates", item.place, item.answer.index)
        if key in self._changed:
            return self._changed[key]
        combinations: list[tuple[Variant, ...]] = []
        rows: list[np.ndarray] = []
        if self.graph.backend.name == "float":
            observers = [v for v in self.variants if v.observe is not None and v.combines]
            for _, variant in self._changing(item.place):
                state = self.variant_state(variant)
                assert state is not None
                rows.append(np.asarray(self._read(state, item), dtype=np.float64))
                combinations.append((variant,))
                look = Look(self.graph, state, item.place, item.answer.index, item.given, DEFAULT)
                for observer in observers:
                    for written in observer.observe(look):  # type: ignore[misc]
                        rows.append(np.asarray(written, dtype=np.float64))
                        combinations.append((observer, variant))
        clean = self._read(self.clean, item)
        shape = () if clean is None else clean.shape
        kept = [(c, r) for c, r in zip(combinations, rows) if r.shape == shape]
        result = None if self.graph.backend.name != "float" else (
            [c for c, _ in kept], np.array([r for _, r in kept], dtype=np.float64).reshape(len(kept), *shape))
        self._changed[key] = result
        return result

    def _near(self, tol: Tolerance, item: _Item, context: State) -> set[int] | None:
        """The mistakes worth replaying on top of the student's numbers (by id), or None for all of them.

        A speed screen: the student's numbers move this item by some amount d
        from the correct solve; a mistake whose prediction on the correct solve
        is further from the answer than 10 (d + the tolerance) is not tried
        again on top of them (its own effect would have to grow tenfold).
        """
        candidates = self._candidates(item)
        if candidates is None or not len(candidates[1]):
            return None
        combinations, stack = candidates
        places = [item.place] + ([Place("grad", item.place.node)] if item.place.kind == "updated" else [])
        moved = 0.0
        for place in places:
            here, there = context.read(place), self.clean.read(place)
            if here is not None and there is not None:
                difference = np.abs(np.asarray(here, dtype=np.float64) - np.asarray(there, dtype=np.float64))
                moved = max(moved, float(np.max(difference[np.isfinite(difference)], initial=0.0)))
        rows = stack.reshape(len(stack), -1)
        answered = ~item.blank.reshape(-1)
        if rows.shape[1] != answered.size:
            return None
        magnitude = np.where(np.isfinite(rows), np.abs(rows), 0.0)
        allowed = 10 * (moved + _slack(tol, magnitude, len(rows)))
        difference = np.abs(rows[:, answered] - item.given.reshape(-1)[answered])
        close = np.flatnonzero((difference <= allowed[:, None]).all(axis=1))
        return {id(v) for row in close for v in combinations[row] if v.perturbation is not None}

    @staticmethod
    def _screen(tol: Tolerance, item: _Item, stack: np.ndarray) -> np.ndarray:
        """The rows of ``stack`` that can match the answer: within the loosest bound on every answered element."""
        if not len(stack) or stack.shape[1:] != item.given.shape or item.given.dtype == object:
            return np.arange(0)
        rows = stack.reshape(len(stack), -1)
        answered = ~item.blank.reshape(-1)
        magnitude = np.where(np.isfinite(rows), np.abs(rows), 0.0)
        slack = _slack(tol, magnitude, len(rows))
        difference = np.abs(rows[:, answered] - item.given.reshape(-1)[answered])
        return np.flatnonzero((difference <= slack[:, None]).all(axis=1))

    def _changing(self, place: Place) -> list[tuple[int, Variant]]:
        """The replayed mistakes that change the number at ``place``, with their positions. Cached per problem."""
        key = ("changing", place)
        if key not in self._changed:
            self._changed[key] = [(k, v) for k, v in enumerate(self.variants)
                                  if v.perturbation is not None and self._changes(v, place)]
        return self._changed[key]

    def _changes(self, variant: Variant, place: Place) -> bool:
        """Does ``variant``'s mistake change the number at ``place`` (in the correct solve)? Cached per problem."""
        key = (id(variant), place)
        if key not in self._changed:
            state = self.variant_state(variant)
            self._changed[key] = state is not None and not same_numbers(state.read(place), self.clean.read(place))
        return self._changed[key]

    # ------------------------------------------------------------ helpers
    def _replay(self, perturbation: Perturbation, substitutions: Substitutions, forward_of: State | None = None,
                update: bool = True) -> State | None:
        try:
            return replay(self.graph, perturbation, substitutions, forward_of, update)
        except ReplayError:
            return None

    def _read(self, state: State, item: _Item) -> np.ndarray | None:
        full = state.read(item.place)
        return None if full is None else self._pick(item, full)

    @staticmethod
    def _pick(item: _Item, full: np.ndarray) -> np.ndarray:
        return full if item.answer.index is None else np.asarray(full[element(item.answer.index, full)])

    def _agree(self, tol: Tolerance, item: _Item, full: np.ndarray | None) -> np.ndarray:
        """Elementwise agreement of the answer with a solve's number for its whole place (False where blank)."""
        return self._agree_value(tol, item, None if full is None else self._pick(item, full))

    def _agree_value(self, tol: Tolerance, item: _Item, expected: np.ndarray | None) -> np.ndarray:
        """Elementwise agreement of the answer with a number already picked for its element."""
        if expected is None or np.shape(expected) != item.given.shape:
            return np.zeros(item.given.shape, dtype=bool)
        return tol.passes(item.given, expected) & ~item.blank

    def _matches(self, tol: Tolerance, item: _Item, expected: np.ndarray | None, where: np.ndarray) -> bool:
        """Does a mistake's number agree with the answer on every element ``where`` selects?

        Each element within the tolerance, or within the tolerance at the scale
        of the whole answer: students write a matrix to a fixed number of
        decimals, so -0.00059 beside 0.388545 is -0.0005887 as they rounded it.
        """
        if expected is None or np.shape(expected) != item.given.shape:
            return False
        numeric = item.given.dtype != object and np.asarray(expected).dtype != object
        if numeric:  # most candidates are far off: rule them out with one cheap comparison
            t = np.asarray(expected, dtype=np.float64)
            finite = np.abs(t[np.isfinite(t)])
            scale = float(finite.max()) if finite.size else 0.0
            difference = np.abs(item.given - t)
            if not (difference[where] <= tol.slack(scale)).all():
                return False
        agree = self._agree_value(tol, item, expected)
        if not agree[where].all() and numeric:
            agree = agree | (difference < tol.bound(np.asarray(scale)))
        return bool(agree[where].all())

    def _substitute(self, substitutions: Substitutions, item: _Item, mask: np.ndarray) -> None:
        if not mask.any():
            return
        full = self.clean.read(item.place)
        if full is None:
            return
        if item.answer.index is not None:
            substitutions.add(item.place, element(item.answer.index, full), item.given.reshape(()))
        elif item.given.shape == full.shape:
            substitutions.add(item.place, None if mask.all() else mask, item.given)

    # ------------------------------------------------------------ reading answers
    def _resolve(self, answers: Answers, answer: Answer) -> _Item:
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
        else:
            known = solution.values if answer.section == "values" else solution.gradients
            names = [name for name in known if name in graph.names]
            if answer.name not in names:
                raise answers.error(answer, f"unknown name {answer.name!r} in {answer.section}",
                                    "one of " + ", ".join(names))
            i = graph.names[answer.name]
            place = Place("value" if answer.section == "values" else "grad", i)
            order = (0, i, 0) if answer.section == "values" else (2, *self._backward_rank(i))
        full = self.clean.read(place)
        if full is None:
            raise answers.error(answer, f"{answer.key} has no value in this problem")
        given, blank = convert(answers, answer, self.graph.backend)
        if answer.index is not None:
            if not index_fits(answer.index, full.shape):
                raise answers.error(answer, f"index [{','.join(map(str, answer.index))}] is outside {answer.name}, "
                                            f"of shape [{', '.join(map(str, full.shape))}]", "0-based indices")
            given, blank = given.reshape(()), blank.reshape(())
        elif given.shape != full.shape and given.size == full.size and (
                given.ndim <= 1 or full.ndim <= 1 or squeezed(given.shape) == squeezed(full.shape)):
            given, blank = given.reshape(full.shape), blank.reshape(full.shape)
        return _Item(answer, place, given, blank, order)

    def _backward_rank(self, i: int) -> tuple[int, int]:
        """When node i's gradient is complete in the backward walk: a leaf's right after its first consumer."""
        graph = self.graph
        if graph.nodes[i].op is None and graph.consumers[i]:
            return len(graph.nodes) - min(c for c, _ in graph.consumers[i]), 1
        return len(graph.nodes) - i, 0

    def _result(self, item: _Item, tol: Tolerance) -> ItemResult:
        statuses = np.where(item.blank, "missing", np.where(item.correct | item.accepted, "correct",
                                                             np.where(item.carried, "carried_forward", "wrong")))
        flat = set(np.asarray(statuses).reshape(-1).tolist())
        if "wrong" in flat:
            status = "wrong"
        elif "missing" in flat:
            status = "missing"
        elif "carried_forward" in flat:
            status = "carried_forward"
        else:
            status = "correct"
        expected = self._read(self.clean, item)
        codes = _codes(item.findings) if status == "wrong" else ()
        findings = tuple(Finding(tuple(v.code for v in _ordered(c)), tuple(v.note for v in _ordered(c)),
                                 tuple(MISTAKES[v.code].rule for v in _ordered(c))) for c in item.findings)
        findings = findings if status == "wrong" else ()
        carried_from = item.carried_from if status in ("carried_forward", "wrong") else ()
        carried_value = item.carried_value if status == "carried_forward" else None
        bk = self.graph.backend
        text = feedback.message(feedback.Facts(
            status=status, given=item.answer.value, expected=expected, tolerance=tol,
            exact=item.given.dtype == object and _symbolic(item.given),
            own_rounding=bool(item.accepted.any() and not item.correct.all()),
            carried_from=carried_from, carried_value=carried_value, findings=findings, diagnosis=codes))
        return ItemResult(
            key=item.answer.key, given=item.answer.value,
            expected=None if expected is None else jsonify(expected, bk), status=status,  # type: ignore[arg-type]
            diagnosis=codes, message=text, findings=findings, carried_from=carried_from,
            expected_given_yours=None if carried_value is None else jsonify(carried_value, bk),
            elements=statuses.tolist() if statuses.ndim and len(flat) > 1 else None,
            line=item.answer.line, symbol=self._symbol(item.answer),
        )

    def _symbol(self, answer: Answer) -> str | None:
        """The problem's own name for an item (``names:``): its element's, or its node's with the index."""
        names = self.solution.names
        if answer.section == "loss":
            return names.symbol("loss")
        own = names.symbol(answer.name, answer.index)
        if own is not None or answer.index is None:
            return own
        whole = names.symbol(answer.name)
        return None if whole is None else whole + "[" + ",".join(map(str, answer.index)) + "]"


def _combined(variants: list[Variant]) -> Perturbation:
    """The replayed mistakes of ``variants`` made together (only variants with a perturbation are ever active)."""
    return sum((v.perturbation for v in variants if v.perturbation is not None), NOTHING)


def _codes(findings: list[tuple[Variant, ...]]) -> tuple[str, ...]:
    codes = {v.code for combination in findings for v in combination}
    return tuple(code for code in MISTAKES if code in codes)


def _ordered(combination: tuple[Variant, ...]) -> tuple[Variant, ...]:
    order = list(MISTAKES)
    return tuple(sorted(combination, key=lambda v: order.index(v.code)))


def _symbolic(array: np.ndarray) -> bool:
    return any(hasattr(v, "free_symbols") and v.free_symbols for v in array.reshape(-1))


_NOTHING = object()


def _element_of(value: Any, index: tuple[int, ...]) -> Any:
    """``value[i][j]...`` of a nested list as written, or ``_NOTHING`` when it has no such element."""
    if not isinstance(value, list):
        return value if index == (0,) else _NOTHING  # a one-unit value written as a number
    for i in index:
        if not isinstance(value, list) or not 0 <= i < len(value):
            return _NOTHING
        value = value[i]
    return value


def _with_points(result: ItemResult, policy: MarkingPolicy) -> ItemResult:
    """The item's points under the policy: in full, the carried-forward or blank fraction, or none."""
    worth = policy.points_for(result.key)
    shares = {"correct": 1.0, "carried_forward": policy.carried_forward, "missing": policy.missing}
    share = shares.get(result.status, 0.0)
    return replace(result, points=worth * share, max_points=worth)


def _slack(tol: Tolerance, magnitude: np.ndarray, rows: int) -> np.ndarray:
    """The tolerance's loosest bound for each row of candidates (a decimal-places bound is one number for all)."""
    scale = magnitude.max(axis=1) if magnitude.shape[1] else np.zeros(rows)
    return np.broadcast_to(np.asarray(tol.slack(scale), dtype=np.float64), (rows,))
