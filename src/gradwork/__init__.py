"""gradwork: backpropagation worked out, explained and checked.

The public API, re-exported lazily so that ``gradwork --help`` does not pay
for NumPy, SymPy or the renderers:

- ``load(path) -> Problem``, ``Problem.solve(mode) -> Solved``, ``solve(path)``;
  ``Solved.check(answers) -> Report`` (answers files, :mod:`gradwork.check`) and
  ``Solved.mark(text) -> MarkReport`` (worked solutions, :mod:`gradwork.mark`)
- ``Tensor``, ``no_grad``, ``zero_grad`` (the engine)
- ``GradworkError`` (every error about bad input or a bad call), ``ProblemError``
  (one located in a file: ``FILE:LINE:COL: ...``)

The names are imported on first use (module ``__getattr__``); for type checkers
and IDEs the ``TYPE_CHECKING`` block below imports them for real, so
``gradwork.load(...)`` is typed all the way to its reports (``py.typed``).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from gradwork.api import Problem as Problem
    from gradwork.api import Solved as Solved
    from gradwork.api import load as load
    from gradwork.api import solve as solve
    from gradwork.check.report import Report as Report
    from gradwork.documents.errors import GradworkError as GradworkError
    from gradwork.documents.errors import ProblemError as ProblemError
    from gradwork.mark.report import MarkReport as MarkReport
    from gradwork.tensor import Tensor as Tensor
    from gradwork.tensor import no_grad as no_grad
    from gradwork.tensor import zero_grad as zero_grad

__version__ = "0.1.0"

_EXPORTS = {
    "Tensor": "gradwork.tensor",
    "no_grad": "gradwork.tensor",
    "zero_grad": "gradwork.tensor",
    "load": "gradwork.api",
    "solve": "gradwork.api",
    "Problem": "gradwork.api",
    "Solved": "gradwork.api",
    "Report": "gradwork.check.report",
    "MarkReport": "gradwork.mark.report",
    "GradworkError": "gradwork.documents.errors",
    "ProblemError": "gradwork.documents.errors",
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
