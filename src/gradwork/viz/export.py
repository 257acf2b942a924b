"""Writing a solution's graph or page to a file, the format chosen by the file's suffix."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from gradwork.problem import Solution
from gradwork.viz.graph import to_dot, to_png, to_svg
from gradwork.viz.numbers import DEFAULT_DIGITS
from gradwork.viz.page import build_page
from gradwork.viz.walkthrough import PageStep

FORMATS = (".dot", ".svg", ".png", ".html")


class UnknownFormatError(ValueError):
    pass


def output_format(path: str | Path) -> str:
    """The format a path asks for (``.htm`` counts as ``.html``), or UnknownFormatError."""
    suffix = Path(path).suffix.lower()
    suffix = ".html" if suffix == ".htm" else suffix
    if suffix not in FORMATS:
        raise UnknownFormatError(
            f"{path}: cannot tell the output format from the suffix {suffix or '(none)'!r} "
            f"(expected one of {', '.join(FORMATS)})")
    return suffix


def save(
    solution: Solution,
    path: str | Path,
    *,
    digits: int = DEFAULT_DIGITS,
    steps: Sequence[PageStep] | None = None,
) -> Path:
    """Write the graph (.dot, .svg, .png) or the interactive page (.html) of ``solution`` to ``path``.

    ``steps`` is the page's panel content (.html only; see :func:`build_page`).
    SVG, PNG and HTML need Graphviz's ``dot`` (GraphvizNotFoundError otherwise).
    The file is written only once its content is complete.
    """
    path = Path(path)
    kind = output_format(path)
    if kind == ".png":
        path.write_bytes(to_png(solution, digits=digits))
        return path
    if kind == ".dot":
        text = to_dot(solution, digits=digits)
    elif kind == ".svg":
        text = to_svg(solution, digits=digits)
    else:
        text = build_page(solution, steps, digits=digits)
    path.write_text(text, encoding="utf-8")
    return path
