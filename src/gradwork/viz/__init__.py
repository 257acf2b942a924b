"""See it: the computation graph with values and gradients, and a page that steps through it.

* :func:`to_dot`, :func:`to_svg`, :func:`to_png`: the graph (DOT needs no
  Graphviz; SVG and PNG run its ``dot`` and raise :class:`GraphvizNotFoundError`
  with install instructions when it is missing).
* :func:`repr_svg`: for a ``_repr_svg_`` method in Jupyter (None without Graphviz).
* :func:`build_page`: one self-contained interactive HTML page; its panel
  content is a list of :class:`PageStep` (by default :func:`walkthrough_steps`).
* :func:`save`: any of these to a file, by its suffix (.dot, .svg, .png, .html).
"""

from gradwork.viz.export import FORMATS, UnknownFormatError, save
from gradwork.viz.graph import GraphvizNotFoundError, repr_svg, to_dot, to_png, to_svg
from gradwork.viz.model import ComputationGraph, GraphNode, build_graph
from gradwork.viz.page import build_page
from gradwork.viz.walkthrough import PageStep, walkthrough_steps

__all__ = [
    "FORMATS", "ComputationGraph", "GraphNode", "GraphvizNotFoundError", "PageStep", "UnknownFormatError", "build_graph", "build_page",
    "repr_svg", "save", "to_dot", "to_png", "to_svg", "walkthrough_steps",
]
