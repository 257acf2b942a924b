"""Numbers as a file writes them: whether a value is one, and a value shown back as the user wrote it.

Shared by every reader (problem files, answers files, templates, training
configs) and by the located errors of :mod:`gradwork.documents.validation`,
so that "0.01" and "3/8" are recognised the same way everywhere.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal
from fractions import Fraction
from typing import Any

_FRACTION = re.compile(r"\s*[-+]?\d+\s*/\s*\d+\s*")
_DECIMAL = re.compile(r"\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*")


def is_number(value: Any) -> bool:
    """Whether ``value`` is a number as a problem file writes it (not bool, not a symbol name)."""
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, Decimal, Fraction)):
        return True
    if isinstance(value, float):
        return math.isfinite(value)
    return isinstance(value, str) and bool(_FRACTION.fullmatch(value) or _DECIMAL.fullmatch(value))


def shown(value: Any) -> str:
    """A user value as the user wrote it: 1.5 and 3/8, never Decimal('1.5') or Fraction(3, 8)."""
    if isinstance(value, bool) or value is None:
        return {True: "true", False: "false", None: "null"}[value]
    if isinstance(value, (Decimal, Fraction, int, float)):
        return str(value)
    return repr(value)
