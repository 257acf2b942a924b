"""The computation graph as Graphviz DOT, SVG or PNG, with values and gradients.

Every tensor is one node (never one node per scalar: a tensor with more than
``collapse_above`` elements shows its shape and a summary instead of its
numbers). Each node shows its name (or its op, when unnamed), the op, the
forward value in black and the gradient dL/dnode in red. Forward edges are
solid black arrows from operand to result; the gradient flows back along red
dashed arrows. Parameters are yellow boxes with a bold border, inputs blue
boxes, constants grey dashed boxes, the loss a green double box; the layers of
a network are drawn as labelled clusters, left to right.

DOT text needs nothing installed; SVG and PNG run Graphviz's ``dot`` program.

In SVG each node's group has the id ``gw_n<k>`` (its position in forward
order) and the classes ``gw-node gw-<kind>``; edges have ids
``<from>__<to>__fwd<position>`` and ``...__bwd<position>``. The page uses them
to highlight the current step.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Literal

from gradwork.documents.escape import graphviz_label
from gradwork.problem import Solution
from gradwork.viz.model import ComputationGraph, GraphNode, build_graph
from gradwork.viz.numbers import COLLAPSE_ABOVE, DEFAULT_DIGITS, describe, shape_text

GRADIENT_COLOR = "#c62828"
FORWARD_COLOR = "#263238"
VALUE_COLOR = "#000000"  # values: a fill of their own, so that the page can tell them from titles (mark_numbers)
MUTED_COLOR = "#607d8b"
FONT = "Helvetica,Arial,sans-serif"
MAX_LINE = 72  # a long symbolic formula is cut in the drawing (the page shows it whole)

INSTALL_HINT = ("Graphviz's `dot` program is needed for SVG and PNG output and was not found on PATH; "
                "install Graphviz (Debian/Ubuntu: apt-get install graphviz; macOS: brew install graphviz; "
                "see https://graphviz.org/download/), or write a .dot file instead")

_NODE_STYLE: dict[str, dict[str, str]] = {
    "parameter": {"shape": "box", "style": "filled,bold", "fillcolor": "#fff3c4", "color": "#b7791f"},
    "input": {"shape": "box", "style": "filled", "fillcolor": "#e3f2fd", "color": "#1565c0"},
    "constant": {"shape": "box", "style": "filled,dashed", "fillcolor": "#f5f5f5", "color": "#9e9e9e",
                 "width": "0.3", "height": "0.3", "margin": "0.04,0.02"},
    "computed": {"shape": "box", "style": "rounded,filled", "fillcolor": "#ffffff", "color": "#37474f"},
    "loss": {"shape": "box", "style": "rounded,filled,bold", "fillcolor": "#e8f5e9", "color": "#2e7d32",
             "peripheries": "2"},
}
_KIND_WORD = {"parameter": "parameter", "input": "input", "constant": "constant"}


class GraphvizNotFoundError(RuntimeError):
    """Graphviz's ``dot`` program is missing; the message says how to install it."""


def to_dot(solution: Solution, *, digits: int = DEFAULT_DIGITS, collapse_above: int = COLLAPSE_ABOVE,
           labels: Mapping[str, str] | None = None) -> str:
    """The computation graph of ``solution`` as DOT text (needs no Graphviz install).

    ``labels`` maps node keys to the names drawn (default: the problem's ``names:``).
    """
    return graph_to_dot(build_graph(solution, labels), title=solution.title, digits=digits,
                        collapse_above=collapse_above)


def to_svg(solution: Solution, *, digits: int = DEFAULT_DIGITS, collapse_above: int = COLLAPSE_ABOVE,
           labels: Mapping[str, str] | None = None) -> str:
    """The computation graph as an SVG document (runs Graphviz's ``dot``)."""
    graph = build_graph(solution, labels)
    dot = graph_to_dot(graph, title=solution.title, digits=digits, collapse_above=collapse_above)
    return retitle_svg(render(dot, "svg").decode("utf-8"), graph)


def to_png(solution: Solution, *, digits: int = DEFAULT_DIGITS, collapse_above: int = COLLAPSE_ABOVE,
           labels: Mapping[str, str] | None = None) -> bytes:
    """The computation graph as PNG bytes (runs Graphviz's ``dot``)."""
    return render(to_dot(solution, digits=digits, collapse_above=collapse_above, labels=labels), "png")


