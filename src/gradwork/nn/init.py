"""Weight initializers, seeded: the same seed always gives the same weights.

* ``he``: normal with mean 0 and variance 2 / fan_in (He et al., 2015), for
  ReLU-family layers; ``he_uniform`` is the uniform version with that variance.
* ``xavier``: uniform on [-a, a] with a = sqrt(6 / (fan_in + fan_out))
  (Glorot & Bengio, 2010), for sigmoid/tanh layers; ``xavier_normal`` is the
  normal version, variance 2 / (fan_in + fan_out).

Biases start at zero. Every function draws from the ``numpy.random.Generator``
it is given and returns an array of shape ``(fan_in, fan_out)``; callers
transpose for the column convention.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

Initializer = Callable[[np.random.Generator, int, int], np.ndarray]


def he_normal(rng: np.random.Generator, fan_in: int, fan_out: int) -> np.ndarray:
    return rng.normal(0.0, np.sqrt(2.0 / fan_in), size=(fan_in, fan_out))


def he_uniform(rng: np.random.Generator, fan_in: int, fan_out: int) -> np.ndarray:
    limit = np.sqrt(6.0 / fan_in)  # the uniform on [-a, a] has variance a^2 / 3 = 2 / fan_in
    return rng.uniform(-limit, limit, size=(fan_in, fan_out))


def xavier_uniform(rng: np.random.Generator, fan_in: int, fan_out: int) -> np.ndarray:
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, size=(fan_in, fan_out))


def xavier_normal(rng: np.random.Generator, fan_in: int, fan_out: int) -> np.ndarray:
    return rng.normal(0.0, np.sqrt(2.0 / (fan_in + fan_out)), size=(fan_in, fan_out))


INITIALIZERS: dict[str, Initializer] = {
    "he": he_normal,
    "he_normal": he_normal,
    "he_uniform": he_uniform,
    "xavier": xavier_uniform,
    "xavier_uniform": xavier_uniform,
    "xavier_normal": xavier_normal,
    "glorot": xavier_uniform,
}


class UnknownInitializerError(ValueError):
    pass


def initializer(name: str) -> Initializer:
    """The initializer called ``name``."""
    try:
        return INITIALIZERS[name]
    except KeyError:
        known = ", ".join(sorted(INITIALIZERS))
        raise UnknownInitializerError(f"unknown initializer {name!r} (expected one of: {known})") from None
