"""Seeded drawing of a template's random parts, a batch of candidates at a time.

Each variant has its own NumPy ``Generator``, seeded from (seed, variant number)
or from (seed, student id), so a variant does not depend on how many others are
drawn with it, nor on their order: variant 7 of seed 42 is the same whether 10 or
1,000 are generated, and a student's variant follows from the id alone.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator

import numpy as np

from gradwork.generate.template import ChoiceSpec, RandomSpec, Template
from gradwork.documents.sources import DataPath

BATCH = 16  # candidates drawn at once: one vectorised draw per random part


def rng_for(seed: int, key: int | str) -> np.random.Generator:
    """The generator of one variant: ``key`` is a variant number or a student id."""
    if isinstance(key, str):
        digest = hashlib.sha256(f"{seed}\0{key}".encode()).digest()
        entropy = int.from_bytes(digest[:16], "big")
        return np.random.Generator(np.random.PCG64(np.random.SeedSequence(entropy)))
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(key,))))


def candidates(template: Template, rng: np.random.Generator, limit: int) -> Iterator[dict[DataPath, object]]:
    """Up to ``limit`` candidate drawings: {path of a random part: its value}, drawn ``BATCH`` at a time."""
    produced = 0
    while produced < limit:
        size = min(BATCH, limit - produced)
        columns = {spec.path: _draw(spec, rng, size) for spec in template.specs}
        for row in range(size):  # (a drawing's numbers are made when it is tried: most batches end early)
            yield {path: column(row) for path, column in columns.items()}
        produced += size


def _draw(spec: RandomSpec | ChoiceSpec, rng: np.random.Generator, size: int) -> Callable[[int], object]:
    """Draw ``size`` values of ``spec`` (every draw from ``rng`` made now); row -> its value."""
    if isinstance(spec, ChoiceSpec):
        picks = rng.integers(0, len(spec.options), size=size)
        return lambda row: spec.options[int(picks[row])]
    count, zero = spec.count, _zero_index(spec)
    if zero is None:
        indices = rng.integers(0, count, size=(size, *spec.shape))
    else:  # leave 0 out: draw among the other points and step over it
        indices = rng.integers(0, count - 1, size=(size, *spec.shape))
        indices = indices + (indices >= zero)
    return lambda row: spec.values(indices[row])


def _zero_index(spec: RandomSpec) -> int | None:
    if not spec.nonzero or spec.low > 0:
        return None
    k = -spec.low / spec.step
    if k != k.to_integral_value() or k >= spec.count:
        return None
    return int(k)

