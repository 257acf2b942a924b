"""The page's steps: what the panel shows at each stop of the walk through the graph.

A :class:`PageStep` names the node to highlight, the phase and an HTML
fragment. :func:`walkthrough_steps` builds a minimal set from the tensor graph
and the op registry alone: one step per computed node in forward order
(formula, numbers substituted, result), then one step per node that has a
gradient in reverse order (upstream gradient times local derivative, one term
per use of the node, added up at a fork). The op's rule is read from the
registry (notation and partial templates, with ``$a``/``$x``/``$out``
placeholders), never re-derived here, and every number is one the engine
computed (the local derivative is the op's own VJP applied to ones).

This is the seam for gradwork.explain: its derivation steps, rendered to HTML
by its own renderer, can be handed to ``build_page(steps=...)`` as PageSteps
instead (see docs/viz.md).
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from gradwork.problem import Solution
from gradwork.viz.model import ComputationGraph, GraphNode, Use, build_graph
from gradwork.viz.numbers import COLLAPSE_ABOVE, DEFAULT_DIGITS, array_latex, is_negative, is_small, shape_text, summary

FORWARD, BACKWARD = "forward", "backward"


@dataclass(frozen=True)
class PageStep:
    """One stop of the page's walk.

    ``node`` is the key of the node to highlight: a name from ``Solution.nodes``
    (``"hidden.z"``), ``"target"``, or the key viz gives an unnamed node
    (``"matmul#1"``, see :func:`gradwork.viz.model.build_graph`); None
    highlights nothing. ``phase`` is ``"forward"`` or ``"backward"`` (other
    words, such as ``"setup"`` or ``"update"``, are shown as they are and do
    not take part in revealing values). ``html`` is a trusted HTML fragment
    (MathML allowed) placed in the panel as is.
    """

    node: str | None
    phase: str
    title: str
    html: str


def walkthrough_steps(
    solution: Solution,
    graph: ComputationGraph | None = None,
    *,
    digits: int = DEFAULT_DIGITS,
    collapse_above: int = COLLAPSE_ABOVE,
) -> list[PageStep]:
    """Forward steps for every computed node, then backward steps for every node with a gradient."""
    graph = graph or build_graph(solution)
    writer = _Writer(graph, digits, collapse_above)
    steps = [writer.forward(node) for node in graph if node.tensor.op is not None]
    steps += [writer.backward(node, solution) for node in reversed(graph.nodes) if node.has_gradient]
    return steps


# ---------------------------------------------------------------- writing the math

_PLACEHOLDER = re.compile(r"\$([A-Za-z_]+)")
_CALL_PRECEDENCE = 100  # a template whose operands sit inside delimiters: never bracket them
_LONG_INLINE = 60  # an unnamed node whose formula is longer than this gets a short symbol instead
_JUXTAPOSED = re.compile(r"(\$[A-Za-z_]+) +(\$[A-Za-z_]+)")


def _fill(template: str, values: dict[str, str]) -> str:
    # "$a $b" (a product written by juxtaposition) gets a thin space, or two names would run together.
    template = _JUXTAPOSED.sub(r"\1 \\, \2", template)

    def value(match: re.Match[str]) -> str:
        text = values.get(match.group(1), match.group(0))
        # Braced before a superscript or subscript: {M^T}^T, not the invalid M^T^T.
        return "{" + text + "}" if template[match.end():match.end() + 1] in ("^", "_") else text

    return _PLACEHOLDER.sub(value, template)


def _text(name: str) -> str:
    return r"\text{" + name.replace("\\", "").replace("{", "").replace("}", "") + "}"


class _Writer:
    def __init__(self, graph: ComputationGraph, digits: int, collapse_above: int) -> None:
        self.graph = graph
        self.digits = digits
        self.collapse_above = collapse_above
        self._symbols: dict[str, tuple[str, int]] = {}
        for node in graph:  # forward order: operands get their symbols first
            self._symbols[node.key] = self._make_symbol(node)

    # -------------------------------------------------- symbols and numbers
    def _make_symbol(self, node: GraphNode) -> tuple[str, int]:
        """The node's name in formulas, with its precedence (an unnamed node is its own formula)."""
        if node.named:
            return _text(node.key), _CALL_PRECEDENCE
        if node.tensor.op is None:  # a constant is its number
            data = node.tensor.data
            if is_small(data, 1):
                return array_latex(data, self.digits), _CALL_PRECEDENCE if not is_negative(data) else 0
            return _text(node.key), _CALL_PRECEDENCE
        op = node.tensor.op
        formula = _fill(op.notation.latex, self._operand_symbols(node))
        if len(formula) > _LONG_INLINE:
            return _text(node.key), _CALL_PRECEDENCE
        return formula, op.notation.precedence

    def symbol(self, key: str) -> str:
        return self._symbols[key][0]

    def _operand_symbols(self, node: GraphNode) -> dict[str, str]:
        parent = node.tensor.op.notation.precedence if node.tensor.op else _CALL_PRECEDENCE

        def bracketed(key: str) -> str:
            symbol, precedence = self._symbols[key]
            if parent < _CALL_PRECEDENCE and precedence <= parent:
                return rf"\left({symbol}\right)"
            return symbol

        return self._placeholders(node, bracketed, self._param_text)

    def _placeholders(self, node: GraphNode, operand: Callable[[str], str],
                      param: Callable[[Any], str]) -> dict[str, str]:
        op = node.tensor.op
        assert op is not None
        values: dict[str, str] = {}
        if op.variadic:
            values[op.partials[0].wrt + "s"] = ", ".join(operand(key) for key in node.inputs)
        else:
            values.update({partial.wrt: operand(key) for partial, key in zip(op.partials, node.inputs)})
        values.update({name: param(value) for name, value in node.tensor.params.items()})
        return values

    def _param_text(self, value: Any) -> str:
        if isinstance(value, np.ndarray):
            value = value.tolist()
        return str(value)

    def numbers(self, data: Any, *, column: bool = False, bracket: bool = True) -> str:
        """A small array as LaTeX (a vector as a row, or a column where ``column``).

        A negative number is bracketed where it follows an operator (``bracket``).
        """
        array = np.asarray(data)
        if column and array.ndim == 1:
            array = array.reshape(-1, 1)
        latex = array_latex(array, self.digits)
        # Braced, so a template's "$b^{\top}" transposes the whole matrix, not its closing bracket.
        return rf"\left({latex}\right)" if bracket and is_negative(array) else "{" + latex + "}"

    def small(self, *arrays: Any) -> bool:
        return all(is_small(a, self.collapse_above) for a in arrays)

    def result(self, data: Any, *, column: bool = False) -> str:
        """A node's numbers: all of them when small, else a summary."""
        if self.small(data):
            array = np.asarray(data)
            return array_latex(array.reshape(-1, 1) if column and array.ndim == 1 else array, self.digits)
        return _text(f"{shape_text(np.shape(data))}: " + "; ".join(summary(data, self.digits)))

    def gradient_symbol(self, key: str) -> str:
        symbol, precedence = self._symbols[key]
        if precedence < _CALL_PRECEDENCE:
            symbol = rf"\left({symbol}\right)"
        return rf"\frac{{\partial L}}{{\partial {symbol}}}"

    # -------------------------------------------------- forward
    def forward(self, node: GraphNode) -> PageStep:
        tensor = node.tensor
        op = tensor.op
        assert op is not None
        operands = [self.graph[key].tensor for key in node.inputs]
        columns = _column_vectors(node)
        symbolic = _fill(op.notation.latex, self._operand_symbols(node))
        chain = [symbolic] if not node.named else [self.symbol(node.key), symbolic]
        if self.small(*(t.data for t in operands)):
            substituted = self._placeholders(
                node,
                lambda key: self._operand_numbers(node, key, columns),
                self._param_text,
            )
            chain.append(_fill(op.notation.latex, substituted))
        chain.append(self.result(tensor.data, column="out" in columns))
        parts = [_equation(chain)]
        if "=" in op.definition_latex:  # a function's definition (sigma(x) = ...), not just "a + b"
            parts.append(_note("where", _math(op.definition_latex)))
        if not self.small(*(t.data for t in operands)):
            parts.append(self._with_table(node.inputs))
        return PageStep(node.key, FORWARD, node.label, "".join(parts))

    def _operand_numbers(self, node: GraphNode, key: str, columns: set[str]) -> str:
        op = node.tensor.op
        assert op is not None
        position = node.inputs.index(key)
        wrt = op.partials[0].wrt if op.variadic else op.partials[position].wrt
        in_call = op.notation.precedence >= _CALL_PRECEDENCE  # sigma(-0.4), not sigma((-0.4))
        return self.numbers(self.graph[key].tensor.data, column=wrt in columns, bracket=not in_call)

    def _with_table(self, keys: tuple[str, ...]) -> str:
        rows = []
        for key in dict.fromkeys(keys):
            data = self.graph[key].tensor.data
            rows.append(_math(f"{self.symbol(key)} = {self.result(data)}", block=False))
        return _note("with", "<br>".join(rows))

    # -------------------------------------------------- backward
    def backward(self, node: GraphNode, solution: Solution) -> PageStep:
        tensor = node.tensor
        gradient = self.gradient_symbol(node.key)
        if node.key == self.graph.root:
            if solution.loss is not None:
                latex = rf"\frac{{\partial L}}{{\partial L}} = 1"
                named = "" if node.key == "L" else f" (node {node.key})"
                note = f"The backward pass starts at the loss L{named}: its gradient with respect to itself is 1."
            else:
                latex = f"{gradient} = {self.result(tensor.grad)}"
                note = "The backward pass starts from the given upstream gradient of the output."
            return PageStep(node.key, BACKWARD, f"∂L/∂{node.label}", _math(latex) + _paragraph(note))

        uses = [use for use in self.graph.uses(node.key) if self.graph[use.consumer].has_gradient]
        terms, numeric_terms, parts = [], [], []
        for use in uses:
            symbolic, numeric, sentence = self._term(node, use.consumer, use.position)
            terms.append(symbolic)
            numeric_terms.append(numeric)
            if sentence and sentence not in parts:
                parts.append(sentence)
        column = _is_column_operand(node, self.graph, uses)
        if len(terms) == 1:
            chain = [gradient, terms[0], *([numeric_terms[0]] if numeric_terms[0] else [])]
            chain.append(self.result(tensor.grad, column=column))
            body = _equation(chain)
        else:
            # A fork: the node feeds several nodes, and the gradients along the paths add up.
            lines = [_equation([gradient, " + ".join(terms)])]
            for use, term, numeric in zip(uses, terms, numeric_terms):
                consumer = self.graph[use.consumer].tensor
                contribution = consumer.pullback(consumer.grad, use.position)
                path = _note(f"via {self.graph[use.consumer].label}", "")
                lines.append(path + _equation([term, *([numeric] if numeric else []),
                                               self.result(contribution, column=column)]))
            lines.append(_note("sum", "") + _equation([gradient, self.result(tensor.grad, column=column)]))
            body = "".join(lines)
            parts.insert(0, f"{node.label} is used {len(uses)} times, so the gradients along every path add up.")
        return PageStep(node.key, BACKWARD, f"∂L/∂{node.label}", body + "".join(_paragraph(p) for p in parts))

    def _term(self, node: GraphNode, consumer_key: str, position: int) -> tuple[str, str | None, str]:
        """Upstream gradient times local derivative, for one use: symbolic, with numbers, and the rule."""
        consumer = self.graph[consumer_key]
        tensor = consumer.tensor
        op = tensor.op
        assert op is not None and tensor.grad is not None
        partial = op.partial(position)
        upstream = self.gradient_symbol(consumer_key)
        columns = _column_vectors(consumer)
        symbols = {**self._operand_symbols(consumer), "out": self.symbol(consumer_key), "g": upstream}
        local = _fill(partial.latex, symbols)
        contribution = tensor.pullback(tensor.grad, position)
        operands = [self.graph[key].tensor.data for key in consumer.inputs]
        small = self.small(tensor.data, tensor.grad, *operands)

        if partial.includes_upstream:  # the template is the whole pulled-back gradient, upstream as $g
            numeric = None
            if small:
                values = self._placeholders(consumer, lambda key: self._operand_numbers(consumer, key, columns),
                                            self._param_text)
                values["out"] = self.numbers(tensor.data, column="out" in columns)
                values["g"] = self.numbers(tensor.grad, column="out" in columns)
                numeric = _fill(partial.latex, values)
            return local, numeric, op.sentence

        product = r"\cdot" if tensor.size == 1 else r"\odot"
        symbolic = rf"{upstream} {product} {_bracket(local)}"
        numeric = None
        if small and (op.elementwise or tensor.size == 1):
            # The op's own VJP applied to ones is its local derivative (elementwise, or of a scalar output).
            backend = tensor.backend
            params = {**tensor.params, **({"position": position} if op.variadic else {})}
            ones = backend.ones_like(tensor.data)
            derivative = np.asarray(partial.vjp(backend, ones, tensor.data, *operands, **params))
            if derivative.shape == contribution.shape:
                numeric = f"{self.numbers(tensor.grad)} {product} {self.numbers(derivative)}"
        return symbolic, numeric, op.sentence


