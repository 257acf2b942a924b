"""gradwork: backpropagation worked out, explained and checked.

The public API, re-exported lazily so that ``gradwork --help`` does not pay
for NumPy, SymPy or the renderers:

- ``load(path) -> Problem``, ``Problem.solve(mode) -> Solved``, ``solve(path)``
- ``Tensor``, ``no_grad``, ``zero_grad`` (the engine)
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    "Tensor": "gradwork.tensor",
    "no_grad": "gradwork.tensor",
    "zero_grad": "gradwork.tensor",
    "load": "gradwork.api",
    "solve": "gradwork.api",
    "Problem": "gradwork.api",
    "Solved": "gradwork.api",
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        value = getattr(import_module(_EXPORTS[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'gradwork' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
