"""Hypothesis strategies that mutate real input files: the fuzzers' raw material.

Seeds are the example problems, answers and configs in examples/. A mutation
inserts a hostile token (an alias, a huge exponent, a control character,
brackets that nest deep, a duplicate key ...), deletes or duplicates a slice,
or swaps a number for another; several apply in a row.

``GRADWORK_FUZZ_EXAMPLES`` sets how many inputs each fuzzer tries (default: a
few dozen, so that `make test` stays quick); a long run sets it to thousands.
"""

from __future__ import annotations

import os
from pathlib import Path

from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"

EXAMPLES_PER_FUZZER = int(os.environ.get("GRADWORK_FUZZ_EXAMPLES", "40"))
FUZZ = settings(max_examples=EXAMPLES_PER_FUZZER, deadline=None, derandomize="GRADWORK_FUZZ_EXAMPLES" not in os.environ,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much])
# The entry points (a class folder, a worked solution, the exported graders) cost a mark each: a few in `make test`.
# (Without shrinking there: a failure is reported as found, at once, not minimised for minutes.)
_LONG_RUN = "GRADWORK_FUZZ_EXAMPLES" in os.environ
entry_fuzz = settings(FUZZ, max_examples=int(os.environ.get("GRADWORK_FUZZ_EXAMPLES", "6")),
                      suppress_health_check=list(HealthCheck),
                      phases=list(Phase) if _LONG_RUN else [Phase.explicit, Phase.reuse, Phase.generate])

HOSTILE = [
    "1e999999999", "-1e-999999999", "9" * 60, ".nan", ".inf", "-.inf", "NaN", "Infinity", "1/0", "0/0",
    "&a", "*a", "&a [1, 2]", "<<: *a", "!!python/object:os.system", "!!binary", "? ", "- ", ": ", "---\n", "...\n",
    "[" * 70, "{" * 70, "]", "}", "\"", "'", "\\", "\\ud800", "\\u0000", "\x07", "\u0084", "\ufeff", "\t", "\r",
    "\n", "\n  ", "#", ",", "=", "[[", "]]", "x**9**9**9", "1e308", "-1e308", "steps: 1000000000",
    "units: 100000000", "lr: -5", "beta1: 5", "loss: 0", "null", "true", "~", "0x1F", "1_000", "+.5", "0o7",
    "sqrt(-1)", "log(0)", "exp(1000)", "__import__('os')", "x.__class__", "lambda: 0", "é", "𝜎",
]


def seed_texts(*patterns: str) -> list[tuple[str, str]]:
    """(file name, text) of the example files matching ``patterns`` (globs under examples/)."""
    found = []
    for pattern in patterns:
        for path in sorted(EXAMPLES.glob(pattern)):
            found.append((path.name, path.read_text(encoding="utf-8")))
    return found


@st.composite
def mutated(draw: st.DrawFn, seeds: list[tuple[str, str]]) -> tuple[str, str]:
    """A seed file with 1 to 4 mutations: (file name, text)."""
    name, text = draw(st.sampled_from(seeds))
    for _ in range(draw(st.integers(1, 4))):
        text = draw(_mutation(text))
    return name, text


@st.composite
def _mutation(draw: st.DrawFn, text: str) -> str:
    at = draw(st.integers(0, len(text)))
    end = draw(st.integers(at, min(len(text), at + 40)))
    kind = draw(st.sampled_from(["insert", "replace", "delete", "duplicate", "text", "number"]))
    if kind == "insert":
        return text[:at] + draw(st.sampled_from(HOSTILE)) + text[at:]
    if kind == "replace":
        return text[:at] + draw(st.sampled_from(HOSTILE)) + text[end:]
    if kind == "delete":
        return text[:at] + text[end:]
    if kind == "duplicate":
        return text[:end] + text[at:end] * draw(st.integers(1, 3)) + text[end:]
    if kind == "text":
        return text[:at] + draw(st.text(max_size=8)) + text[end:]
    number = draw(st.one_of(st.integers(-10**6, 10**6).map(str), st.floats(allow_nan=True).map(repr),
                            st.fractions().map(str)))
    return text[:at] + number + text[end:]


_COUNTS: dict[str, int] = {}


def counted(name: str) -> None:
    """In a long run (GRADWORK_FUZZ_EXAMPLES set), print every 100th case of fuzzer ``name`` (run with -s)."""
    if not _LONG_RUN:
        return
    _COUNTS[name] = _COUNTS.get(name, 0) + 1
    if _COUNTS[name] % 100 == 0:
        import sys
        import time

        sys.stderr.write(f"fuzz {time.strftime('%H:%M:%S')} {name}: {_COUNTS[name]} cases\n")