def _column_vectors(node: GraphNode) -> set[str]:
    """Which 1-D vectors of a matrix product to write as columns so the written product is valid.

    ``a @ b`` with a 1-D ``b`` multiplies a column; when ``a`` is a matrix the
    result (and its gradient) is a column too. Every other vector is a row.
    """
    op = node.tensor.op
    if op is None or op.name != "matmul" or len(node.tensor.inputs) != 2:
        return set()
    a, b = node.tensor.inputs
    if b.ndim != 1:
        return set()
    return {"b", "out"} if a.ndim == 2 else {"b"}


def _is_column_operand(node: GraphNode, graph: ComputationGraph, uses: list[Use]) -> bool:
    """Whether the node's gradient reads best as a column (it is the vector b of W b)."""
    for use in uses:
        consumer = graph[use.consumer]
        op = consumer.tensor.op
        wrt = op.partials[0].wrt if op.variadic else op.partials[use.position].wrt
        if wrt in _column_vectors(consumer) and consumer.tensor.inputs[0].ndim == 2:
            return True
    return False


def _dedupe(chain: list[str]) -> list[str]:
    """Drop a link equal to the one before it (a name that is already its own formula)."""
    kept: list[str] = []
    for link in chain:
        if not kept or kept[-1] != link:
            kept.append(link)
    return kept


