"""The graph and the derivation together as one HTML fragment, for Jupyter's ``_repr_html_``.

A fragment, not a page: no ``<!DOCTYPE>``, no ``<html>``/``<body>``, and
every style rule is scoped to the fragment's ``.gw-notebook`` box, so the
notebook's own styles stay as they are. No script: notebooks may not run one.
"""

from __future__ import annotations

from collections.abc import Mapping

from gradwork.problem import Solution
from gradwork.viz.graph import GraphvizNotFoundError
from gradwork.viz.model import build_graph
from gradwork.viz.numbers import DEFAULT_DIGITS
from gradwork.viz.page import _escape, page_svg

CSS = """
.gw-notebook { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; line-height: 1.5; color: #1d1d1f; }
.gw-notebook .gw-nb-graph { margin: 0 0 1rem; overflow-x: auto; }
.gw-notebook .gw-nb-graph svg { display: block; max-width: 100%; height: auto; }
.gw-notebook .gw-nb-nograph { color: #607d8b; font-style: italic; }
.gw-notebook h1 { font-size: 1.3rem; margin: 0.6rem 0 0.2rem; }
.gw-notebook h2 { font-size: 1.1rem; color: #1f5f8b; border-bottom: 1px solid #d0dbe3; margin-top: 1.2rem; }
.gw-notebook .preface, .gw-notebook .note, .gw-notebook .sentence { color: #555; font-style: italic; }
.gw-notebook .note, .gw-notebook .sentence { margin: 0.2rem 0 0.6rem 1.5rem; font-size: 0.92rem; }
.gw-notebook .step { margin: 0.6rem 0; overflow-x: auto; }
.gw-notebook .parts { list-style: none; margin: 0.2rem 0 0.4rem 1.5rem; padding: 0; }
.gw-notebook .pitfall { background: #fff7e0; border-left: 4px solid #e0a800; padding: 0.4rem 0.8rem; }
.gw-notebook table { border-collapse: collapse; margin: 0.6rem 0; }
.gw-notebook th, .gw-notebook td { border: 1px solid #d0d7de; padding: 0.3rem 0.6rem; text-align: left; }
.gw-notebook th { background: #f3f6f8; }
""".strip()


def notebook_html(
    solution: Solution,
    derivation: str,
    *,
    labels: Mapping[str, str] | None = None,
    digits: int = DEFAULT_DIGITS,
) -> str:
    """The computation graph (inline SVG, or a note without Graphviz) above ``derivation``, an HTML fragment."""
    try:
        figure = page_svg(build_graph(solution, labels), digits=digits)
    except GraphvizNotFoundError as error:
        figure = f'<p class="gw-nb-nograph">{_escape(str(error))}</p>'
    return (f'<div class="gw-notebook">\n<style>\n{CSS}\n</style>\n'
            f'<figure class="gw-nb-graph" aria-label="computation graph">{figure}</figure>\n'
            f'<div class="gw-nb-derivation">\n{derivation}\n</div>\n</div>\n')
