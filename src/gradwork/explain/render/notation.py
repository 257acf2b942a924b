"""Numbers and names as students write them: rounding to significant figures, Greek
letters, super- and subscripts, circled labels. Shared by every printer, so text,
LaTeX, HTML and JSON round and name things the same way.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from gradwork.explain import math as m
from gradwork.ops import OPS, RegistryTable
from gradwork.explain.render.precedence import PREC_ATOM, PREC_NEG, PREC_POWER, PREC_PRODUCT, PREC_QUOTIENT, PREC_SUM
from gradwork.numbers.display import Numeral, is_sympy, numeral  # noqa: F401  (re-exported: one rounding rule)
from gradwork.problem.notation import (  # noqa: F401  (re-exported: one table of letters and scripts)
    FROM_SUBSCRIPT, FROM_SUPERSCRIPT, GREEK, SUBSCRIPTS, SUPERSCRIPTS, join_indices, subscript,
    superscript as raised,
)

# ---------------------------------------------------------------- numbers


def number_precedence(n: Numeral, fraction_is_atom: bool) -> int:
    if n.kind == "sympy":
        from sympy.printing.precedence import precedence  # heavy: only for SymPy values (symbolic mode)

        p = precedence(n.value)
        return PREC_SUM if p <= 40 else PREC_PRODUCT if p <= 50 else PREC_POWER if p <= 60 else PREC_ATOM
    if n.negative:
        return PREC_NEG
    if n.kind == "fraction" and not fraction_is_atom:
        return PREC_QUOTIENT
    if n.kind == "scientific":
        return PREC_PRODUCT
    return PREC_ATOM


# ---------------------------------------------------------------- names

GREEK_LATEX = {char: "\\" + name for name, char in GREEK.items() if name not in ("varepsilon", "phi")}
GREEK_LATEX["φ"] = r"\varphi"
GREEK_LATEX["ϕ"] = r"\phi"

# Function names as students write them: (text, LaTeX): each registered op's `display`, and a few that are no op.
_NOT_OPS: dict[str, tuple[str, str]] = {
    "ln": ("ln", r"\ln"),
    "sin": ("sin", r"\sin"),
    "cos": ("cos", r"\cos"),
    "sign": ("sign", r"\operatorname{sign}"),
    "identity": ("id", r"\operatorname{id}"),
    "linear": ("id", r"\operatorname{id}"),
    "diag": ("diag", r"\operatorname{diag}"),
    "sum_k": ("Σₖ", r"\sum_{k}"),  # over the outputs k, in a loss's definition
    "sum_nk": ("Σₙ Σₖ", r"\sum_{n}\sum_{k}"),  # over the samples n of a batch and their outputs k
}
FUNCTIONS: Mapping[str, tuple[str, str]] = RegistryTable(
    lambda: {**{op.name: op.display for op in OPS.values() if op.display is not None}, **_NOT_OPS})

# One-input calls written other than name(x), as (text, LaTeX) templates over $x: each op's `call` (√x, |x|).
CALLS: Mapping[str, tuple[str, str]] = RegistryTable(
    lambda: {op.name: (op.call.text, op.call.latex) for op in OPS.values() if op.call is not None})

PRIMES = ("'", "′")

EXPONENT_CHARS = set("0123456789+-−=()T")  # what a text exponent may raise; letters read badly


def superscript(text: str, allowed: set[str] | None = None) -> str | None:
    """``text`` in Unicode superscripts, or None where a character has none (or is not ``allowed``)."""
    if allowed is not None and any(c not in allowed for c in text):
        return None
    return raised(text)


def index_labels(symbol: m.Symbol) -> list[str]:
    """A symbol's indices as printed: 1-based for network symbols, as stored for graph names."""
    shift = 1 if symbol.one_based else 0
    return [str(i + shift) if isinstance(i, int) else str(i) for i in symbol.index]


IDENTIFIER = re.compile(r"^([A-Za-z]+|[^\W\d_])(\d*)$")


def circled(number: int) -> str | None:
    """① … ⑳, or None beyond 20."""
    return chr(0x2460 + number - 1) if 1 <= number <= 20 else None
