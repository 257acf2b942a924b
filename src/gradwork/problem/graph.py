"""The graph form (``graph:``): named expressions evaluated top to bottom.

:func:`plan_graph` parses every expression and checks that each name it reads
is an input, a param or an earlier node (pointing at the name inside the
expression when not). :func:`build_graph` evaluates the nodes in one backend;
inputs and params are leaves that record gradients, so every gradient
d(output)/d(name) is available afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gradwork.backends import Backend
from gradwork.problem.expressions import FUNCTIONS, EvaluationContext, Expression, ExpressionError, parse_expression
from gradwork.numbers.written import is_number
from gradwork.problem.names import MAX_SYMBOL
from gradwork.problem.numbers import NumberError, shape_of, to_array
from gradwork.problem.spec import GraphSpec
from gradwork.documents.sources import DataPath, Document
from gradwork.tensor import Tensor


@dataclass
class GraphPlan:
    spec: GraphSpec
    nodes: dict[str, Expression]  # in evaluation order
    output: str

    @property
    def parameter_names(self) -> list[str]:
        return list(self.spec.params)


def plan_graph(document: Document, spec: GraphSpec) -> GraphPlan:
    """Check a graph-form problem; raise :class:`ProblemError` at the first bad name or expression."""
    defined: dict[str, str] = {}  # name -> "input" | "param" | "node"
    for section in ("inputs", "params"):
        for name, value in getattr(spec, section).items():
            _check_name(document, (section, name), name, defined)
            try:
                shape_of(value)
            except NumberError as error:
                raise document.error((section, name) + error.index, error.message, error.expected) from None
            defined[name] = section[:-1]
    order = list(spec.graph)
    nodes: dict[str, Expression] = {}
    for position, (name, text) in enumerate(spec.graph.items()):
        path: DataPath = ("graph", name)
        _check_name(document, path, name, defined)
        if is_number(text):
            text = str(text)
        if not isinstance(text, str):
            raise document.error(path, f"node {name!r} must be an expression, not {text!r}",
                                 "a formula such as `a * b + c`")
        try:
            expression = parse_expression(text)
        except ExpressionError as error:
            raise document.error_in_text(path, error.line, error.column, error.message, error.expected) from None
        for use in expression.names:
            if use.name in defined:
                continue
            if use.name == name:
                message, expected = f"node {name!r} uses itself", "only inputs, params and earlier nodes"
            elif use.name in order[position + 1:]:
                line = document.span(("graph", use.name)).value.line
                message = f"{use.name!r} is used before it is defined (on line {line})"
                expected = "nodes in order: define it above this one"
            else:
                known = ", ".join(defined) or "none"
                message, expected = f"unknown name {use.name!r}", f"an input, a param or an earlier node: {known}"
            raise document.error_in_text(path, use.line, use.column, message, expected)
        nodes[name] = expression
        defined[name] = "node"
    output = spec.output if spec.output is not None else order[-1]
    if output not in defined:
        raise document.error(("output",), f"unknown output {output!r}",
                             f"a node, input or param: {', '.join(defined)}")
    return GraphPlan(spec, nodes, output)


def _check_name(document: Document, path: DataPath, name: str, defined: dict[str, str]) -> None:
    if not name.isidentifier() or name.startswith("_"):
        raise document.error(path, f"{name!r} cannot be a name in expressions",
                             "a name of letters, digits and _, not starting with a digit or _", at="key")
    if len(name) > MAX_SYMBOL:
        raise document.error(path, f"the name {name[:20]}... is {len(name)} characters long",
                             f"at most {MAX_SYMBOL}, so that formulas can be set", at="key")
    if name in FUNCTIONS:
        raise document.error(path, f"{name!r} is the name of a function", "another name", at="key")
    if name in defined:
        raise document.error(path, f"{name!r} is already defined as an {defined[name]}", "a new name", at="key")


@dataclass
class GraphForward:
    nodes: dict[str, Tensor]
    output: Tensor


def _leaf(document: Document, path: DataPath, name: str, value: Any, backend: Backend) -> Tensor:
    try:
        data = to_array(value, backend)
    except NumberError as error:
        raise document.error(path + error.index, error.message, error.expected) from None
    return Tensor(data, requires_grad=True, name=name, backend=backend)


def graph_inputs(document: Document, plan: GraphPlan, backend: Backend) -> dict[str, Tensor]:
    return {name: _leaf(document, ("inputs", name), name, value, backend) for name, value in plan.spec.inputs.items()}


def graph_parameters(document: Document, plan: GraphPlan, backend: Backend) -> dict[str, Tensor]:
    return {name: _leaf(document, ("params", name), name, value, backend) for name, value in plan.spec.params.items()}


def build_graph(document: Document, plan: GraphPlan, inputs: dict[str, Tensor], parameters: dict[str, Tensor],
                backend: Backend, relu_at_zero: Any) -> GraphForward:
    """Evaluate the nodes top to bottom; a node that is just another name is that same tensor."""
    nodes: dict[str, Tensor] = {**inputs, **parameters}
    context = EvaluationContext(backend, relu_at_zero)
    for name, expression in plan.nodes.items():
        try:
            value = expression.evaluate(nodes, context)
        except ExpressionError as error:
            raise document.error_in_text(("graph", name), error.line, error.column, error.message,
                                         error.expected) from None
        if not any(value is known for known in nodes.values()):  # an alias such as `y: z2` keeps z2's name
            value.name = name
        nodes[name] = value
    return GraphForward(nodes, nodes[plan.output])


def upstream_tensor(document: Document, plan: GraphPlan, output: Tensor, backend: Backend) -> Tensor | None:
    """The given dL/dOutput, checked against the output's shape; None when there is none."""
    value = plan.spec.upstream
    if value is None:
        if output.size != 1:
            raise document.error(("output",), f"the output {plan.output!r} has shape {list(output.shape)}, "
                                 "so its gradient needs an upstream dL/doutput",
                                 f"`upstream:` with shape {list(output.shape)}, or a scalar output")
        return None
    try:
        data = to_array(value, backend)
    except NumberError as error:
        raise document.error(("upstream",) + error.index, error.message, error.expected) from None
    if data.shape != output.shape:
        raise document.error(("upstream",), f"the upstream gradient has shape {list(data.shape)} but the output "
                             f"{plan.output!r} has shape {list(output.shape)}", f"shape {list(output.shape)}")
    return Tensor(data, backend=backend, name="upstream")
