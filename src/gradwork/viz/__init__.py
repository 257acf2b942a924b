"""See it: the computation graph with values and gradients, and a page that steps through it.

* :func:`to_dot`, :func:`to_svg`, :func:`to_png`: the graph (DOT needs no
  Graphviz; SVG and PNG run its ``dot`` and raise :class:`GraphvizNotFoundError`
  with install instructions when it is missing).
* :func:`repr_svg`: for a ``_repr_svg_`` method in Jupyter (None without Graphviz).
* :func:`build_page`: one self-contained interactive HTML page stepping through
  gradwork.explain's derivation, given as :class:`PageStep` objects
  (``gradwork.api.Solved.page`` builds them); :func:`notebook_html`: the graph
  and a derivation as one HTML fragment for Jupyter.
* :func:`save`: any of these to a file, by its suffix (.dot, .svg, .png, .html).
"""

from gradwork.viz.export import FORMATS, UnknownFormatError, save
from gradwork.viz.graph import GraphvizNotFoundError, repr_svg, to_dot, to_png, to_svg
from gradwork.viz.model import ComputationGraph, GraphNode, build_graph
from gradwork.viz.notebook import notebook_html
from gradwork.viz.page import PageStep, Stop, build_page, group_steps, reveal_plan

__all__ = [
    "FORMATS", "ComputationGraph", "GraphNode", "GraphvizNotFoundError", "PageStep", "Stop", "UnknownFormatError",
    "build_graph", "build_page", "group_steps", "notebook_html", "repr_svg", "reveal_plan", "save", "to_dot",
    "to_png", "to_svg",
]