def repr_svg(solution: Solution, *, digits: int = DEFAULT_DIGITS,
             labels: Mapping[str, str] | None = None) -> str | None:
    """For a ``_repr_svg_`` method (Jupyter): the SVG, or None when Graphviz is missing.

    Returning None lets IPython fall back to the object's other representations
    instead of showing an error in the notebook.
    """
    try:
        return to_svg(solution, digits=digits, labels=labels)
    except GraphvizNotFoundError:
        return None


def render(dot_source: str, fmt: Literal["svg", "png"]) -> bytes:
    """Lay out ``dot_source`` with Graphviz's ``dot`` into ``fmt``."""
    import graphviz

    try:
        return graphviz.Source(dot_source).pipe(format=fmt)
    except graphviz.ExecutableNotFound:
        raise GraphvizNotFoundError(INSTALL_HINT) from None
    except graphviz.CalledProcessError as error:
        detail = (error.stderr or b"").decode("utf-8", "replace").strip().splitlines()
        raise RuntimeError(f"Graphviz's dot failed: {detail[-1] if detail else error}") from None


def mark_numbers(svg: str) -> str:
    """Class the value texts ``gw-value`` and the gradient texts ``gw-grad`` (the page shows them step by step)."""
    svg = re.sub(r'<text([^>]*) fill="(?:#000000|black)"', r'<text class="gw-value"\1 fill="#000000"', svg)
    return re.sub(f'<text([^>]*) fill="{GRADIENT_COLOR}"', f'<text class="gw-grad"\\1 fill="{GRADIENT_COLOR}"', svg)


def retitle_svg(svg: str, graph: ComputationGraph) -> str:
    """Give SVG nodes and edges readable tooltips (their names) instead of their DOT ids."""
    names = {node.dom_id: node.label if node.display else node.key for node in graph}

    def node_title(match: re.Match[str]) -> str:
        return f"<title>{_escape(names.get(match.group(1), match.group(1)))}</title>"

    def edge_title(match: re.Match[str]) -> str:
        start, end = (names.get(match.group(i), match.group(i)) for i in (1, 2))
        return f"<title>{_escape(start)} → {_escape(end)}</title>"

    layers = list(dict.fromkeys(node.layer for node in graph if node.layer is not None))
    svg = re.sub(r"<title>cluster_(\d+)</title>", lambda m: f"<title>{_escape(layers[int(m.group(1))])}</title>", svg)
    svg = svg.replace("<title>gradwork</title>", "<title>computation graph</title>", 1)
    svg = re.sub(r"<title>(gw_n\d+)&#45;&gt;(gw_n\d+)</title>", edge_title, svg)
    return re.sub(r"<title>(gw_n\d+)</title>", node_title, svg)


# ---------------------------------------------------------------- DOT text


def graph_to_dot(
    graph: ComputationGraph,
    *,
    title: str = "",
    digits: int = DEFAULT_DIGITS,
    collapse_above: int = COLLAPSE_ABOVE,
) -> str:
    """DOT text for a built graph (``build_graph``), with the ids documented above."""
    lines = [
        "digraph gradwork {",
        "  rankdir=LR; newrank=true; nodesep=0.2; ranksep=0.35; pad=0.15;",
        f'  fontname="{FONT}"; fontsize=12; labelloc=t; labeljust=l;',
        f"  label={_graph_label(title)};",
        f'  node [fontname="{FONT}", fontsize=11, margin="0.1,0.05", fontcolor="{FORWARD_COLOR}"];',
        f'  edge [color="{FORWARD_COLOR}", arrowsize=0.7];',
    ]
    clusters: dict[str, list[GraphNode]] = {}
    for node in graph:
        if node.layer is not None:
            clusters.setdefault(node.layer, []).append(node)
        else:
            lines.append("  " + _node_statement(node, digits, collapse_above))
    for number, (layer, members) in enumerate(clusters.items()):
        lines.append(f"  subgraph cluster_{number} {{")
        lines.append(f'    label={_quote(layer)}; style="rounded,dashed"; color="#b0bec5"; '
                     f'fontcolor="{MUTED_COLOR}"; margin=10;')
        lines.extend("    " + _node_statement(node, digits, collapse_above) for node in members)
        lines.append("  }")
    for node in graph:
        for position, operand_key in enumerate(node.inputs):
            operand = graph[operand_key]
            edge = f"{operand.dom_id}__{node.dom_id}"
            lines.append(f'  {operand.dom_id} -> {node.dom_id} [id="{edge}__fwd{position}"];')
            if operand.has_gradient:
                lines.append(f'  {operand.dom_id} -> {node.dom_id} [id="{edge}__bwd{position}", dir=back, '
                             f'color="{GRADIENT_COLOR}", style=dashed];')
    lines.append("}")
    return "\n".join(lines) + "\n"


