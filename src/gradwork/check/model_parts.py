"""What the mistake models (:mod:`gradwork.check.mistakes`) are built from: wrong computations and their wording.

A backend whose log is base 10, a VJP that passes nothing back along one path,
and the sentences that state a rule in the problem's own notation (the factor
of a squared-error loss as written, an unupdated bias's one SGD step).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from gradwork.check.replay import Graph
from gradwork.numbers.display import array_text, number_text
from gradwork.ops.registry import unbroadcast


def symbol_of(graph: Graph, i: int) -> str:
    """A node as a formula writes it: its symbol in the problem's notation."""
    return graph.called(i)


def formula(text: str, out: str, x: str, params: Any = None) -> str:
    """A rule's text template (``$out (1 - $out)``, ``$alpha if $x < 0``) with this node's output and input
    symbols and its options' values (leaky ReLU's alpha) put in."""
    for key in sorted(params or {}, key=len, reverse=True):
        value = params[key]
        if isinstance(value, (int, float, np.number)) and not isinstance(value, bool) or hasattr(value, "numerator"):
            text = text.replace("$" + key, number_text(value, exact=True))
    return text.replace("$out", out).replace("$x", x)


def dropped(registered: Any, position: int, shape: tuple[int, ...], element: tuple[int, ...] | None) -> Any:
    """The edge's VJP with nothing passed back (or nothing to one element of the input)."""
    def vjp(bk, g, out, *args, **params):
        if element is None:
            return bk.zeros_like(np.asarray(args[position]))
        contribution = unbroadcast(np.asarray(registered(bk, g, out, *args, **params)), shape).copy()
        contribution[element] = 0 * contribution[element]
        return contribution
    return vjp


_SLOPES: dict[tuple[int, str, str], tuple[Any, float | None]] = {}


def loss_slope(op: Any, bk: Any) -> float | None:
    """k in dL/dy = k (y - t) of a loss op, read off its VJP at y = 1, t = 0 (None: it cannot be evaluated);
    once per op and backend (the mistake models ask for every gradient of every problem)."""
    key = (id(op), bk.name, str(getattr(bk, "dtype", "")))
    found = _SLOPES.get(key)
    if found is not None and found[0] is op:
        return found[1]
    try:
        with np.errstate(all="ignore"):
            k: float | None = float(np.asarray(op.partial(0).vjp(bk, bk.asarray(1), bk.asarray(0), bk.asarray(1),
                                                                 bk.asarray(0))))
    except (TypeError, ValueError, ArithmeticError):
        k = None
    _SLOPES[key] = (op, k)
    return k


def square_rule(graph: Graph, i: int, code: str) -> str | None:
    """The factor rule as the problem's own squared-error loss is written, where node i is what it takes.

    A loss whose derivative is a multiple of (y - t) is a square: with
    dL/dy = k (y - t) for one output, k = 1 means the loss has its 1/2 (it
    cancels the 2 of the square), k = 2 means it has none (the 2 stays).
    """
    if code not in ("factor_half", "factor_2"):
        return None
    loss = next((c for c, position in graph.consumers[i] if position == 0 and graph.nodes[c].op is not None
                 and graph.nodes[c].op.kind == "loss" and graph.nodes[c].op.term is not None), None)  # type: ignore[union-attr]
    if loss is None:
        return None
    op = graph.nodes[loss].op
    assert op is not None and op.term is not None
    k = loss_slope(op, graph.backend)
    if k is None:
        return None
    target = graph.inputs[loss][1]
    target_name = next((name for name, j in graph.view.names.items() if j == target), "target")
    y, t = symbol_of(graph, i), graph.called(target_name)
    name = graph.written.loss.text()

    def written(text: str) -> str:
        return text.replace("$t", t).replace("$y", y)

    term, derivative = written(op.term.text), written(op.partial(0).text)
    slope = graph.key_text("gradients." + graph.label(i))
    outputs = int(np.asarray(graph.nodes[i].data).size)
    mean = op.averages_outputs
    whole = f"1/n sum_k {term}" if mean and outputs > 1 else term
    count = f", with n = {outputs} outputs" if mean and outputs > 1 else ", with n = 1 output here" if mean else ""
    if k == 1:
        return (f"The 1/2 in {name} = {whole} is there to cancel the 2 of the square: {slope} = "
                f"{derivative}{count}, and no other factor 1/2 enters the chain rule.")
    if k == 2:
        return (f"{name} = {whole} has no 1/2 in front: the derivative of the square keeps its 2, so "
                f"{slope} = {derivative}{count}.")
    return None


def factor_rule(graph: Graph, code: str) -> str | None:
    """The factor rule where no squared-error loss explains it: the registered one speaks of 1/2 (t - y)^2, which
    only fits a loss with that 1/2 (a cross-entropy exercise has no square to halve or double)."""
    if code not in ("factor_half", "factor_2"):
        return None
    loss = graph.loss
    op = None if loss is None else graph.nodes[loss].op
    if op is not None and op.kind == "loss" and op.term is not None:
        if loss_slope(op, graph.backend) == 1:
            return None  # a loss with its 1/2: the registered rule is about it
    if code == "factor_half":
        return "No factor 1/2 enters the chain rule unless the formula has one: each local derivative is used once."
    return "No factor 2 enters the chain rule unless the formula has one or a term really appears twice."


class Log10:
    """A backend whose log is base 10: an op's own forward run with it computes the log10 variant."""

    def __init__(self, backend: Any) -> None:
        self._backend = backend

    def __getattr__(self, name: str) -> Any:
        return getattr(self._backend, name)

    def log(self, x: np.ndarray) -> np.ndarray:
        return self._backend.log(x) / self._backend.log(self._backend.asarray(10))


def ln10(bk: Any) -> Any:  # noqa: N802  (a constant of the backend)
    return bk.log(bk.asarray(10))


def over_ln10(vjp: Any) -> Any:
    """``vjp`` divided by ln 10: a loss's derivative when its logs are taken in base 10."""
    return lambda bk, g, o, *args, **p: vjp(bk, g, o, *args, **p) / ln10(bk)


def vjp_in_base_10(op: Any, position: int) -> Any:
    vjp = op.partial(position).vjp
    return lambda bk, g, out, *args, **p: vjp(Log10(bk), g, out, *args, **p)


def sgd_step(graph: Graph, name: str) -> str:
    """``; the update is b₃ − η·∂J/∂b₃ = 0 − 0.01·0.4013 = −0.004013`` for one plain SGD step, else nothing.

    Only where that one formula is the whole update (momentum, Adam or several steps are not one product).
    """
    optimizer = graph.solution.optimizer
    tensor = graph.nodes[graph.params[name]]
    if optimizer.name != "sgd" or optimizer.steps != 1 or optimizer.options or tensor.grad is None:
        return ""
    before, gradient = np.asarray(tensor.data), np.asarray(tensor.grad)
    after = before - gradient * optimizer.lr
    g = array_text(gradient)
    g = f"({g})" if gradient.ndim == 0 and g.startswith("-") else g
    symbol, slope = graph.called(name), graph.key_text("gradients." + name)
    eta = graph.written.learning_rate.text()
    return (f" {array_text(before)}; the update is {symbol} - {eta} * {slope} = {array_text(before)} - "
            f"{number_text(optimizer.lr, exact=True)} * {g} = {array_text(after)}")
