"""Writing a solution's graph or page to a file, the format chosen by the file's suffix."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from gradwork.problem import Solution
from gradwork.documents.files import write_file
from gradwork.viz.graph import to_dot, to_png, to_svg
from gradwork.viz.numbers import DEFAULT_DIGITS
from gradwork.viz.page import PageStep, build_page
from gradwork.documents.errors import GradworkError

FORMATS = (".dot", ".svg", ".png", ".html")


class UnknownFormatError(GradworkError, ValueError):
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
    labels: Mapping[str, str] | None = None,
) -> Path:
    """Write the graph (.dot, .svg, .png) or the interactive page (.html) of ``solution`` to ``path``.

    ``steps`` is the page's derivation (.html only, required there; see
    :func:`build_page`), ``labels`` the names drawn on the nodes.
    SVG, PNG and HTML need Graphviz's ``dot`` (GraphvizNotFoundError otherwise).
    The file is written only once its content is complete, through the one atomic writer
    (:func:`gradwork.documents.files.write_file`: a failed write leaves the old file intact).
    """
    path = Path(path)
    kind = output_format(path)
    if kind == ".html" and steps is None:
        raise ValueError("a page needs the derivation's steps: use gradwork.api's Solved.page() "
                         "or pass steps=Solved.page_steps()")
    if kind == ".png":
        return write_file(path, to_png(solution, digits=digits, labels=labels))
    if kind == ".dot":
        text = to_dot(solution, digits=digits, labels=labels)
    elif kind == ".svg":
        text = to_svg(solution, digits=digits, labels=labels)
    else:
        text = build_page(solution, steps or (), digits=digits, labels=labels)
    return write_file(path, text)
