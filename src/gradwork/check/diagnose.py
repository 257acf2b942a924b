"""Phase 3 of checking: naming the mistake behind a wrong answer, and comparing numbers to the tolerance.

Every mistake model (:mod:`gradwork.check.mistakes`) is tried on a wrong item:
each replayed model on the correct solve and, when the student's earlier
numbers change this item, on top of them; each way of writing a number down on
all of those solves. Only the simplest explanations are kept: a combination is
dropped when a part of it explains the answer alone, and catch-all models (a
factor, a sign, rounding) only count when no specific model explains it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from gradwork.numbers.tolerance import Tolerance
from gradwork.check.items import Item
from gradwork.check.mistakes import MISTAKES, Look, Variant, same_numbers
from gradwork.check.models import Models, combined, pick, written_as_carried
from gradwork.check.replay import Place, State, Substitutions


# ---------------------------------------------------------------- comparing numbers
def read(state: State, item: Item) -> np.ndarray | None:
    """A solve's number for the item (its element, for an element key)."""
    return pick(item.answer.index, state.read(item.place))


def agree(tol: Tolerance, item: Item, full: np.ndarray | None) -> np.ndarray:
    """Elementwise agreement of the answer with a solve's number for its whole place (False where blank)."""
    return agree_value(tol, item, pick(item.answer.index, full))


def agree_value(tol: Tolerance, item: Item, expected: np.ndarray | None) -> np.ndarray:
    """Elementwise agreement of the answer with a number already picked for its element."""
    if expected is None or np.shape(expected) != item.given.shape:
        return np.zeros(item.given.shape, dtype=bool)
    return tol.passes(item.given, expected) & ~item.blank


def matches(tol: Tolerance, item: Item, expected: np.ndarray | None, where: np.ndarray) -> bool:
    """Does a mistake's number agree with the answer on every element ``where`` selects?

    Each element within the tolerance, or within the tolerance at the scale
    of the whole answer: students write a matrix to a fixed number of
    decimals, so -0.00059 beside 0.388545 is -0.0005887 as they rounded it.
    """
    if expected is None or np.shape(expected) != item.given.shape:
        return False
    numeric = item.given.dtype != object and np.asarray(expected).dtype != object
    if numeric and item.given.size <= SMALL:
        return _matches_small(tol, item, np.asarray(expected), where)
    if numeric:  # most candidates are far off: rule them out with one cheap comparison
        t = np.asarray(expected, dtype=np.float64)
        finite = np.abs(t[np.isfinite(t)])
        scale = float(finite.max()) if finite.size else 0.0
        difference = np.abs(item.given - t)
        if not (difference[where] <= tol.slack(scale)).all():
            return False
    agreed = agree_value(tol, item, expected)
    if not agreed[where].all() and numeric:
        agreed = agreed | (difference < tol.bound(np.asarray(scale)))
    return bool(agreed[where].all())


SMALL = 4  # answers of at most this many numbers are compared on Python floats (Tolerance.passes' own threshold)
_BOUNDS: dict[tuple[Tolerance, float], float] = {}


def _matches_small(tol: Tolerance, item: Item, expected: np.ndarray, where: np.ndarray) -> bool:
    """:func:`matches` for a small numeric answer on Python floats: the same tests, in the same arithmetic
    (IEEE subtraction and comparisons, Tolerance.passes' own per-number test, Tolerance.bound itself)."""
    given = item.given.reshape(-1).tolist()
    t = expected.astype(np.float64, copy=False).reshape(-1).tolist()
    chosen = where.reshape(-1).tolist()
    blank = item.blank.reshape(-1).tolist()
    finite = [abs(x) for x in t if x - x == 0]  # finite: inf - inf and nan - nan are nan
    scale = max(finite) if finite else 0.0
    loosest = tol.slack(scale)
    difference = [abs(s - x) for s, x in zip(given, t)]
    if not all(d <= loosest for d, w in zip(difference, chosen) if w):
        return False
    agreed = [tol._one(s, x) and not b for s, x, b in zip(given, t, blank)]
    if all(a for a, w in zip(agreed, chosen) if w):
        return True
    key = (tol, scale)
    bound = _BOUNDS.get(key)
    if bound is None:
        if len(_BOUNDS) > 4096:
            _BOUNDS.clear()
        bound = _BOUNDS[key] = float(tol.bound(np.asarray(scale)))
    return all(a or d < bound for a, d, w in zip(agreed, difference, chosen) if w)