def _bracket(latex: str) -> str:
    return latex if re.fullmatch(r"[\w.\\{}]+", latex) else rf"\left({latex}\right)"


# ---------------------------------------------------------------- HTML fragments


def _equation(chain: list[str]) -> str:
    """``a = b = c = d`` written as a derivation: ``a = b`` on one line, then one line per ``= c``."""
    links = _dedupe(chain)
    lines = [_math(f"{links[0]} = {links[1]}" if len(links) > 1 else links[0])]
    lines += [_math(rf"= \, {link}", css="gw-math gw-continued") for link in links[2:]]
    return "".join(lines)


def _math(latex: str, *, block: bool = True, css: str = "gw-math") -> str:
    from latex2mathml.converter import convert

    try:
        mathml = convert(latex, display="block" if block else "inline")
    except Exception:  # latex2mathml rejects some input: show the LaTeX rather than lose the step
        mathml = f'<code class="gw-latex">{html.escape(latex, quote=False)}</code>'

    return f'<div class="{css}">{mathml}</div>' if block else mathml


def _paragraph(text: str) -> str:
    return f'<p class="gw-rule">{html.escape(text, quote=False)}</p>'


def _note(word: str, content: str) -> str:
    return f'<div class="gw-where"><span class="gw-word">{html.escape(word, quote=False)}</span> {content}</div>'
