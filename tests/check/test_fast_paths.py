"""check's fast paths (#26) decide exactly as the plain computations they stand in for.

* ``matches`` on Python floats for small answers against its NumPy path;
* ``any_matches`` (predictions screened together) against ``any(matches(...))``;
* ``rounded_at_the_end`` with its cached roundings against the roundings computed afresh;
* a class checked with one Checker (whose memo of answers' comparisons fills up) against each student checked
  by a Checker of their own.

Random numbers are drawn around the tolerance's edges (a number that rounds to the expected one, one that just
does not), with blanks, zeros, infinities and NaN.
"""

from __future__ import annotations

import numpy as np
import pytest

from gradwork.check import Checker, parse_answers
from gradwork.check import diagnose
from gradwork.check.answers import Answer
from gradwork.check.diagnose import any_matches, matches
from gradwork.check.items import Item
from gradwork.check.mistakes import ROUNDINGS, Look, round_half_down, rounding
from gradwork.check.replay import Place, round_decimals, round_significant
from gradwork.numbers.tolerance import Tolerance
from gradwork.problem import load, solve

@pytest.fixture(autouse=True)
def _quiet():
    with np.errstate(all="ignore"):  # infinities drawn on purpose (inf - inf in the plain paths too)
        yield


TOLERANCES = [Tolerance.sigfigs(3), Tolerance.sigfigs(2), Tolerance.digits(3), Tolerance.digits(0),
              Tolerance.relative(1e-3, 1e-8), Tolerance.relative(0.0, 0.0)]


def _item(given: np.ndarray) -> Item:
    blank = np.isnan(given)
    return Item(Answer("values", "x", None, given.tolist()), Place("value", 0), given, blank, (0, 0, 0))


def _pair(rng: np.random.Generator, size: int) -> tuple[np.ndarray, np.ndarray]:
    """An expected array and an answer near it: equal, rounded, a hair either side of the bound, or far off."""
    scale = 10.0 ** rng.integers(-4, 4)
    expected = rng.normal(size=size) * scale
    special = rng.random(size)
    expected[special < 0.05] = 0.0
    expected[(special >= 0.05) & (special < 0.08)] = np.inf
    expected[(special >= 0.08) & (special < 0.1)] = np.nan
    given = expected.copy()
    for k in range(size):
        kind = rng.integers(6)
        if kind == 1 and np.isfinite(expected[k]):
            given[k] = float(f"{expected[k]:.{int(rng.integers(1, 6))}g}")
        elif kind == 2:
            given[k] = expected[k] * (1 + rng.choice([-1, 1]) * 10.0 ** -rng.integers(1, 5))
        elif kind == 3:
            given[k] = expected[k] + rng.choice([-1, 1]) * 0.51 * 10.0 ** -rng.integers(0, 5)
        elif kind == 4:
            given[k] = np.nan  # blank
        elif kind == 5:
            given[k] = rng.normal() * scale
    shape = (size,) if size != 4 or rng.random() < 0.5 else (2, 2)
    if size == 1 and rng.random() < 0.5:
        shape = ()
    return expected.reshape(shape), given.reshape(shape)


def test_small_matches_are_numpys_matches(monkeypatch):
    rng = np.random.default_rng(26)
    decided = {True: 0, False: 0}
    for _ in range(1500):
        expected, given = _pair(rng, int(rng.integers(1, 5)))
        item = _item(given)
        where = ~item.blank
        tol = TOLERANCES[int(rng.integers(len(TOLERANCES)))]
        fast = matches(tol, item, expected, where)
        with monkeypatch.context() as patch:
            patch.setattr(diagnose, "SMALL", 0)
            plain = matches(tol, item, expected, where)
        assert fast == plain, (tol, expected, given)
        decided[fast] += 1
    assert min(decided.values()) > 100  # both verdicts were drawn often


def test_screened_predictions_decide_as_each_one():
    rng = np.random.default_rng(7)
    found = 0
    for _ in range(600):
        size = int(rng.integers(1, 7))
        expected, given = _pair(rng, size)
        item = _item(given)
        where = ~item.blank
        tol = TOLERANCES[int(rng.integers(len(TOLERANCES)))]
        predictions = [expected, None, expected * 1.001, np.zeros(3), np.asarray(given + 1e-3)]
        predictions += [np.asarray(round_significant(np.nan_to_num(expected), int(f))) for f in range(1, 5)]
        rng.shuffle(predictions)  # type: ignore[arg-type]
        chosen = predictions[:int(rng.integers(0, len(predictions) + 1))]
        expected_answer = any(matches(tol, item, p, where) for p in chosen)
        assert any_matches(tol, item, iter(chosen), where) == expected_answer
        found += expected_answer
    assert found > 40