def any_matches(tol: Tolerance, item: Item, predictions: Iterable[np.ndarray | None], where: np.ndarray) -> bool:
    """``any(matches(tol, item, p, where) for p in predictions)``, with the numbers of the answer's shape screened
    all at once first (most are far off); :func:`matches` decides on the few left."""
    given = item.given
    batch: list[np.ndarray] = []
    for prediction in predictions:
        if prediction is None:
            continue
        array = np.asarray(prediction)
        if array.shape == given.shape and array.dtype != object and given.dtype != object:
            batch.append(array)
        elif matches(tol, item, prediction, where):
            return True
    if not batch:
        return False
    if len(batch) == 1:
        return matches(tol, item, batch[0], where)
    rows = np.array(batch, dtype=np.float64).reshape(len(batch), -1)
    flat = where.reshape(-1)
    magnitude = np.where(np.isfinite(rows), np.abs(rows), 0.0)
    # matches' own first test (within the tolerance's loosest bound at the scale of the whole answer), a hair
    # looser so that no rounding here can rule out what matches itself would accept.
    bound = slack(tol, magnitude, len(rows)) * (1 + 1e-9)
    with np.errstate(invalid="ignore"):  # inf - inf: NaN, which fails the test below as in matches
        difference = np.abs(rows[:, flat] - given.reshape(-1)[flat])
    return any(matches(tol, item, batch[k], where)
               for k in np.flatnonzero((difference <= bound[:, None]).all(axis=1)))


def slack(tol: Tolerance, magnitude: np.ndarray, rows: int) -> np.ndarray:
    """The tolerance's loosest bound for each row of candidates (a decimal-places bound is one number for all)."""
    scale = magnitude.max(axis=1) if magnitude.shape[1] else np.zeros(rows)
    return np.broadcast_to(np.asarray(tol.slack(scale), dtype=np.float64), (rows,))


