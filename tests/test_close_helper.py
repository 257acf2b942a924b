"""tests/close.assert_close fails exactly where np.testing.assert_allclose fails (its fast path only passes)."""

from __future__ import annotations

import numpy as np
import pytest

from tests.close import assert_close

CASES = [
    ([1.0, 2.0], [1.0, 2.0 + 1e-13]), ([1.0, 2.0], [1.0, 2.1]), ([np.nan, 1.0], [np.nan, 1.0]),
    ([np.inf], [np.inf]), ([np.inf], [-np.inf]), (1.0, [1.0, 1.0]), ([1.0, 2.0], [1.0]), ([[1.0]], [1.0]),
    ([0.0], [1e-13]), ([0.0], [1e-11]), ([1e300], [1.0000000001e300]), ([True, False], [1.0, 0.0]),
    ([1.0, 2.0], [1.0, 2.0, 3.0]),
]


@pytest.mark.parametrize(("actual", "desired"), CASES)
def test_assert_close_agrees_with_numpy(actual, desired):
    def outcome(check):
        try:
            check(actual, desired, rtol=1e-10, atol=1e-12)
        except AssertionError:
            return "fails"
        except ValueError:
            return "refuses"
        return "passes"

    assert outcome(assert_close) == outcome(np.testing.assert_allclose)
