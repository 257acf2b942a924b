"""The optimizer step of a replay: the parameters after one step of the problem's optimizer, on copies.

Plain SGD (no momentum, no weight decay) keeps no state: theta - lr g per
parameter, ``SGD.step``'s arithmetic without building optimizers (the same
IEEE operations on float64 arrays), as one Fraction per element in exact
mode, as a new array otherwise. What that needs of the
graph (its parameters, the ones the problem freezes, the learning rate) is
read once per graph. Any other optimizer runs ``gradwork.nn.make_optimizer``'s,
one per learning rate, kept across a replay's later steps (the stepper).
"""

from __future__ import annotations

from fractions import Fraction
from typing import TYPE_CHECKING, Any

import numpy as np

from gradwork.nn import make_optimizer
from gradwork.tensor import Tensor

if TYPE_CHECKING:
    from gradwork.check.replay import Graph, Perturbation, State

_F64 = np.dtype(np.float64)
_UNSET: Any = object()


def sgd_plan(graph: Graph) -> tuple[tuple[tuple[str, int], ...], frozenset[str], Any, str] | None:
    """(parameters as (name, node), the problem's frozen names, its learning rate, the backend's name) when the
    problem's optimizer is plain SGD; None for any other. Worked out once per graph."""
    found = graph.__dict__.get("_sgd_plan", _UNSET)
    if found is _UNSET:
        info = graph.solution.optimizer
        found = None
        if info.name == "sgd" and not any(info.options.values()):
            found = (tuple(graph.params.items()), frozenset(graph.solution.frozen), info.lr, graph.backend.name)
        graph.__dict__["_sgd_plan"] = found
    return found


def step(graph: Graph, leaves: dict[int, Any], grads: list[Any], perturbation: Perturbation,
         stepper: Any, reference: State | None = None) -> tuple[dict[int, np.ndarray], Any]:
    """One optimizer step on copies of the parameters: the new values (natural) and the stepper for later steps.

    ``reference``: the correct solve's replay (plain SGD from the problem's own numbers): a parameter stepped
    from the problem's number, at the problem's rate, with the same gradient bit for bit, gets a copy of its
    update (the same numbers, not worked out again: one Fraction per element in exact mode).
    """
    plan = sgd_plan(graph)
    if plan is not None:
        return _sgd(graph, plan, leaves, grads, perturbation, reference), None
    info = graph.solution.optimizer
    if stepper is None:  # one optimizer per learning rate (a mistake may change one parameter's)
        frozen = set(graph.solution.frozen) | set(perturbation.frozen)
        groups: dict[str, tuple[Any, dict[int, Tensor]]] = {}
        for name, i in graph.params.items():
            lr = perturbation.learning_rates.get(name, info.lr)
            groups.setdefault(repr(lr), (lr, {}))[1][i] = Tensor(leaves[i].copy(), backend=graph.backend, name=name)
        stepper = [(make_optimizer(list(tensors.values()), info.name, frozen=frozen, lr=lr, **info.options), tensors)
                   for lr, tensors in groups.values()]
    updated = {}
    for optimizer, tensors in stepper:
        for i, tensor in tensors.items():
            tensor.data = leaves[i].copy()
            tensor.grad = None if grads[i] is None else np.asarray(grads[i])
        optimizer.step()
        updated.update({i: t.data for i, t in tensors.items()})
    return updated, stepper


def _sgd(graph: Graph, plan: tuple[tuple[tuple[str, int], ...], frozenset[str], Any, str], leaves: dict[int, Any],
         grads: list[Any], perturbation: Perturbation, reference: State | None) -> dict[int, np.ndarray]:
    """Plain SGD's step (see the module docstring and :func:`step`)."""
    params, frozen, lr0, kind = plan
    if perturbation.frozen:
        frozen = frozen | perturbation.frozen
    rates = perturbation.learning_rates
    own = graph.leaves
    updated: dict[int, np.ndarray] = {}
    kept_updates, kept_grads = (reference.updated, reference.carried_grads) if reference is not None else ({}, None)
    for name, i in params:
        theta, g = leaves[i], grads[i]
        if g is None or name in frozen:
            updated[i] = theta.copy()
            continue
        if reference is not None and theta is own.get(i) and name not in rates and name not in perturbation.frozen:
            kept, before = kept_updates.get(i), kept_grads[i] if kept_grads else None
            if kept is not None and before is not None and (g is before or identical(g, before)):
                updated[i] = kept.copy()
                continue
        lr = rates.get(name, lr0) if rates else lr0
        if kind == "float":
            if type(lr) is float and type(g) is np.ndarray and type(theta) is np.ndarray and g.dtype is _F64 \
                    and theta.dtype is _F64 and theta.shape == g.shape:
                # theta - lr * g: two IEEE operations per element, NumPy's or (a 0-d array) Python's
                updated[i] = theta - lr * g if theta.shape else np.array(theta.item() - lr * g.item())
            else:
                new = updated[i] = theta.copy()
                new -= lr * g
        elif kind == "exact" and (stepped := exact_sgd(theta, lr, g)) is not None:
            updated[i] = stepped
        else:
            updated[i] = theta - graph.backend.asarray(lr) * np.asarray(g)
    return updated


def identical(a: Any, b: Any) -> bool:
    """The same numbers bit for bit (float arrays: the same bytes; object arrays: equal elements of one type)."""
    if type(a) is not np.ndarray or type(b) is not np.ndarray or a.shape != b.shape or a.dtype != b.dtype:
        return False
    if a.dtype == object:
        return all(type(x) is type(y) and x == y for x, y in zip(a.ravel().tolist(), b.ravel().tolist()))
    return a.tobytes() == b.tobytes()


def exact_sgd(theta: Any, lr: Any, g: Any) -> Any:
    """theta - lr g on object arrays of Fractions of one shape, each element made as one Fraction (the same
    number as the two Fraction operations); None for anything else (the general expression then runs)."""
    if type(theta) is not np.ndarray or type(g) is not np.ndarray or theta.shape != g.shape or \
            type(lr) is not Fraction:
        return None
    p, q = lr.numerator, lr.denominator
    out = []
    for t, d in zip(theta.ravel().tolist(), g.ravel().tolist()):
        if type(t) is not Fraction or type(d) is not Fraction:
            return None
        a, b, c, e = t.numerator, t.denominator, d.numerator, d.denominator
        out.append(Fraction(a * q * e - p * c * b, b * q * e))
    if not theta.shape:
        return out[0]  # as NumPy's object arithmetic gives it for 0-d arrays: the bare Fraction
    result = np.empty(theta.shape, dtype=object)
    result.ravel()[:] = out  # (a new array: ravel is a view of it)
    return result