# ---------------------------------------------------------------- diagnosis
class Diagnoser:
    """Finds the mistake models that reproduce wrong answers, for one student's check."""

    def __init__(self, models: Models, tol: Tolerance, everything: Substitutions) -> None:
        self.models = models
        self.tol = tol
        self.everything = everything  # all the student's numbers
        self._contexts: dict[tuple[int, int, bool], State | None] = {}
        self.matched: list[tuple[Variant, ...]] = []  # the last diagnosis: every combination that reproduces it

    def diagnose(self, item: Item, context: State | None, active: list[Variant],
                 charged: frozenset[str] = frozenset()) -> list[tuple[Variant, ...]]:
        """Every model, or model written down wrongly, whose numbers reproduce the whole answer.

        An explanation made only of mistakes already ``charged`` (the same mistake again) is kept over new ones:
        it asks for no second mistake (a student who rounds every number to 2 figures writes an update whose step
        vanishes in that rounding: that is their rounding again, not a bias left alone).
        """
        models, tol = self.models, self.tol
        answered = ~item.blank
        clean_value = models.clean.read(item.place)
        use_context = context is not None and not same_numbers(context.read(item.place), clean_value)
        observers = models.observers
        found: dict[frozenset[str], tuple[Variant, ...]] = {}
        every: list[tuple[Variant, ...]] = []  # every matching combination (several variants of one code)

        def keep(combination: tuple[Variant, ...]) -> None:
            codes = frozenset(v.code for v in combination)
            if not codes <= charged and any(v.again_only for v in combination):
                return
            if codes not in found or catch_all(found[codes]) and not catch_all(combination):
                found[codes] = combination
            every.append(combination)

        def look_at(variant: Variant | None, state: State) -> None:
            if variant is not None and any_matches(tol, item, written_as_carried(variant, read(state, item)),
                                                   answered):
                keep((variant,))
            look = Look(models.graph, state, item.place, item.answer.index, item.given, tol)
            for observer in observers if variant is None else [o for o in observers if o.combines]:
                if memo is None or variant is not None:
                    matched = any_matches(tol, item, observer.observe(look), answered)  # type: ignore[misc]
                elif state is models.clean:  # the same answer to the same item: the same comparison
                    looked = (id(observer), memo)
                    if looked not in seen:
                        seen[looked] = any_matches(tol, item, observer.observe(look), answered)  # type: ignore[misc]
                    matched = seen[looked]
                else:  # on the student's numbers: the same where the numbers the observer read are the same
                    matched = self._observed(observer, state, item, answered, memo, seen)
                if matched:
                    keep((observer,) if variant is None else (observer, variant))

        def explained() -> bool:
            return any(not catch_all(combination) or codes <= charged for codes, combination in found.items())

        # What is compared with the correct solve depends only on the item and the answer (float numbers: not on
        # the student's other numbers): worked out once per distinct answer and kept with the models.
        memo = answer_key(item, tol)
        seen = models.memo(len(observers) + 1)
        look_at(None, models.clean)
        if use_context:
            look_at(None, context)  # type: ignore[arg-type]
        def relevant() -> list[tuple[int, Variant]]:  # the replayed mistakes not made already, where needed
            return [(k, v) for k, v in models.changing(item.place) if not any(v is a for a in active)]

        candidates = models.candidates(item.place, item.answer.index, item.given)
        if candidates is not None:  # numbers: screen every mistake's prediction at once, then check the few left
            combinations, stack = candidates
            rows = seen.get(("candidates", memo)) if memo is not None else None
            if rows is None:
                rows = [row for row in self._screen(item, stack) if matches(tol, item, stack[row], answered)]
                if memo is not None:
                    seen[("candidates", memo)] = rows
            for row in rows:
                combination = combinations[row]
                if not any(v is a for v in combination for a in active):
                    keep(combination)
        else:
            for _, variant in relevant():
                look_at(variant, models.variant_state(variant))  # type: ignore[arg-type]
        if use_context and not explained():
            base = combined(active)
            # A mistake made upstream of a number the student gave in full cannot reach this item past it.
            reach = models.graph.reachable(item.place, self.everything.whole_places())
            near = self._near(item, context)  # type: ignore[arg-type]
            others = relevant()
            for generic in (False, True):
                if generic and explained():
                    break
                update = item.place.kind == "updated"
                for k, variant in others:
                    if variant.catch_all is not generic:
                        continue
                    sites = models.sites(variant)
                    if sites is not None and item.place not in sites and not sites & reach:
                        continue
                    if near is not None and id(variant) not in near:
                        continue
                    key = (len(active), k, update)
                    if key not in self._contexts:
                        self._contexts[key] = models.replay(base + variant.perturbation,  # type: ignore[operator]
                                                            self.everything, forward_of=context, update=update)
                    if self._contexts[key] is not None:
                        look_at(variant, self._contexts[key])  # type: ignore[arg-type]
        simplest = {codes: c for codes, c in found.items() if not any(other < codes for other in found)}
        specific = {codes: c for codes, c in simplest.items() if not catch_all(c)}
        again = {codes: c for codes, c in simplest.items() if codes <= charged}
        kept = again or specific or simplest
        self.matched = [c for c in every if frozenset(v.code for v in c) in kept]
        return list(kept.values())

    def _observed(self, observer: Variant, state: State, item: Item, answered: np.ndarray, memo: tuple[Any, ...],
                  seen: dict[Any, Any]) -> bool:
        """Does ``observer`` on ``state`` reproduce the answer? An observer is a function of the look and of the
        numbers it reads from the state (:class:`_Reads` records which): a class's students whose numbers there
        are the same get the answer worked out for the first of them."""
        runs = seen.get(("context", id(observer), memo))
        if runs:
            for places, results in runs.items():
                found = results.get(_signature(state, places))
                if found is not None:
                    return found
        reads = _Reads(state)
        look = Look(self.models.graph, reads, item.place, item.answer.index, item.given, self.tol)  # type: ignore
        matched = any_matches(self.tol, item, observer.observe(look), answered)  # type: ignore[misc]
        places = tuple(reads.places)
        signature = _signature(state, places) if reads.complete else None
        if signature is not None:
            results = seen.setdefault(("context", id(observer), memo), {}).setdefault(places, {})
            if len(results) < MEMO_RUNS:
                results[signature] = matched
        return matched

    def forget_contexts(self) -> None:
        """Drop the replays on top of the student's numbers (the active mistakes changed)."""
        self._contexts.clear()

    def _near(self, item: Item, context: State) -> set[int] | None:
        """The mistakes worth replaying on top of the student's numbers (by id), or None for all of them.

        A speed screen: the student's numbers move this item by some amount d
        from the correct solve; a mistake whose prediction on the correct solve
        is further from the answer than 10 (d + the tolerance) is not tried
        again on top of them (its own effect would have to grow tenfold).
        """
        models = self.models
        candidates = models.candidates(item.place, item.answer.index, item.given)
        if candidates is None or not len(candidates[1]):
            return None
        combinations, stack = candidates
        places = [item.place] + ([Place("grad", item.place.node)] if item.place.kind == "updated" else [])
        moved = 0.0
        for place in places:
            here, there = context.read(place), models.clean.read(place)
            if here is not None and there is not None:
                difference = np.abs(np.asarray(here, dtype=np.float64) - np.asarray(there, dtype=np.float64))
                moved = max(moved, float(np.max(difference[np.isfinite(difference)], initial=0.0)))
        rows = stack.reshape(len(stack), -1)
        answered = ~item.blank.reshape(-1)
        if rows.shape[1] != answered.size:
            return None
        magnitude = np.where(np.isfinite(rows), np.abs(rows), 0.0)
        allowed = 10 * (moved + slack(self.tol, magnitude, len(rows)))
        difference = np.abs(rows[:, answered] - item.given.reshape(-1)[answered])
        close = np.flatnonzero((difference <= allowed[:, None]).all(axis=1))
        return {id(v) for row in close for v in combinations[row] if v.perturbation is not None}

    def _screen(self, item: Item, stack: np.ndarray) -> np.ndarray:
        """The rows of ``stack`` that can match the answer: within the loosest bound on every answered element."""
        if not len(stack) or stack.shape[1:] != item.given.shape or item.given.dtype == object:
            return np.arange(0)
        rows = stack.reshape(len(stack), -1)
        answered = ~item.blank.reshape(-1)
        magnitude = np.where(np.isfinite(rows), np.abs(rows), 0.0)
        bound = slack(self.tol, magnitude, len(rows))
        difference = np.abs(rows[:, answered] - item.given.reshape(-1)[answered])
        return np.flatnonzero((difference <= bound[:, None]).all(axis=1))


