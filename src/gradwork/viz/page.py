"""A single self-contained HTML page: the graph plus a panel that steps through the derivation.

Next/Previous (or the arrow keys) walk through the forward pass node by node,
then the backward pass; the current node is highlighted in the inlined SVG,
nodes not yet computed are faded, and gradients appear as the backward pass
reaches them. Everything (SVG, MathML, CSS, script) is inline: the page makes
no network request and works opened from disk. Without script it degrades to
the graph and the full list of steps.

The panel's content is a list of :class:`~gradwork.viz.walkthrough.PageStep`;
by default :func:`~gradwork.viz.walkthrough.walkthrough_steps` builds it from
the tensor graph, and callers with richer derivations (gradwork.explain's
steps rendered to HTML) pass their own ``steps``.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from importlib import resources
from typing import Literal

from gradwork.problem import Solution
from gradwork.viz.graph import GraphvizNotFoundError, graph_to_dot, render, retitle_svg
from gradwork.viz.model import ComputationGraph, build_graph
from gradwork.viz.numbers import COLLAPSE_ABOVE, DEFAULT_DIGITS, format_number
from gradwork.viz.walkthrough import PageStep, walkthrough_steps

_INDEXED = re.compile(r"^(.*?)\[[^\]]*\]$")


def build_page(
    solution: Solution,
    steps: Sequence[PageStep] | None = None,
    *,
    digits: int = DEFAULT_DIGITS,
    collapse_above: int = COLLAPSE_ABOVE,
    title: str | None = None,
    missing_graphviz: Literal["raise", "note"] = "raise",
) -> str:
    """The interactive page for ``solution`` as one HTML document.

    ``steps`` defaults to :func:`walkthrough_steps`. A step's ``node`` is a
    node key (``"hidden.z"``; ``"hidden.W[0,1]"`` highlights ``hidden.W``); a
    step whose node is not in the graph highlights nothing. Without
    Graphviz's ``dot`` this raises :class:`GraphvizNotFoundError`, or with
    ``missing_graphviz="note"`` shows the steps with a note in place of the graph.
    """
    graph = build_graph(solution)
    if steps is None:
        steps = walkthrough_steps(solution, graph, digits=digits, collapse_above=collapse_above)
    try:
        figure = page_svg(graph, digits=digits, collapse_above=collapse_above)
    except GraphvizNotFoundError as error:
        if missing_graphviz == "raise":
            raise
        figure = f'<p class="gw-nograph">{_escape(str(error))}</p>'
    heading = title if title is not None else solution.title
    return _TEMPLATE.format(
        title=_escape(heading),
        subtitle=_escape(_subtitle(solution, digits)),
        css=_asset("page.css"),
        script=_asset("page.js"),
        figure=figure,
        steps="\n".join(_step_item(step, graph) for step in steps),
        count=len(steps),
    )


def page_svg(graph: ComputationGraph, *, digits: int = DEFAULT_DIGITS, collapse_above: int = COLLAPSE_ABOVE) -> str:
    """The graph's SVG, ready to inline in HTML (no XML prolog, scaled by CSS)."""
    svg = render(graph_to_dot(graph, digits=digits, collapse_above=collapse_above), "svg").decode("utf-8")
    svg = retitle_svg(svg, graph)
    svg = svg[svg.index("<svg"):]
    # The page's CSS sizes the drawing; the viewBox keeps its proportions.
    return re.sub(r'<svg width="[^"]*" height="[^"]*"', '<svg role="img" aria-label="computation graph"', svg, count=1)


def node_dom_id(graph: ComputationGraph, key: str | None) -> str:
    """The SVG id of the node a step names, or "" when it names none in the graph."""
    if not key:
        return ""
    if key in graph:
        return graph[key].dom_id
    indexed = _INDEXED.match(key)  # an element of a tensor: highlight the tensor
    if indexed and indexed.group(1) in graph:
        return graph[indexed.group(1)].dom_id
    return ""


def _step_item(step: PageStep, graph: ComputationGraph) -> str:
    phase = _escape(step.phase)
    return (f'<li class="gw-step" data-node="{node_dom_id(graph, step.node)}" data-phase="{phase}">'
            f'<h2><span class="gw-phase">{phase}</span><span class="gw-title">{_escape(step.title)}</span></h2>'
            f"{step.html}</li>")


def _subtitle(solution: Solution, digits: int) -> str:
    parts = [f"{solution.form} form", f"{solution.mode} mode"]
    if solution.loss_value is not None:
        loss = solution.loss_value
        parts.append(f"loss {loss if isinstance(loss, str) else format_number(loss, digits)}")
    parts.append("forward values in black, gradients dL/dnode in red")
    return " · ".join(parts)


def _asset(name: str) -> str:
    return resources.files("gradwork.viz").joinpath("assets", name).read_text(encoding="utf-8")


def _escape(text: str) -> str:
    return html.escape(text, quote=True)


_TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="gradwork">
<title>{title}</title>
<style>
{css}
</style>
</head>
<body>
<div class="gw-page">
<header class="gw-header"><h1>{title}</h1><p>{subtitle}</p></header>
<main class="gw-layout">
<section class="gw-graph" aria-label="Computation graph">
<button type="button" class="gw-zoom" hidden>Actual size</button>
{figure}
</section>
<aside class="gw-panel" aria-live="polite">
<nav class="gw-controls">
<button type="button" class="gw-prev" aria-label="Previous step">&#8592; Previous</button>
<span class="gw-position">{count} steps</span>
<button type="button" class="gw-next" aria-label="Next step">Next &#8594;</button>
</nav>
<ol class="gw-steps">
{steps}
</ol>
<p class="gw-help">Arrow keys step forward and back; click a node to jump to it.</p>
</aside>
</main>
</div>
<script>
{script}
</script>
</body>
</html>
"""
