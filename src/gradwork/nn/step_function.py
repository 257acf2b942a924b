"""The function one back end of :mod:`gradwork.nn.compile` generated for one set of input shapes, and how to call it.

Both back ends (:mod:`gradwork.nn.compile_numpy`, :mod:`gradwork.nn.compile_scalar`) hand their generated step to
:class:`~gradwork.nn.compile.CompiledStep` as a :class:`Built`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np


class Built:
    """The function generated for one set of input shapes, and how to call it."""

    __slots__ = ("run", "buffers", "source", "backend", "update")

    def __init__(self, run: Callable[..., Any], buffers: list[np.ndarray], source: str, backend: str,
                 update: str | None) -> None:
        self.run, self.buffers, self.source, self.backend = run, buffers, source, backend
        self.update = update  # the optimizer update done in the generated code: "sgd", "adam" or None
