"""Located documents: YAML, TOML and JSON read with the position of every value, checked, and bounded.

Every reader of user files (problem files, answers files, templates, training
configs) goes through this package, so a bad input is always one line
``FILE:LINE:COL: what is wrong (what was expected)``:

* :mod:`~gradwork.documents.sources`: :func:`read` / :func:`parse` a text into
  a :class:`Document` (plain data plus a :class:`Span` for every key and value);
  the TOML and JSON position scanners live in ``toml_positions`` and
  ``json_positions``;
* :mod:`~gradwork.documents.validation`: a pydantic model checked against a
  document, its first error located;
* :mod:`~gradwork.documents.limits`: the bounds on the work any input can ask
  for (``--max-NAME``);
* :mod:`~gradwork.documents.errors`: :class:`ProblemError`, the located error.

Nothing here knows what a problem is; :mod:`gradwork.problem`, ``check``,
``generate`` and ``train`` build on it. The names below are imported on first
use, so that ``gradwork --help`` and the command line's error boundary (which
need only ``limits``) import neither yaml nor pydantic.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from gradwork.documents.errors import ProblemError
    from gradwork.documents.sources import DataPath, Document, Position, Span, parse, read, sniff_format
    from gradwork.documents.validation import validate_model

_HOME = {
    "ProblemError": "errors", "DataPath": "sources", "Document": "sources", "Position": "sources", "Span": "sources",
    "parse": "sources", "read": "sources", "sniff_format": "sources", "validate_model": "validation",
}

__all__ = ["DataPath", "Document", "Position", "ProblemError", "Span", "parse", "read", "sniff_format",
           "validate_model"]


def __getattr__(name: str) -> Any:
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module 'gradwork.documents' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"gradwork.documents.{home}"), name)
    globals()[name] = value  # once: later lookups are plain attribute reads
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
