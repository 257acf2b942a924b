"""``assert_close``: NumPy's ``assert_allclose`` with a fast path for the passing case.

``np.testing.assert_allclose`` spends ~100 µs setting up each comparison; the suite makes tens of thousands of
them (every replay, op and mode equivalence), nearly all passing. The same test (|actual - desired| <= atol +
rtol·|desired|, element by element) is made first on finite arrays of one shape; anything else, and every
failure, goes to NumPy's own function, which says why.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def assert_close(actual: Any, desired: Any, rtol: float = 1e-7, atol: float = 0.0, err_msg: str = "") -> None:
    try:
        x, y = np.asarray(actual, dtype=float), np.asarray(desired, dtype=float)
    except (TypeError, ValueError):
        x, y = actual, desired
    else:
        if x.shape == y.shape and np.isfinite(x).all() and np.isfinite(y).all() \
                and (np.abs(x - y) <= atol + rtol * np.abs(y)).all():
            return
    np.testing.assert_allclose(x, y, rtol=rtol, atol=atol, err_msg=err_msg)
