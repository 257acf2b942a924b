"""A single self-contained HTML page: the graph plus a panel that steps through the derivation.

The panel shows gradwork.explain's own derivation, one stop at a time; viz
never explains anything itself. The caller (``gradwork.api.Solved.page``)
hands over explain's steps, each rendered to an HTML fragment, as
:class:`PageStep` objects; :func:`group_steps` gathers them into stops, one
per node: the setup is one stop, each forward node one, the numbered factors
of a chain join the gradient they lead to, consecutive gradients of one
tensor's elements share a stop, and the updates and the summary are one stop
each (a 2-2-1 network: 15 to 17 stops, by style).

The graph follows the steps: a computed node's value appears when the stop
that computes it is shown, and a gradient when the backward pass reaches it
(:func:`reveal_plan`; a node that no step names appears with its first named
consumer, forward, or once all its consumers have their gradients, backward).
At the first stop no gradient is shown; at the last every value and gradient
is. Formulas wrap at their ``=`` signs (and at ``+``/``−`` of a long side),
and circled labels are drawn by CSS, not by a font's ① glyphs.

Everything (SVG, MathML, CSS, script) is inline: the page makes no network
request and works opened from disk. Without script it shows the graph with
every number and the whole list of stops.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Literal

from gradwork.documents.escape import html_text
from gradwork.problem import Solution
from gradwork.viz.fragments import circled_labels, polish
from gradwork.viz.graph import GraphvizNotFoundError, graph_to_dot, mark_numbers, render, retitle_svg
from gradwork.viz.model import ComputationGraph, build_graph
from gradwork.viz.numbers import COLLAPSE_ABOVE, DEFAULT_DIGITS, format_number

_INDEXED = re.compile(r"^(.*?)\[[^\]]*\]$")
FORWARD_PHASES = ("forward", "loss")
# Phases shown as one stop each, whatever nodes their steps name.
_ONE_STOP = ("setup", "update", "summary")
# Derivation steps that lead to a gradient without concluding one (chain style's numbered factors),
# and notes, which belong to the gradient next to them.
_LEADS_ON = ("Factor",)
_NOTES = ("Prose", "Pitfall")


@dataclass(frozen=True)
class PageStep:
    """One step of the derivation, rendered.

    ``node`` is the key of the node it is about: a name from ``Solution.nodes``
    (``"hidden.z"``), an element of one (``"hidden.W[0,1]"``), ``"loss"``, or
    None. ``phase`` is explain's phase (setup, forward, loss, backward,
    update, summary). ``html`` is a trusted HTML fragment (MathML allowed).
    ``kind`` is the derivation step's type (``"Factor"``, ``"ChainProduct"``,
    ``"Compute"``, ...), which decides how steps group into stops.
    """

    node: str | None
    phase: str
    title: str
    html: str
    kind: str = ""


@dataclass(frozen=True)
class Stop:
    """What the panel shows at once: consecutive steps about one node (or one phase)."""

    phase: str
    title: str
    steps: tuple[PageStep, ...]

    @property
    def nodes(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(step.node for step in self.steps if step.node))


def build_page(
    solution: Solution,
    steps: Sequence[PageStep],
    *,
    labels: Mapping[str, str] | None = None,
    digits: int = DEFAULT_DIGITS,
    collapse_above: int = COLLAPSE_ABOVE,
    title: str | None = None,
    missing_graphviz: Literal["raise", "note"] = "raise",
) -> str:
    """The interactive page for ``solution`` as one HTML document.

    ``steps`` is the derivation (see ``gradwork.api.Solved.page_steps``);
    ``labels`` maps node keys to the names the drawing shows (the problem's
    ``names:`` by default). Without Graphviz's ``dot`` this raises
    :class:`GraphvizNotFoundError`, or with ``missing_graphviz="note"`` shows
    the steps with a note in place of the graph.
    """
    graph = build_graph(solution, labels)
    stops = group_steps(steps)
    plan = reveal_plan(graph, stops)
    try:
        figure = page_svg(graph, digits=digits, collapse_above=collapse_above, plan=plan)
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
        steps="\n".join(_stop_item(stop, number, graph, plan) for number, stop in enumerate(stops)),
        count=len(stops),
    )


def page_svg(graph: ComputationGraph, *, digits: int = DEFAULT_DIGITS, collapse_above: int = COLLAPSE_ABOVE,
             plan: Mapping[str, tuple[int, int | None]] | None = None) -> str:
    """The graph's SVG, ready to inline in HTML (no XML prolog, scaled by CSS).

    Value and gradient texts carry the classes ``gw-value`` and ``gw-grad``;
    with a ``plan`` each node group carries ``data-value-at`` and
    ``data-grad-at`` (the stop at which they appear).
    """
    svg = render(graph_to_dot(graph, digits=digits, collapse_above=collapse_above), "svg").decode("utf-8")
    svg = mark_numbers(retitle_svg(svg, graph))
    svg = svg[svg.index("<svg"):]
    if plan:
        def attributes(match: re.Match[str]) -> str:
            value_at, grad_at = plan.get(match.group(1), (0, None))
            extra = f' data-value-at="{value_at}"' + ("" if grad_at is None else f' data-grad-at="{grad_at}"')
            return match.group(0) + extra

        svg = re.sub(r'<g id="(gw_n\d+)" class="node[^"]*"', attributes, svg)
    # The page's CSS sizes the drawing; the viewBox keeps its proportions.
    return re.sub(r'<svg width="[^"]*" height="[^"]*"', '<svg role="img" aria-label="computation graph"', svg, count=1)


def node_dom_id(graph: ComputationGraph, key: str | None) -> str:
    """The SVG id of the node a step names, or "" when it names none in the graph."""
    if not key:
        return ""
    if key in graph:
        return graph[key].dom_id
    indexed = _INDEXED.match(key)  # an element of a tensor: the tensor
    if indexed and indexed.group(1) in graph:
        return graph[indexed.group(1)].dom_id
    if key == "loss":  # explain's name for the loss, whatever the graph calls it
        return graph[graph.root].dom_id
    return ""


# ---------------------------------------------------------------- stops


def _tensor(key: str | None) -> str | None:
    """The tensor a step is about: hidden.W for hidden.W[0,1]."""
    if key is None:
        return None
    indexed = _INDEXED.match(key)
    return indexed.group(1) if indexed else key


@dataclass
class _Open:
    """A stop being gathered."""

    phase: str
    tensor: str | None
    steps: list[PageStep]


def group_steps(steps: Sequence[PageStep]) -> list[Stop]:
    """Gather the derivation's steps into the page's stops (see the module docstring)."""
    stops: list[_Open] = []
    waiting: list[PageStep] = []  # backward: factors and notes waiting for the gradient they lead to
    for step in steps:
        last = stops[-1] if stops else None
        same_phase = last is not None and last.phase == step.phase
        if step.phase in _ONE_STOP:
            if waiting:
                stops.append(last := _Open("backward", None, waiting))
                waiting, same_phase = [], False
            if same_phase:
                last.steps.append(step)  # type: ignore[union-attr]
            else:
                stops.append(_Open(step.phase, None, [step]))
            continue
        note = step.node is None or step.kind in _NOTES
        if step.phase == "backward" and (step.kind in _LEADS_ON or note):
            if note and not waiting and same_phase and last.tensor is not None:  # type: ignore[union-attr]
                last.steps.append(step)  # type: ignore[union-attr]  # a note on the gradient just derived
            else:
                waiting.append(step)
            continue
        tensor = _tensor(step.node)
        if waiting and all(s.node is None or s.kind in _NOTES for s in waiting):
            # Notes before the phase's first gradient (the delta rule stated): a stop of their own.
            stops.append(_Open(step.phase, None, waiting))
            waiting, same_phase = [], False
        if same_phase and (tensor is None or last.tensor in (None, tensor)):  # type: ignore[union-attr]
            last.steps.extend([*waiting, step])  # type: ignore[union-attr]
            last.tensor = last.tensor or tensor  # type: ignore[union-attr]
        else:
            stops.append(_Open(step.phase, tensor, [*waiting, step]))
        waiting = []
    if waiting:
        stops.append(_Open("backward", None, waiting))
    return [Stop(stop.phase, _stop_title(stop.phase, stop.steps), tuple(stop.steps)) for stop in stops]


def _stop_title(phase: str, steps: list[PageStep]) -> str:
    sections = list(dict.fromkeys(step.title.split(": ", 1)[0] for step in steps))
    if phase in _ONE_STOP or phase not in ("backward", *FORWARD_PHASES):
        return " · ".join(sections)
    concluding = [s for s in steps if s.kind not in _LEADS_ON] or steps
    details = [s.title.split(": ", 1)[1] for s in concluding if ": " in s.title]
    details = list(dict.fromkeys(details))
    if not details:
        return sections[0]
    shown = ", ".join(details[:3]) + (f" (+{len(details) - 3})" if len(details) > 3 else "")
    return f"{sections[-1]}: {shown}"


def reveal_plan(graph: ComputationGraph, stops: Sequence[Stop]) -> dict[str, tuple[int, int | None]]:
    """For each SVG node id: the stop at which its value appears, and its gradient (None: it has none).

    A node named by a forward (or loss) stop shows its value from there, a
    given node from the first stop; an unnamed intermediate with its first
    consumer. A node named by a backward stop shows its gradient from there;
    one that no stop names once every consumer has its gradient. The root's
    gradient (1, or the given upstream one) appears with the first backward
    stop. Nothing appears after the last stop.
    """
    last = max(len(stops) - 1, 0)
    named_value: dict[str, int] = {}
    named_grad: dict[str, int] = {}
    for number, stop in enumerate(stops):
        for key in stop.nodes:
            dom = node_dom_id(graph, key)
            if not dom:
                continue
            if stop.phase in FORWARD_PHASES:
                named_value.setdefault(dom, number)
            elif stop.phase == "backward":
                named_grad.setdefault(dom, number)
    forward = [n for n, stop in enumerate(stops) if stop.phase in FORWARD_PHASES]
    backward = [n for n, stop in enumerate(stops) if stop.phase == "backward"]
    last_forward = forward[-1] if forward else 0
    first_backward = backward[0] if backward else last

    value: dict[str, int] = {}
    grad: dict[str, int | None] = {}
    for node in reversed(graph.nodes):  # consumers before their operands
        consumers = [graph[use.consumer].dom_id for use in graph.uses(node.key)]
        if node.tensor.op is None:
            value[node.dom_id] = 0
        elif node.dom_id in named_value:
            value[node.dom_id] = named_value[node.dom_id]
        else:
            value[node.dom_id] = min((value[c] for c in consumers), default=last_forward)
        if not node.has_gradient:
            grad[node.dom_id] = None
            continue
        if node.dom_id in named_grad:
            at = named_grad[node.dom_id]
        elif node.key == graph.root:
            at = first_backward
        else:
            at = max((g for c in consumers if (g := grad.get(c)) is not None), default=first_backward)
        grad[node.dom_id] = min(max(at, first_backward), last)
    return {dom: (value[dom], grad[dom]) for dom in value}


def _stop_item(stop: Stop, number: int, graph: ComputationGraph, plan: Mapping[str, tuple[int, int | None]]) -> str:
    phase = _escape(stop.phase)
    named = [node_dom_id(graph, key) for key in stop.nodes]
    # Highlight what the stop names and what it reveals (an unnamed product computed on the way).
    if stop.phase in FORWARD_PHASES:
        revealed = [dom for dom, (value_at, _) in plan.items() if value_at == number]
    elif stop.phase == "backward":
        revealed = [dom for dom, (_, grad_at) in plan.items() if grad_at == number]
    else:
        revealed = []
    if stop.phase == "update":
        revealed = [node.dom_id for node in graph if node.kind == "parameter" and not node.frozen]
    nodes = " ".join(dict.fromkeys(dom for dom in [*named, *revealed] if dom))
    body = "\n".join(polish(step.html) for step in stop.steps)
    return (f'<li class="gw-step" data-nodes="{nodes}" data-phase="{phase}">'
            f'<h2><span class="gw-phase">{phase}</span>'
            f'<span class="gw-title">{circled_labels(_escape(stop.title))}</span></h2>'
            f"{body}</li>")


def _subtitle(solution: Solution, digits: int) -> str:
    parts = [f"{solution.form} form", f"{solution.mode} mode"]
    if solution.loss_value is not None:
        loss = solution.json_value(solution.loss_value)  # as solve's JSON writes it (a fraction stays whole)
        parts.append(f"loss {loss if isinstance(loss, str) else format_number(loss, digits)}")
    parts.append("values in black, gradients in red, shown as the steps reach them")
    return " · ".join(parts)


def _asset(name: str) -> str:
    return resources.files("gradwork.viz").joinpath("assets").joinpath(name).read_text(encoding="utf-8")


def _escape(text: str) -> str:
    return html_text(text)


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
