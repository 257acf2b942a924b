"""Heavy test-only libraries (PyTorch, onnxruntime), imported by the first test that uses them, not at collection.

Every pytest-xdist worker collects every test file, so a module-level ``import torch`` costs each worker ~1.7 s
of CPU before its first test, even one that never runs a PyTorch test. ``torch = lazy("torch")`` instead: during
collection an attribute (``torch.maximum``, ``torch.optim.SGD`` in a parametrize table) is a deferred reference
that imports and looks itself up when called; once collection is over (tests/conftest.py says so) an attribute is
the library's own object. tests/conftest.py also keeps the files that use these libraries on one worker.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

COLLECTING = [True]  # set False by tests/conftest.py when collection finishes


def _resolve(path: tuple[str, ...]) -> Any:
    found: Any = importlib.import_module(path[0])
    for part in path[1:]:
        found = getattr(found, part)
    return found


class _Deferred:
    """``module.a.b`` named during collection: resolved (the module imported) when called or once tests run."""

    def __init__(self, path: tuple[str, ...]) -> None:
        self._path = path
        self.__name__ = path[-1]  # what pytest shows in a parametrized test's id, as for the real object
        self.__qualname__ = path[-1]

    def __getattr__(self, attr: str) -> Any:
        if attr.startswith("__"):
            raise AttributeError(attr)
        if COLLECTING[0] and self._path[0] not in sys.modules:
            return _Deferred((*self._path, attr))
        return getattr(_resolve(self._path), attr)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return _resolve(self._path)(*args, **kwargs)

    def __repr__(self) -> str:
        return ".".join(self._path)


def lazy(name: str) -> Any:
    """The module ``name``, imported when first used."""
    return _Deferred((name,))
