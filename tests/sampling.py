"""How much of a generated corpus the suite runs.

``make test`` runs a fixed, deterministic sample of the corpora drawn from templates (the variants of
tests/generate/test_build.py and tests/explain/test_reread.py); ``make test-full`` (``GRADWORK_TEST_FULL=1``)
runs all of them. The seed examples, the goldens, the gradient checks and the platform tests are never sampled.
"""

from __future__ import annotations

import os

FULL = os.environ.get("GRADWORK_TEST_FULL", "") not in ("", "0")


def sample(quick, full):
    """``full`` under ``GRADWORK_TEST_FULL=1``, else ``quick`` (a leading part of the same draws)."""
    return full if FULL else quick
