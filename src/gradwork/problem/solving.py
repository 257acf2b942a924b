"""Loading a problem file and solving it into a :class:`Solution`.

``load`` reads, validates and checks everything that does not depend on the
number mode, so a bad file fails before any arithmetic. ``solve`` then builds
the problem in the float, exact or symbolic backend, runs the forward and
backward pass once (the graph that is explained), applies ``steps`` optimizer
updates, and fills every field of :class:`Solution`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from gradwork.backends import Backend, BackendError, get_backend
from gradwork.documents import limits
from gradwork.problem.faults import Fault, bad_elements, first_fault
from gradwork.problem.graph import GraphPlan, build_graph, graph_inputs, graph_parameters, plan_graph, upstream_tensor
from gradwork.problem.network import (
    NetworkPlan, activation_options, build_network, inner_of, network_parameters, plan_network,
)
from gradwork.numbers.marking import MarkingPolicy
from gradwork.problem.names import Names
from gradwork.problem.numbers import NumberError, reported, scalar
from gradwork.problem.policy import Policy, catalogue, check_indices, plan_policy
from gradwork.problem.quantities import Quantity
from gradwork.problem.spec import GraphSpec, Mode, NetworkSpec, spec_from_data
from gradwork.problem.solution import LayerInfo, Solution
from gradwork.documents.sources import DataPath, Document, read
from gradwork.problem.training import TrainingPlan, optimizer_info, plan_training, train
from gradwork.tensor import Tensor
from gradwork import functional as F

MODES = ("float", "exact", "symbolic")


class Problem:
    """A checked problem file, ready to be solved in any mode."""

    def __init__(self, document: Document, spec: NetworkSpec | GraphSpec, plan: NetworkPlan | GraphPlan,
                 training: TrainingPlan, policy: Policy | None = None) -> None:
        self.document = document
        self.spec = spec
        self.plan = plan
        self.training = training
        self.policy = policy or Policy(Names(), (), MarkingPolicy())

    @property
    def names(self) -> Names:
        """The problem's own symbols (``names:``); empty when the file has none."""
        return self.policy.names

    @property
    def ask(self) -> tuple[Quantity, ...]:
        """The asked quantities in order (``ask:``); empty when nothing is asked."""
        return self.policy.ask

    @property
    def marking(self) -> MarkingPolicy:
        """The teacher's marking policy (``marking:``), before any command-line override."""
        return self.policy.marking

    @property
    def form(self) -> str:
        return "network" if isinstance(self.spec, NetworkSpec) else "graph"

    @property
    def title(self) -> str:
        if self.spec.title:
            return self.spec.title
        name = self.document.name
        return Path(name).stem if not name.startswith("<") else "Problem"

    @property
    def mode(self) -> Mode | None:
        """The mode the file asks for (``mode:``), or None."""
        return self.spec.mode

    @property
    def source(self) -> str:
        return self.document.name

    def solve(self, mode: Mode | None = None) -> Solution:
        return solve(self, mode)

    def __repr__(self) -> str:
        return f"Problem({self.title!r}, form={self.form!r}, source={self.source!r})"


def load(source: str | Path | Document, *, format: str | None = None, checked: bool = False) -> Problem:  # noqa: A002
    """Read and check a problem: a path, ``"-"`` for stdin, the problem text itself, or a read Document.

    A :class:`Document` is checked as it is (``gradwork.generate`` passes a template's
    positions with a variant's numbers, so errors point into the template).

    ``checked=True`` says the keys and simple types were validated already (an
    exported template drawn again inside PrairieLearn): the schema's pydantic
    models are skipped, and pydantic is not imported. Everything else (shapes,
    activations, expressions, names, ``ask:``, ``marking:``) is still checked.

    Raises :class:`~gradwork.documents.errors.ProblemError` (``FILE:LINE:COL:
    message (expected ...)``) for anything wrong with the file.
    """
    document = source if isinstance(source, Document) else read(source, format)
    if checked and isinstance(document.data, dict) and ("layers" in document.data) != ("graph" in document.data):
        spec = spec_from_data(document.data)
    else:
        from gradwork.problem.schema import validate  # pydantic: only where a file is validated

        spec = validate(document)
    plan: NetworkPlan | GraphPlan
    if isinstance(spec, NetworkSpec):
        plan = plan_network(document, spec)
        if spec.optimizer is not None and plan.loss is None:
            raise document.error(("optimizer",), "an optimizer needs a loss to minimise", "`loss:` to be given",
                                 at="key")
    else:
        plan = plan_graph(document, spec)
    training = plan_training(document, spec, plan.parameter_names)
    policy = plan_policy(document, spec, catalogue(spec, plan, training.steps > 0))
    return Problem(document, spec, plan, training, policy)