@pytest.mark.parametrize("tol", TOLERANCES[:4], ids=str)
def test_cached_roundings_are_the_roundings(tol):
    observe = _rounded_at_the_end()
    rng = np.random.default_rng(3)
    for _ in range(60):
        expected, given = _pair(rng, int(rng.integers(1, 5)))
        expected = np.asarray(np.nan_to_num(expected, posinf=3.0))
        look = Look(None, _State(expected), Place("value", 0), None, given, tol)  # type: ignore[arg-type]
        with np.errstate(all="ignore"):
            reference = [a.tolist() for a in _reference(expected, given, tol)]
            for _ in range(2):  # the second time from the cache
                assert [a.tolist() for a in observe(look)] == reference


class _State:
    def __init__(self, value: np.ndarray) -> None:
        self.value = value

    def read(self, place: Place) -> np.ndarray:
        return self.value


class _Graph:
    class backend:  # noqa: N801 (a stand-in)
        name = "float"


def _rounded_at_the_end():
    return next(v.observe for v in rounding(_Graph()) if v.code == "rounding" and v.site == "final answer")


def _reference(predicted: np.ndarray, given: np.ndarray, tol: Tolerance) -> list[np.ndarray]:
    """rounded_at_the_end as it was written before its roundings were cached."""
    places = tol.places if tol.kind != "rtol" else 6
    reach = float(np.max(np.abs(predicted), initial=0.0))
    reach = max(reach, 1.0) if tol.kind == "digits" else max(reach, 1e-12)
    if np.shape(given) == predicted.shape and not np.all(np.abs(given - predicted)[np.isfinite(given)] <= reach):
        return []
    out = []
    for precision in range(0 if tol.kind == "digits" else 1, places + 1):
        ways = [round_decimals(predicted, precision, mode) if tol.kind == "digits" else
                round_significant(predicted, precision, mode) for mode in ROUNDINGS]
        out.extend(ways)
        if np.shape(given) == predicted.shape and predicted.size > 1:
            down = round_half_down(predicted, precision, tol.kind == "digits")
            stack = np.stack([np.asarray(ways[0], dtype=np.float64), down])
            nearest = np.argmin(np.abs(stack - np.asarray(given, dtype=np.float64)), axis=0)
            out.append(np.take_along_axis(stack, nearest[None], axis=0)[0])
    return out


def test_a_class_with_one_checker_is_each_student_alone():
    """The memo of a class's comparisons changes no report: each student checked by a fresh Checker agrees."""
    from tests.check.students import answers_file, random_exercise, slips, work

    rng = np.random.default_rng(11)
    exercise = random_exercise(rng, 0.0)
    solved = solve(load(_yaml(exercise.problem())))
    shared = Checker(solved)
    for _ in range(6):
        choices = slips(exercise, rng)
        slip = choices[int(rng.integers(len(choices)))]
        answers = parse_answers(answers_file(exercise, work(exercise, slip), slip))
        first = shared.check(answers).to_json()
        assert shared.check(answers).to_json() == first  # the memo's second look
        assert Checker(solved).check(answers).to_json() == first


def _yaml(data: dict) -> str:
    import yaml

    return yaml.safe_dump(data)


def test_plain_floats_convert_as_the_full_reading(monkeypatch):
    from gradwork.backends import get_backend
    from gradwork.check import convert as module
    from gradwork.check.answers import Answers, AnswersError

    backend = get_backend("float")
    rng = np.random.default_rng(5)
    atoms = [0.5, -3, 10**400, True, None, "3/8", 1e-300, 7, [1.0], -0.0]
    for _ in range(400):
        shape = [(), (1,), (3,), (2, 2), (2, 3), (0,)][int(rng.integers(6))]
        values = rng.normal(size=shape).tolist() if shape else float(rng.normal())
        if rng.random() < 0.4:  # something unusual somewhere
            flat = values if isinstance(values, list) else None
            if flat:
                target = flat[int(rng.integers(len(flat)))] if isinstance(flat[0], list) else flat
                target[int(rng.integers(len(target)))] = atoms[int(rng.integers(len(atoms)))]
            else:
                values = atoms[int(rng.integers(len(atoms)))]
        if rng.random() < 0.1 and isinstance(values, list) and values and isinstance(values[0], list):
            values[0] = values[0][:-1]  # a ragged row
        answers = Answers("a.yaml", ())
        answer = Answer("values", "x", None, values)

        def read(fast: bool, answers=answers, answer=answer):
            with monkeypatch.context() as patch:
                if not fast:
                    patch.setattr(module, "_plain_floats", lambda raw: None)
                try:
                    given, blank = module.convert(answers, answer, backend)
                except AnswersError as error:
                    return str(error)
                return given.dtype.str, given.shape, given.tobytes(), blank.dtype.str, blank.shape, blank.tobytes()

        assert read(True) == read(False), values
