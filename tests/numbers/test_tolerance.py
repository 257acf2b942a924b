"""Tolerances exactly as docs/format.md defines them, at and around their edges."""

from __future__ import annotations

import numpy as np
import pytest

from gradwork.check import Tolerance, ToleranceError
from gradwork.numbers.tolerance import DEFAULT


def passes(tolerance, s, t):
    return bool(tolerance.passes(s, t))


def test_default_is_three_significant_figures_and_says_so():
    assert DEFAULT == Tolerance.sigfigs(3)
    assert DEFAULT.describe() == "3 significant figures"
    assert DEFAULT.as_dict() == {"sigfigs": 3}


@pytest.mark.parametrize(("s", "t", "ok"), [
    (0.513, 0.5130152524, True),       # the bound at t = 0.513 is 0.51e-3
    (0.5135, 0.5130152524, True),      # |s - t| = 0.00048 < 0.00051
    (0.5136, 0.5130152524, False),     # 0.00058
    (-0.597, -0.5979934383, False),    # cut off instead of rounded
    (-0.598, -0.5979934383, True),
    (123400, 123456, True),            # bound 0.51 * 10^(5 - 3 + 1) = 510
    (123000, 123456, True),            # 123456 to 3 figures is 123000
    (122900, 123456, False),
    (4.17e-6, 4.16802e-6, True),       # bound 0.51e-8
    (4.18e-6, 4.16802e-6, False),
])
def test_sigfigs(s, t, ok):
    assert passes(Tolerance.sigfigs(3), s, t) is ok


def test_sigfigs_bound_is_strict_and_uses_floor_log10():
    t = 0.25  # floor(log10 0.25) = -1: bound 0.51 * 10^-3
    assert Tolerance.sigfigs(3).bound(np.array(t)) == pytest.approx(0.51e-3)
    assert Tolerance.sigfigs(1).bound(np.array(7.0)) == pytest.approx(0.51)
    assert Tolerance.sigfigs(2).bound(np.array(10.0)) == pytest.approx(0.51)  # log10 10 = 1 exactly


def test_zero_falls_back_to_decimal_places():
    tolerance = Tolerance.sigfigs(3)
    assert passes(tolerance, 0.0, 0.0)
    assert passes(tolerance, 0.0004, 0.0)        # < 0.51e-3
    assert not passes(tolerance, 0.0006, 0.0)
    assert passes(tolerance, 0.0, 5.55e-17)      # floating-point noise around an exact 0


@pytest.mark.parametrize(("s", "t", "ok"), [(0.123, 0.1234, True), (0.1225, 0.123, True), (0.122, 0.123, False),
                                            (-4.0, -4.0004, True), (1000.0005, 1000.0, True)])
def test_digits(s, t, ok):
    assert passes(Tolerance.digits(3), s, t) is ok


def test_rtol_atol_inclusive():
    tolerance = Tolerance.relative(rtol=1e-2, atol=0.0)
    assert passes(tolerance, 101.0, 100.0)       # |s - t| = 1 = rtol * |t|: inclusive
    assert not passes(tolerance, 101.01, 100.0)
    assert passes(Tolerance.relative(rtol=0, atol=1e-3), 1e-3, 0.0)
    assert Tolerance.parse({"rtol": 1e-3}) == Tolerance("rtol", rtol=1e-3, atol=1e-8)


def test_blank_never_passes_and_arrays_are_elementwise():
    result = Tolerance.sigfigs(3).passes(np.array([0.5, np.nan, 0.7]), np.array([0.5, 0.6, 0.8]))
    assert result.tolist() == [True, False, False]


def test_symbolic_answers_compare_by_value():
    sympy = pytest.importorskip("sympy")
    x, d = sympy.symbols("x d")
    given = np.array([2 * d * x, d * (x + x)], dtype=object)
    expected = np.array([d * x * 2, 2 * d * x + 1], dtype=object)
    assert Tolerance.sigfigs(3).passes(given, expected).tolist() == [True, False]


@pytest.mark.parametrize(("spec", "key"), [({"sigfigs": 0}, "sigfigs"), ({"digits": -1}, "digits"),
                                           ({"sigfigs": 3, "digits": 2}, "digits"), ({"rtol": -1}, "rtol"),
                                           ({"tol": 3}, "tol"), ({"sigfigs": True}, "sigfigs")])
def test_bad_specs_name_the_field(spec, key):
    with pytest.raises(ToleranceError) as error:
        Tolerance.parse(spec)
    assert error.value.key == key


@pytest.mark.parametrize("tolerance", [Tolerance.sigfigs(3), Tolerance.sigfigs(1), Tolerance.digits(2),
                                       Tolerance.relative(1e-3, 1e-8)], ids=str)