MEMO_RUNS = 256  # observers' results kept per answer and set of numbers read


class _Reads:
    """A state that records the places read from it (anything else read marks the record incomplete)."""

    def __init__(self, state: State) -> None:
        self._state = state
        self.places: list[Place] = []
        self.complete = True

    def read(self, place: Place) -> np.ndarray | None:
        if place not in self.places:
            self.places.append(place)
        return self._state.read(place)

    def __getattr__(self, name: str) -> Any:
        self.complete = False
        return getattr(self._state, name)


def _signature(state: State, places: tuple[Place, ...]) -> tuple[Any, ...] | None:
    """The numbers of a state at some places, exactly (None where they are not floats)."""
    out: list[Any] = []
    for place in places:
        value = state.read(place)
        if value is None:
            out.append(None)
        elif not isinstance(value, np.ndarray) or value.dtype != np.float64:
            return None
        else:
            out.append((value.shape, value.tobytes()))
    return tuple(out)


def answer_key(item: Item, tol: Tolerance) -> tuple[Any, ...] | None:
    """What a comparison of a float answer with a solve's number for its item depends on (None: not floats)."""
    kept = item.memo_key
    if kept is not None and kept[0] is tol and kept[1] is item.given and kept[2] is item.blank:
        return kept[3]
    given = item.given
    key = None if given.dtype != np.float64 else \
        (item.place, item.answer.index, tol, given.shape, given.tobytes(), item.blank.tobytes())
    item.memo_key = (tol, given, item.blank, key)
    return key


def catch_all(combination: tuple[Variant, ...]) -> bool:
    """Is a combination of mistakes a catch-all explanation (a factor, a sign, rounding), counted only when no
    specific one explains the number?"""
    return any(variant.catch_all for variant in combination)


def codes_of(findings: list[tuple[Any, ...]]) -> tuple[str, ...]:
    """The diagnosis codes of some findings, each once, in registry order."""
    codes = {v.code for combination in findings for v in combination}
    return tuple(code for code in MISTAKES if code in codes)