def solve(problem: Problem | str | Path, mode: Mode | None = None) -> Solution:
    """Solve ``problem`` in ``mode`` (default: the file's ``mode:``, else float).

    The numbers pass through ``get_backend(mode).asarray``: in exact mode a
    decimal is exact as written (0.01 is 1/100); in symbolic mode a name such
    as ``x0`` is a SymPy symbol.
    """
    if not isinstance(problem, Problem):
        problem = load(problem)
    mode = mode or problem.mode or "float"
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r} (expected float, exact or symbolic)")
    backend = get_backend(mode)
    document, training = problem.document, problem.training
    try:
        relu_at_zero = scalar(training.relu_grad_at_zero, backend)
    except NumberError as error:
        raise document.error(("relu_grad_at_zero",), error.message, error.expected) from None
    with np.errstate(all="ignore"), _simplify_budget(mode) as budget:  # NaN/inf are named below, at their node
        if isinstance(problem.plan, NetworkPlan):
            solution = _solve_network(problem, problem.plan, backend, relu_at_zero)
        else:
            solution = _solve_graph(problem, problem.plan, backend, relu_at_zero)
    if budget is not None and budget.exhausted:
        solution.notes.append(
            f"the time to put symbolic results in readable form ran out ({limits.note('simplify_seconds')}); "
            "the later ones are shown as computed, unsimplified (still exact)")
    _refuse_faults(problem, solution)
    shapes = {section: {name: np.shape(value) for name, value in getattr(solution, section).items()}
              for section in ("values", "gradients", "updated")}
    check_indices(document, problem.policy, shapes)
    solution.names, solution.ask, solution.marking = problem.names, problem.ask, problem.marking
    return solution


def _refuse_faults(problem: Problem, solution: Solution) -> None:
    """Raise a ProblemError at the node where the first NaN or infinity appeared (see faults.py)."""
    roots = [t for t in (solution.loss, solution.output) if t is not None]
    names = {**solution.parameters, **solution.nodes}
    fault = first_fault(roots, names)
    if fault is None:
        for name, value in solution.updated.items():
            numbers = value if isinstance(value, np.ndarray) and value.dtype.kind == "f" else \
                np.asarray(value, dtype=object)
            if bad_elements(numbers) is not None:
                fault = Fault(name, f"the updated {name} is not finite (overflow or an invalid operation in the "
                                    f"optimizer step)")
                break
    if fault is None:
        return
    expected = "values within float range; --mode exact computes without overflow" \
        if solution.mode == "float" and fault.kind == "inf" else "finite real values"
    raise problem.document.error(_path_of(problem, fault.node), fault.message, expected)


def _path_of(problem: Problem, node: str | None) -> DataPath:
    """The key path in the file that defines ``node`` (its layer, its graph node, the input)."""
    if node is None:
        return ()
    plan = problem.plan
    if isinstance(plan, NetworkPlan):
        if node in ("input", "loss", "target"):
            return (node,) if node in problem.document.data else ()
        layer_name, _, part = node.rpartition(".")
        for layer in plan.layers:
            if layer.name == layer_name:
                extra = {"W": ("weights",), "b": ("bias",), "a": ("activation",)}.get(part, ())
                return layer.path + extra if layer.path + extra in problem.document.spans else layer.path
        return ()
    for section in ("graph", "params", "inputs"):
        if node in (problem.document.data.get(section) or {}):
            return (section, node)
    return ()


@contextmanager
def _simplify_budget(mode: str) -> Iterator[Any]:
    """In symbolic mode, bound the time SymPy spends making results readable (limits.simplify_seconds)."""
    if mode != "symbolic":
        yield None
        return
    from gradwork.backends.symbolic import simplify_budget  # SymPy only when symbolic mode is used

    with simplify_budget(limits.current().simplify_seconds) as budget:
        yield budget


def _backward(document: Document, path: DataPath, tensor: Tensor, grad: Tensor | None = None) -> None:
    try:
        tensor.backward(grad)
    except BackendError as error:
        raise document.error(path, f"cannot compute the gradients: {error}") from None


def _grad(tensor: Tensor, backend: Backend) -> Any:
    return tensor.grad if tensor.grad is not None else backend.zeros_like(tensor.data)


# --------------------------------------------------------------------------- network form


