"""Phase 2 of checking: what is right given the student's own numbers, and charging each mistake once.

For each item, in the order of the computation (forward values, loss,
gradients from the loss down, updated parameters):

1. **correct** when it matches the solution within the tolerance, or matches
   what follows from the student's own earlier numbers that were themselves
   accepted (someone who rounded a3 to 0.401 and carried on with it);
2. **carried_forward** when it matches what follows from the student's earlier
   numbers, wrong ones included, and from the mistakes already charged (one
   replay of the solve with the student's numbers put in:
   :mod:`gradwork.check.replay`); also when it is the same mistake made again
   (the update sign flipped for a second parameter, a second matrix written
   transposed): **a mistake is charged once, at the first item it makes wrong**;
3. **wrong** otherwise, with every mistake model that reproduces it
   (:mod:`gradwork.check.diagnose`). The model that explains the most of the
   student's later answers is kept as "the student's way of computing" for
   them, so its consequences are carried forward, not punished again.

The teacher's ``marking: {charge: every_item}`` charges a mistake on every item
it makes wrong instead (its consequences and its repeats are wrong, with its
code). Given data copied differently (``misread_data``) is a mistake made
before the first item: charged at the first item it makes wrong, carried after.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

import numpy as np

from gradwork.numbers.tolerance import Tolerance
from gradwork.check.diagnose import Diagnoser, agree, agree_value, answer_key, read
from gradwork.check.items import Item
from gradwork.check.mistakes import Variant, same_numbers
from gradwork.check.models import Models, combined
from gradwork.check.replay import NOTHING, Place, State, Substitutions

MAX_PRECISION_REPLAYS = 64  # numbers whose written precision is followed through (one replay each)


class Judge:
    """Verdicts for one student's items (sorted in computation order), under one tolerance."""

    def __init__(self, models: Models, tol: Tolerance, items: list[Item], made: Sequence[Variant] = (),
                 charge_every_item: bool = False) -> None:
        self.models = models
        self.graph = models.graph
        self.tol = tol
        self.items = items
        self.made = list(made)  # mistakes known before the first item (given data copied differently)
        self.every_item = charge_every_item
        self._made_states: dict[int, State | None] = {}
        self._roots_model, self._roots_subs = NOTHING, Substitutions()  # what the "roots" replay was made of
        self.charged: dict[str, str] = {}  # code -> the key of the item it was charged at
        self.follows: dict[int, list[tuple[Variant, ...]]] = {}  # id(item) -> the mistakes it is right given

    # ------------------------------------------------------------ the phases
    def run(self) -> None:
        self.start()
        self.finish()

    def start(self) -> None:
        """Correct, and right given the student's own accepted numbers."""
        for item in self.items:
            item.correct = self._correct(item)
            item.accepted = np.zeros(item.correct.shape, dtype=bool)
            item.carried = np.zeros(item.correct.shape, dtype=bool)
        if any(item.is_open for item in self.items):
            self.credit_own_numbers()

    def _correct(self, item: Item) -> np.ndarray:
        """Where the answer agrees with the solution (once per distinct float answer to an item, for a class)."""
        key = answer_key(item, self.tol)
        if key is None:
            return agree(self.tol, item, self.models.clean.read(item.place))
        memo = self.models.memo()
        found = memo.get(("correct", key))
        if found is None:
            found = memo[("correct", key)] = agree(self.tol, item, self.models.clean.read(item.place))
            if isinstance(found, np.ndarray):  # shared: every use makes a new array (item.correct | ...)
                found.flags.writeable = False
        return found

    def finish(self) -> None:
        """Carried forward, mistakes charged and diagnosed."""
        if any(item.is_open for item in self.items):
            self.carry_forward_and_diagnose()
        if self.every_item:
            self._charge_every_item()

    def credit_own_numbers(self) -> None:
        """Accept answers that follow from the student's own accepted (within-tolerance) numbers."""
        items, substitutions = self.items, Substitutions()
        for item in items:
            self.substitute(substitutions, item, item.correct)
        for _ in range(len(items)):
            state = self.models.replay(NOTHING, substitutions)
            if state is None:
                return
            grown: list[Place] = []
            for item in items:
                if not item.is_open:
                    continue
                newly = agree(self.tol, item, state.read(item.place)) & item.unresolved
                if newly.any():
                    item.accepted = item.accepted | newly
                    self.substitute(substitutions, item, newly)
                    grown.append(item.place)
            # Again only if a newly accepted number feeds an answer still open.
            if not any(set(grown) & self.graph.upstream_places(item.place) for item in items if item.is_open):
                return

    def carry_forward_and_diagnose(self) -> None:
        """Credit answers that follow from earlier wrong ones or repeat a charged mistake; diagnose the rest.

        "Follows" is tried four ways, each one replay of the solve: with the
        mistakes found so far made and all the student's numbers put in;
        with all their numbers and the correct rules only (carried-forward
        credit by quantity: the local rule applied to their own upstream
        numbers, whatever global mistake explained those); with the mistakes
        and only their earlier *wrong* numbers (a student who wrote a3 rounded
        but carried on with the full value); with the mistakes and none of
        their numbers (right under the mistake already noted, e.g. a matrix
        read transposed).
        """
        items, models, tol = self.items, self.models, self.tol
        everything = Substitutions()
        for item in items:
            self.substitute(everything, item, ~item.blank)
        diagnoser = Diagnoser(models, tol, everything)
        answered = {item.place for item in items if item.answered}
        active: list[Variant] = list(self.made)
        pending = {id(v) for v in self.made}  # made, not yet charged
        roots: list[Item] = []  # earlier answers that stayed wrong (or repeated a charged mistake)
        off: set[Place] = set()  # places of earlier answers not simply correct
        states: dict[str, State | None] = {}  # the replays, dropped when active or roots change
        for position, item in enumerate(items):
            if not item.is_open:
                continue
            upstream = self.graph.upstream_places(item.place)
            touched = [v for v in active if self.changes(v, item.place)]
            twin = self._twin(item, items[:position], off)
            if twin is not None:
                # One quantity under two keys (an identity layer's a is its z): the same number again is the same
                # answer, right given the first one.
                same = agree_value(tol, item, twin.given) & item.unresolved
                if same.any():
                    item.carried = item.carried | same
                    item.carried_value = twin.given
                    item.carried_from = (twin.answer.key,)
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
                    model = NOTHING if kind == "local" else combined(active)
                    numbers = self._substitutions(kind, everything, roots)
                    states[kind] = models.replay(model, numbers)
                    if kind == "roots":
                        self._roots_model, self._roots_subs = model, numbers
                state = states[kind]
                if state is None or same_numbers(read(state, item), read(models.clean, item)):
                    continue
                fits = agree(tol, item, state.read(item.place))
                carried = fits & item.unresolved if self._coherent(item, fits, state) else np.zeros_like(fits)
                if kind == "all" or carried.any():
                    item.carried_value = read(state, item)
                    item.carried_from = tuple([root.answer.key for root in roots if root.place in upstream]
                                              + ([] if kind == "local" else
                                                 [self._mistake_text(v) for v in touched if id(v) not in pending]))
                item.carried = item.carried | carried
                if not item.is_open:
                    break
            if item.is_open and wanted["roots"] and states.get("roots") is not None:
                # Full precision carried: their earlier wrong numbers were written rounded, and this one was
                # computed from the unrounded ones (anything that rounds to what they wrote).
                carried = self._within_precision(item, states["roots"], roots, upstream)  # type: ignore[arg-type]
                if carried.any():
                    item.carried = item.carried | carried
                    item.carried_value = read(states["roots"], item)  # type: ignore[arg-type]
                    item.carried_from = tuple(root.answer.key for root in roots if root.place in upstream)
            off.add(item.place)
            first = [v for v in touched if id(v) in pending]
            if first and not item.is_open and item.carried.any():
                # Given data copied differently: charged here, at the first item it makes wrong.
                item.carried = np.zeros_like(item.carried)
                item.findings = [(v,) for v in first]
                pending -= {id(v) for v in first}
                self._charge(item)
                roots.append(item)
                states.pop("roots", None)
                continue
            self.follows[id(item)] = [root_finding for root in roots if root.place in upstream or root is twin
                                      for root_finding in root.findings] + [(v,) for v in touched]
            if not item.is_open:
                continue
            # The diagnosis looks on top of all the student's numbers, accepted ones included (delta1 halved
            # from their own rounded dL/dh is still delta1 halved).
            context = None
            if upstream & answered or touched:
                if "all" not in states:
                    states["all"] = models.replay(combined(active), everything)
                context = states["all"]
            findings = diagnoser.diagnose(item, context, active, frozenset(self.charged))
            findings, matched = self._consistent(item, findings, diagnoser.matched, items[:position])
            repeats = [f for f in findings if all(v.code in self.charged for v in f)]
            if repeats:
                # The same mistake made again (a second parameter updated with the wrong sign): charged once.
                item.carried = item.carried | item.unresolved
                item.repeated = tuple(dict.fromkeys(v.code for f in repeats for v in f))
                item.carried_from = item.carried_from + tuple(
                    f"the {code} mistake charged at {self.graph.key_text(self.charged[code])}"
                    for code in item.repeated)
                self.follows[id(item)] = self.follows[id(item)] + repeats
                chosen = self._choose(item, [c for c in matched if all(v.code in self.charged for v in c)], active,
                                      everything, items[position + 1:])
            else:
                item.findings = findings
                self._charge(item)
                chosen = self._choose(item, matched, active, everything, items[position + 1:])
            roots.append(item)
            states.pop("roots", None)
            if chosen is not None:
                active.append(chosen)
                states.clear()
                diagnoser.forget_contexts()

    def _consistent(self, item: Item, findings: list[tuple[Variant, ...]], matched: list[tuple[Variant, ...]],
                    earlier: list[Item]) -> tuple[list[tuple[Variant, ...]], list[tuple[Variant, ...]]]:
        """The explanations the student's own right answers do not contradict.

        A mistake that would have changed an earlier answer which the student got right (beyond the tolerance)
        was not made there: with η = 0.5 and a batch of two, ∂L/∂W written right and W − ∂L/∂W as the update is
        η left out, not the batch's 1/2 dropped from ∂L/∂W. When every explanation is contradicted, all stay.
        """
        upstream = self.graph.upstream_places(item.place)
        right = [other for other in earlier if other.place in upstream and other.answered
                 and bool((other.correct | other.accepted)[~other.blank].all())]
        if not right or len(findings) < 2:
            return findings, matched

        def contradicted(combination: tuple[Variant, ...]) -> bool:
            for variant in combination:
                if variant.perturbation is None or any(variant is made for made in self.made):
                    continue
                state = self.models.variant_state(variant)
                if state is None:
                    continue
                for other in right:
                    if not agree(self.tol, other, state.read(other.place))[~other.blank].all():
                        return True
            return False

        kept = [combination for combination in findings if not contradicted(combination)]
        if not kept:
            return findings, matched
        codes = {frozenset(v.code for v in combination) for combination in kept}
        return kept, [c for c in matched if frozenset(v.code for v in c) in codes]

    @staticmethod
    def _twin(item: Item, earlier: list[Item], off: set[Place]) -> Item | None:
        """An earlier answer of the very same number (same place and element) that was not simply correct."""
        if item.place not in off:
            return None
        return next((other for other in reversed(earlier) if other.place == item.place
                     and other.answer.index == item.answer.index and other.answered), None)

    # ------------------------------------------------------------ charging
    def _charge(self, item: Item) -> None:
        for combination in item.findings:
            for variant in combination:
                self.charged.setdefault(variant.code, item.answer.key)

    def _choose(self, item: Item, findings: list[tuple[Variant, ...]], active: list[Variant],
                everything: Substitutions, later: list[Item]) -> Variant | None:
        """The replayed mistake to keep for later items: the one that explains most of them.

        Ties go to the most specific (the one touching the fewest answered items).
        """
        candidates = list({id(v): v for combination in findings for v in combination
                           if v.perturbation is not None}.values())
        if not candidates:
            return None
        open_later = [other for other in later if other.is_open]
        if len(candidates) == 1 or not open_later:
            return min(candidates, key=self._reach)

        def explains(variant: Variant) -> int:
            state = self.models.replay(combined([*active, variant]), everything)
            if state is None:
                return 0
            return sum(bool(agree(self.tol, other, state.read(other.place))[~other.blank].all())
                       for other in open_later)

        scores = {id(v): explains(v) for v in candidates}
        return min(candidates, key=lambda v: (-scores[id(v)], self._reach(v)))

    def _mistake_text(self, variant: Variant) -> str:
        where = self.charged.get(variant.code)
        return f"the {variant.code} mistake (charged at {self.graph.key_text(where)})" if where else \
            f"the {variant.code} mistake at {variant.site}"

    def _reach(self, variant: Variant) -> int:
        return sum(self.changes(variant, other.place) for other in self.items)

    def _charge_every_item(self) -> None:
        """``charge: every_item``: an item right only given a mistake (or repeating one) is charged for it."""
        for item in self.items:
            if not item.carried.any() or item.findings:
                continue
            reasons = [f for f in self.follows.get(id(item), []) if f]
            if reasons:
                item.carried = np.zeros_like(item.carried)
                item.findings = list({frozenset(v.code for v in f): f for f in reasons}.values())
                item.charged_codes = tuple(dict.fromkeys(v.code for f in reasons for v in f))

    def _within_precision(self, item: Item, state: State, roots: list[Item], upstream: frozenset[Place]
                          ) -> np.ndarray:
        """The open elements right given *some* numbers that round to what the student wrote for earlier roots.

        Each written number s stands for anything within half a unit of its
        last written digit (at most the tolerance's error at s). The item may
        then move by the sum over those numbers of |its change| when one moves
        by that much (one replay per number, from the replay of the roots).
        """
        centre = read(state, item)
        if centre is None or item.given.dtype == object or np.asarray(centre).dtype == object \
                or np.shape(centre) != item.given.shape:  # an answer of another shape (a matrix written transposed)
            return np.zeros_like(item.unresolved)
        moved = np.zeros(item.given.shape, dtype=np.float64)
        shifts = 0
        active = self._roots_model
        for root in roots:
            if root.place not in upstream or root.given.dtype == object:
                continue
            full = self.models.clean.read(root.place)
            if full is None or (root.answer.index is None and root.given.shape != full.shape):
                continue  # a number of another shape was never put in
            half = np.minimum(half_units(root), self.tol.bound(root.given))
            for j in np.ndindex(*root.given.shape):
                if root.blank[j] or not half[j] > 0:
                    continue
                shifts += 1
                if shifts > MAX_PRECISION_REPLAYS:
                    return np.zeros_like(item.unresolved)
                shifted = Substitutions({place: list(found) for place, found in self._roots_subs.entries.items()})
                value = root.given.copy()
                value[j] = value[j] + half[j]
                if root.answer.index is not None:
                    shifted.add(root.place, root.answer.index if full.ndim else (), value.reshape(()))
                else:
                    shifted.add(root.place, None, value)
                other = self.models.replay(active, shifted)
                there = None if other is None else read(other, item)
                if there is None or np.shape(there) != item.given.shape:
                    return np.zeros_like(item.unresolved)
                moved = moved + np.abs(np.asarray(there, dtype=np.float64) - np.asarray(centre, dtype=np.float64))
        if not shifts:
            return np.zeros_like(item.unresolved)
        centre = np.asarray(centre, dtype=np.float64)
        nearest = centre + np.clip(item.given - centre, -moved, moved)
        fits = self.tol.passes(item.given, nearest) & np.isfinite(moved) & ~item.blank
        return fits & item.unresolved if self._coherent(item, fits, state) else np.zeros_like(item.unresolved)

    def _coherent(self, item: Item, fits: np.ndarray, state: State) -> bool:
        """Is the whole answer what ``state`` gives, where it fits it? An array is credited as carried forward only
        when each answered number fits that one computation, or is right where that computation leaves the number
        as it was: zeros where the right ∂L/∂W has its zeros and others where the student's own numbers put theirs
        are neither answer."""
        answered = ~item.blank
        if item.given.ndim == 0 or not (fits & item.unresolved).any():
            return True
        here, clean = read(state, item), read(self.models.clean, item)
        if here is None or clean is None or np.shape(here) != item.given.shape or np.shape(clean) != np.shape(here):
            return True
        if np.asarray(here).dtype == object or np.asarray(clean).dtype == object:
            unaffected = np.asarray(here == clean, dtype=bool)
        else:
            unaffected = self.tol.passes(np.asarray(here, dtype=np.float64), np.asarray(clean, dtype=np.float64))
        right = item.correct | item.accepted
        return bool((fits | right & unaffected)[answered].all())

    # ------------------------------------------------------------ helpers
    def changes(self, variant: Variant, place: Place) -> bool:
        """Does ``variant`` change the number at ``place``? (The student's own mistakes are not cached per problem.)"""
        if not any(variant is made for made in self.made):
            return self.models.changes(variant, place)
        if id(variant) not in self._made_states:
            self._made_states[id(variant)] = self.models.replay(variant.perturbation or NOTHING)
        state = self._made_states[id(variant)]
        return state is not None and not same_numbers(state.read(place), self.models.clean.read(place))

    def _substitutions(self, kind: str, everything: Substitutions, roots: list[Item]) -> Substitutions:
        if kind in ("all", "local"):
            return everything
        chosen = Substitutions()
        if kind == "roots":
            for root in roots:
                self.substitute(chosen, root, ~root.blank)
        return chosen

    def substitute(self, substitutions: Substitutions, item: Item, mask: np.ndarray) -> None:
        if not mask.any():
            return
        full = self.models.clean.read(item.place)
        if full is None:
            return
        if item.answer.index is not None:
            index = item.answer.index if full.ndim else ()
            substitutions.add(item.place, index, item.given.reshape(()))
        elif item.given.shape == full.shape:
            substitutions.add(item.place, None if mask.all() else mask, item.given)


def half_units(item: Item) -> np.ndarray:
    """Half a unit of the last digit of each number as the student wrote it (0.473 -> 0.0005; 0 where blank)."""
    out = np.zeros(item.given.shape, dtype=np.float64)
    flat = np.asarray(item.answer.value, dtype=object).reshape(-1) if item.given.shape else \
        np.asarray([item.answer.value], dtype=object)
    if flat.size != out.size:
        return out
    for k, value in enumerate(flat):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            continue
        exponent = Decimal(repr(value)).as_tuple().exponent if isinstance(value, float) else 0
        if isinstance(exponent, int):
            out.reshape(-1)[k] = 0.5 * 10.0 ** exponent
    return out