def test_small_and_large_arrays_agree(tolerance):
    # Up to 4 numbers are compared with plain floats, more with NumPy: the same rule either way.
    rng = np.random.default_rng(0)
    t = rng.normal(size=3000) * 10.0 ** rng.integers(-5, 5, size=3000)
    t[:40] = [0.0, 5e-17, np.nan, np.inf] * 10
    s = t + rng.normal(size=3000) * np.abs(np.where(np.isfinite(t), t, 1.0)) * 10.0 ** rng.integers(-6, 0, size=3000)
    s[40:60] = np.nan
    one_by_one = [bool(tolerance.passes(np.array([a]), np.array([b]))[0]) for a, b in zip(s, t)]
    assert one_by_one == tolerance.passes(s, t).tolist()


def test_exact_numbers_compare_as_the_element_by_element_test():
    # Object arrays of Fractions, ints and floats (exact mode): the shortcuts for arrays of one shape and for plain
    # numbers give what _one_passes' general test gives for each pair, broadcasting included.
    from fractions import Fraction

    from gradwork.numbers import tolerance as module

    rng = np.random.default_rng(26)
    tolerances = [Tolerance.sigfigs(3), Tolerance.digits(2), Tolerance.relative(1e-3, 1e-9)]
    for k in range(400):
        shape = [(), (2,), (2, 2), (3,)][k % 4]
        size = int(np.prod(shape, dtype=int))
        t = [Fraction(int(n), int(d)) for n, d in zip(rng.integers(-50, 50, size), rng.integers(1, 9, size))]
        s = [x if rng.random() < 0.4 else float(x) * (1 + float(rng.choice([0, 1e-4, 1e-2, -0.3]))) for x in t]
        s = [int(x) if isinstance(x, Fraction) and x.denominator == 1 and rng.random() < 0.5 else x for x in s]
        if size and rng.random() < 0.2:
            s[0] = float("nan")
        given = np.array(s + [None], dtype=object)[:-1].reshape(shape)
        expected = np.array(t + [None], dtype=object)[:-1].reshape(shape)
        tol = tolerances[k % 3]
        want = np.array([_general(tol, a, b) for a, b in zip(given.ravel(), expected.ravel())],
                        dtype=bool).reshape(shape)
        assert np.array_equal(tol.passes(given, expected), want)
        assert [module._one_passes(tol, a, b) for a, b in zip(given.ravel(), expected.ravel())] == want.ravel().tolist()
    # broadcasting: one expected number against an array of answers
    one = np.array(Fraction(1, 3), dtype=object)
    answers = np.array([Fraction(1, 3), 0.3333, 0.34], dtype=object)
    assert Tolerance.sigfigs(3).passes(answers, one).tolist() == [True, True, False]


def _general(tol, s, t):
    """_one_passes without its shortcut for plain numbers: the float test after the checks for SymPy."""
    import math

    if s is None:
        return False
    try:
        s_float, t_float = float(s), float(t)
    except (TypeError, ValueError):
        return False
    return not math.isnan(s_float) and tol._one(s_float, t_float)


def _identities_and_near_misses():
    """Pairs of formulas in the symbols courses use: equal ones written differently, and wrong ones (a term
    dropped, a sign, a factor): the numeric test may only ever say "differ" where simplify says so."""
    import sympy

    x, y, a = sympy.symbols("x y a")
    p = sympy.Symbol("p", positive=True)
    s = 1 / (1 + sympy.exp(-x))
    return [
        (sympy.sin(x) ** 2 + sympy.cos(x) ** 2, sympy.Integer(1)),
        (s * (1 - s), sympy.exp(-x) / (1 + sympy.exp(-x)) ** 2),
        (sympy.sqrt(p ** 2), p), (sympy.Max(0, x), x), (x / x, sympy.Integer(1)),
        (sympy.tanh(x), 1 - 2 / (sympy.exp(2 * x) + 1)),
        (s * (1 - s), s), (2 * (a - y), a - y), (x * y + y, x * y), ((a - y) ** 2 / 2, (y - a) ** 2 / 2),
        (sympy.log(x * y), sympy.log(x) + sympy.log(y)), (sympy.log(p ** 2), 2 * sympy.log(p)), (sympy.Abs(p), p),
    ]


@pytest.mark.parametrize("pair", range(13))
def test_the_numeric_shortcut_never_contradicts_simplify(pair):
    import sympy

    from gradwork.numbers.tolerance import _nonzero_somewhere, _one_passes

    s, t = _identities_and_near_misses()[pair]
    difference = s - t
    equal = difference == 0 or sympy.simplify(difference) == 0
    if difference != 0 and _nonzero_somewhere(difference):
        assert not equal
    assert _one_passes(DEFAULT, s, t) == equal