def _solve_network(problem: Problem, plan: NetworkPlan, backend: Backend, relu_at_zero: Any) -> Solution:
    document, training = problem.document, problem.training

    def forward_backward(parameters: dict[str, Tensor]) -> Any:
        forward = build_network(document, plan, parameters, backend, relu_at_zero)
        if forward.loss is not None:
            _backward(document, ("loss",), forward.loss)
        return forward

    parameters = network_parameters(document, plan, backend)
    first = forward_backward(parameters)
    updated = train(document, training, parameters, backend, forward_backward) if training.steps else {}

    def report(name: str, array: Any) -> Any:
        if name == "input" and plan.input_shape == ():
            array = array.reshape(())
        layer = next((layer for layer in plan.layers if name == f"{layer.name}.W"), None)
        if layer is not None and layer.weight_form == "scalar":
            array = array.reshape(())
        return reported(array, backend)

    value_names = ["input"] + [f"{layer.name}.{part}" for layer in plan.layers for part in ("z", "a")]
    gradient_names = list(parameters) + value_names[1:] + ["input"]
    probabilities = _probabilities(plan, first.nodes)
    values = {name: report(name, first.nodes[name].data) for name in value_names}
    if probabilities is not None:  # fused softmax + cross-entropy: the p a student writes down is a value too
        values[probabilities] = report(probabilities, first.nodes[probabilities].data)
    gradients = {} if first.loss is None else {
        name: report(name, _grad(first.nodes[name], backend)) for name in gradient_names}
    layers = [
        LayerInfo(
            name=layer.name, activation=layer.activation,
            activation_options=activation_options(document, layer, backend),
            weight=f"{layer.name}.W", bias=f"{layer.name}.b" if layer.bias is not None else None,
            z=f"{layer.name}.z", a=f"{layer.name}.a",
            input="input" if layer.index == 0 else f"{plan.layers[layer.index - 1].name}.a",
            fan_in=layer.fan_in, fan_out=layer.fan_out, flat_weights=layer.weight_form in ("flat", "scalar"),
            weights_transposed=layer.weight_form == "transposed",
        )
        for layer in plan.layers
    ]
    spec = plan.spec
    return Solution(
        title=problem.title,
        mode=backend.name,  # type: ignore[arg-type]
        form="network",
        nodes=first.nodes,
        parameters=parameters,
        output=first.output,
        loss=first.loss,
        values=values,
        gradients=gradients,
        updated={name: report(name, tensor.data) for name, tensor in updated.items()},
        loss_value=None if first.loss is None else reported(first.loss.data.reshape(()), backend),
        convention=spec.convention,
        layers=layers,
        loss_name=plan.loss,
        target=first.target,
        optimizer=optimizer_info(document, training, backend),
        frozen=list(training.frozen),
        relu_grad_at_zero=relu_at_zero,
        batch_reduction=spec.batch_reduction,
        source=document.name,
    )


def probabilities_name(plan: NetworkPlan) -> str | None:
    """``<last layer>.p`` when softmax is fused into the loss (``loss: cross_entropy``), else None."""
    return f"{plan.layers[-1].name}.p" if inner_of(plan.loss) is not None and plan.layers else None


def _probabilities(plan: NetworkPlan, nodes: dict[str, Tensor]) -> str | None:
    """Add p = softmax(z) of the output layer as a node of its own (off the loss's path: no gradient)."""
    name = probabilities_name(plan)
    if name is None:
        return None

    p = F.softmax(nodes[f"{plan.layers[-1].name}.z"])
    p.name = name
    loss = nodes.pop("loss", None)  # p is read before the loss: keep the nodes in computation order
    nodes[name] = p
    if loss is not None:
        nodes["loss"] = loss
    return name



# --------------------------------------------------------------------------- graph form


def _solve_graph(problem: Problem, plan: GraphPlan, backend: Backend, relu_at_zero: Any) -> Solution:
    document, training = problem.document, problem.training
    inputs = graph_inputs(document, plan, backend)
    parameters = graph_parameters(document, plan, backend)
    upstream: Tensor | None = None

    def forward_backward(current: dict[str, Tensor]) -> Any:
        nonlocal upstream
        fresh_inputs = {name: Tensor(t.data, requires_grad=True, name=name, backend=backend)
                        for name, t in inputs.items()} if current is not parameters else inputs
        forward = build_graph(document, plan, fresh_inputs, current, backend, relu_at_zero)
        upstream = upstream_tensor(document, plan, forward.output, backend)
        _backward(document, ("output",) if upstream is None else ("upstream",), forward.output, upstream)
        return forward

    first = forward_backward(parameters)
    first_upstream = upstream
    updated = train(document, training, parameters, backend, forward_backward) if training.steps else {}
    names = list(first.nodes)
    output = first.output
    loss = output if first_upstream is None else None
    return Solution(
        title=problem.title,
        mode=backend.name,  # type: ignore[arg-type]
        form="graph",
        nodes=first.nodes,
        parameters=parameters,
        output=output,
        loss=loss,
        values={name: reported(first.nodes[name].data, backend) for name in names},
        gradients={name: reported(_grad(first.nodes[name], backend), backend) for name in names},
        updated={name: reported(tensor.data, backend) for name, tensor in updated.items()},
        loss_value=None if loss is None else reported(loss.data.reshape(()), backend),
        optimizer=optimizer_info(document, training, backend),
        frozen=list(training.frozen),
        relu_grad_at_zero=relu_at_zero,
        upstream=first_upstream,
        source=document.name,
        formulas={name: expression.text for name, expression in plan.nodes.items()},
    )