def _node_statement(node: GraphNode, digits: int, collapse_above: int) -> str:
    attributes = {"id": node.dom_id, "class": f"gw-node gw-{node.kind}", **_NODE_STYLE[node.kind]}
    if not node.named and node.kind == "computed":
        attributes.update(color="#90a4ae", fillcolor="#fafafa")
    text = ", ".join(f"{name}={_quote(value)}" for name, value in attributes.items())
    return f"{node.dom_id} [{text}, label=<{_label(node, digits, collapse_above)}>];"


def _label(node: GraphNode, digits: int, collapse_above: int) -> str:
    """An HTML-like Graphviz label: title, op and shape, value rows, gradient rows."""
    tensor = node.tensor
    shape = shape_text(tensor.shape)
    if node.kind == "constant":
        lines = describe(tensor.data, digits, collapse_above)
        return _table([_row(_escape_lines(lines), color=MUTED_COLOR, size=10)])
    # The op as students write it (max, not maximum).
    subtitle = node.tensor.op.display_text if node.tensor.op is not None else _KIND_WORD[node.kind]
    if subtitle == node.label:  # "input" needs no second "input"
        subtitle = ""
    if node.frozen:
        subtitle += " (frozen)"
    details = [part for part in (subtitle if node.named else "", shape) if part]
    rows = [_row(f"<B>{_escape(node.label)}</B>", span=True)]
    if details:
        rows.append(_row(_escape(" · ".join(details)), color=MUTED_COLOR, size=9, span=True))
    rows.append(_pair("value", describe(tensor.data, digits, collapse_above), VALUE_COLOR))
    if tensor.grad is not None:
        rows.append(_pair("grad", describe(tensor.grad, digits, collapse_above), GRADIENT_COLOR))
    return _table(rows)


def _table(rows: list[str]) -> str:
    return '<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="1">' + "".join(rows) + "</TABLE>"


def _row(content: str, *, color: str | None = None, size: int | None = None, span: bool = False) -> str:
    colspan = ' COLSPAN="2"' if span else ""
    return f"<TR><TD{colspan}>{_font(content, color, size)}</TD></TR>"


def _pair(word: str, lines: list[str], color: str) -> str:
    return (f'<TR><TD ALIGN="LEFT" VALIGN="TOP">{_font(word, color, 9)}</TD>'
            f'<TD ALIGN="LEFT" BALIGN="LEFT">{_font(_escape_lines(lines), color)}</TD></TR>')


def _font(content: str, color: str | None, size: int | None = None) -> str:
    attributes = (f' COLOR="{color}"' if color else "") + (f' POINT-SIZE="{size}"' if size else "")
    return f"<FONT{attributes}>{content}</FONT>" if attributes else content


def _escape(text: str) -> str:
    return graphviz_label(text)


def _escape_lines(lines: list[str]) -> str:
    return "<BR/>".join(_escape(line if len(line) <= MAX_LINE else line[:MAX_LINE - 1] + "…") for line in lines)


def _graph_label(title: str) -> str:
    heading = f'<B>{_escape(title)}</B><BR ALIGN="LEFT"/>' if title else ""
    legend = (f'<FONT POINT-SIZE="10" COLOR="{FORWARD_COLOR}">black arrows: values flow forward</FONT>'
              f'<FONT POINT-SIZE="10" COLOR="{MUTED_COLOR}">   ·   </FONT>'
              f'<FONT POINT-SIZE="10" COLOR="{GRADIENT_COLOR}">red dashed arrows: gradients dL/dnode flow back</FONT>')
    return f'<{heading}{legend}<BR ALIGN="LEFT"/>>'


_PLAIN_ID = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _quote(value: str) -> str:
    if _PLAIN_ID.match(value):
        return value
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
