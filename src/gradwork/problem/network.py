"""The network form (``layers:``): checking a problem and building it on gradwork.nn.

:func:`plan_network` checks everything that does not depend on the mode
(names, shapes, activations, the loss, the target) and keeps the key path of
every value, so that building in any mode can still point at the file.
:func:`build_network` then makes the tensors in one backend and runs the
forward pass through :class:`gradwork.nn.Dense` layers and the loss.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from gradwork import functional as F
from gradwork.backends import Backend, BackendError
from gradwork.nn import LOSSES, Dense
from gradwork.nn import activation as named_activation
from gradwork.nn import loss as named_loss
from gradwork.nn.activations import ACTIVATIONS, ALIASES
from gradwork.ops import OPS
from gradwork.problem.expressions import EvaluationContext, Expression, ExpressionError, parse_expression
from gradwork.numbers.written import is_number, shown
from gradwork.problem.names import MAX_SYMBOL
from gradwork.problem.numbers import NumberError, shape_of, scalar, to_array
from gradwork.problem.spec import NetworkSpec
from gradwork.documents.sources import DataPath, Document
from gradwork.tensor import Tensor

WeightForm = Literal["matrix", "transposed", "flat", "scalar"]
_LAYER_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_-]*")


@dataclass
class LayerPlan:
    index: int
    name: str
    path: DataPath  # ("layers", index)
    weights: Any  # as written (the inner matrix for {T: ...})
    weight_form: WeightForm
    weight_shape: tuple[int, ...]  # the shape of W as used, in the convention's layout
    bias: Any  # as written, or None
    fan_in: int
    fan_out: int
    activation: str  # a canonical name, or the formula text
    activation_options: dict[str, Any] = field(default_factory=dict)  # as written
    formula: Expression | None = None

    @property
    def parameter_names(self) -> list[str]:
        return [f"{self.name}.W"] + ([f"{self.name}.b"] if self.bias is not None else [])


@dataclass
class NetworkPlan:
    spec: NetworkSpec
    layers: list[LayerPlan]
    input_shape: tuple[int, ...]  # as written: () one number, (n,) one sample, (N, n) a batch
    features: int
    samples: int | None  # None for a single sample
    loss: str | None  # a loss name, the formula text, or None
    loss_formula: Expression | None
    target_kind: Literal["none", "values", "class"]
    loss_options: dict[str, Any] = field(default_factory=dict)  # as written ({name: huber, delta: 1})

    @property
    def parameter_names(self) -> list[str]:
        return [name for layer in self.layers for name in layer.parameter_names]


# --------------------------------------------------------------------------- checking


def plan_network(document: Document, spec: NetworkSpec) -> NetworkPlan:
    """Check a network-form problem; raise :class:`ProblemError` at the first bad value."""
    input_shape = _shape(document, ("input",), spec.input)
    if len(input_shape) > 2:
        raise document.error(("input",), f"the input has shape {list(input_shape)}",
                             "one sample (a list of numbers) or a batch (a list of samples)")
    features = 1 if not input_shape else input_shape[-1]
    samples = input_shape[0] if len(input_shape) == 2 else None
    layers: list[LayerPlan] = []
    width, source = features, "input"
    seen: dict[str, int] = {}
    for index, layer_spec in enumerate(spec.layers):
        layer = _plan_layer(document, spec, index, layer_spec, width, source, seen)
        layers.append(layer)
        width, source = layer.fan_out, f"{layer.name}.a"
    loss, options, formula = _plan_loss(document, spec, layers[-1])
    target_kind = _check_target(document, spec, loss, formula, width, samples)
    return NetworkPlan(spec, layers, input_shape, features, samples, loss, formula, target_kind, options)


def _shape(document: Document, path: DataPath, value: Any) -> tuple[int, ...]:
    try:
        return shape_of(value)
    except NumberError as error:
        raise document.error(path + error.index, error.message, error.expected) from None


def _plan_layer(document: Document, spec: NetworkSpec, index: int, layer_spec: Any, width: int, source: str,
                seen: dict[str, int]) -> LayerPlan:
    path: DataPath = ("layers", index)
    name = layer_spec.name or f"layer{index + 1}"
    if not _LAYER_NAME.fullmatch(name) or len(name) > MAX_SYMBOL:
        raise document.error(path + ("name",), f"the layer name {name!r} cannot be used in keys such as {name}.W",
                             f"a name of letters, digits, _ and -, starting with a letter, at most {MAX_SYMBOL} long")
    if name in seen:
        raise document.error(path + ("name",), f"two layers are named {name!r}",
                             f"a new name (layer {seen[name] + 1} is already {name!r})")
    seen[name] = index
    weights, form, shape = _plan_weights(document, path + ("weights",), layer_spec.weights, spec.convention)
    if form in ("flat", "scalar"):
        fan_in, fan_out = shape[0], 1
    elif spec.convention == "row":
        fan_in, fan_out = shape
    else:
        fan_out, fan_in = shape
    if fan_in != width:
        layout = "[in, out]" if spec.convention == "row" else "[out, in]"
        wanted = f"[{width}, N]" if spec.convention == "row" else f"[N, {width}]"
        if form == "flat":
            wanted = f"a flat list of {width} weights, or a matrix {wanted}"
        given = f"{name}.W has shape {list(shape)}"
        if form == "transposed":
            given += " (after the transpose {T: ...})"
        raise document.error(
            path + ("weights",),
            f"shape mismatch: {given} but its input {source} has shape [{width}]",
            f"{wanted}: the {spec.convention} convention writes W as {layout}")
    bias = layer_spec.bias
    if bias is not None:
        bias_shape = _shape(document, path + ("bias",), bias)
        if bias_shape not in ((), (fan_out,)):
            raise document.error(path + ("bias",),
                                 f"shape mismatch: {name}.b has shape {list(bias_shape)} but layer {name!r} "
                                 f"has {fan_out} unit{'s' if fan_out != 1 else ''}",
                                 f"{fan_out} values, or one number shared by the layer")
    activation, options, formula = _plan_activation(document, path + ("activation",), layer_spec.activation)
    return LayerPlan(index, name, path, weights, form, shape, bias, fan_in, fan_out, activation, options, formula)


def _plan_weights(document: Document, path: DataPath, weights: Any,
                  convention: str) -> tuple[Any, WeightForm, tuple[int, ...]]:
    if isinstance(weights, dict):
        if list(weights) != ["T"]:
            extra = next(key for key in weights if key != "T") if any(k != "T" for k in weights) else "T"
            raise document.error(path + (extra,), f"unknown key {extra!r} in weights",
                                 "a matrix, a flat list, or {T: [[...]]} for a transposed matrix", at="key")
        inner = weights["T"]
        shape = _shape(document, path + ("T",), inner)
        if len(shape) != 2:
            raise document.error(path + ("T",), f"{{T: ...}} needs a matrix, not shape {list(shape)}",
                                 "a list of rows, [[...], [...]]")
        return inner, "transposed", (shape[1], shape[0])
    shape = _shape(document, path, weights)
    if len(shape) == 0:
        return weights, "scalar", (1,)
    if len(shape) == 1:
        return weights, "flat", shape
    if len(shape) == 2:
        return weights, "matrix", shape
    raise document.error(path, f"weights of shape {list(shape)}", "a matrix, or a flat list for a single unit")


def _known_activations() -> list[str]:
    return sorted({*ACTIVATIONS, *ALIASES})


def _plan_activation(document: Document, path: DataPath, value: Any) -> tuple[str, dict[str, Any], Expression | None]:
    options: dict[str, Any] = {}
    if isinstance(value, dict):
        if "name" not in value:
            raise document.error(path, "an activation written as a mapping needs a name",
                                 "{name: leaky_relu, alpha: 0.01}")
        name = value["name"]
        name_path = path + ("name",)
        if not isinstance(name, str):
            raise document.error(name_path, "the activation name must be text", "a name such as relu")
        canonical = _canonical_activation(document, name_path, name)
        return canonical, _plan_options(document, path, value, "activation", canonical), None
    if not isinstance(value, str):
        raise document.error(path, f"an activation must be a name or a formula, not {shown(value)}",
                             "relu, sigmoid, ..., {name: leaky_relu, alpha: 0.01} or a formula in x")
    if value.strip().isidentifier() and value.strip() != "x":
        return _canonical_activation(document, path, value.strip()), options, None
    try:
        formula = parse_expression(value, variables={"x"})
    except ExpressionError as error:
        raise document.error_in_text(path, error.line, error.column, f"in the activation formula: {error.message}",
                                     error.expected) from None
    return value.strip(), options, formula


def _plan_options(document: Document, path: DataPath, value: dict[str, Any], what: str, name: str) -> dict[str, Any]:
    """The options of ``{name: ..., option: number}`` (an activation or a loss), each checked against the op's own."""
    allowed = tuple(o.name for o in OPS[name].options) if name in OPS else ()
    options: dict[str, Any] = {}
    for key, option in value.items():
        if key == "name":
            continue
        if key not in allowed:
            expected = f"options of {name}: {', '.join(allowed)}" if allowed else f"{name} has no options"
            raise document.error(path + (key,), f"unknown option {key!r} for {what} {name}", expected, at="key")
        if not is_number(option):
            raise document.error(path + (key,), f"{key} must be a number, not {option!r}", "a number")
        options[key] = option
    return options


def _canonical_activation(document: Document, path: DataPath, name: str) -> str:
    key = ALIASES.get(name, name)
    if key in ACTIVATIONS:
        return key
    known = _known_activations()
    close = difflib.get_close_matches(name, known, n=1)
    hint = f", did you mean {close[0]!r}?" if close else ""
    raise document.error(path, f"unknown activation {name!r}{hint}",
                         f"one of: {', '.join(known)}, or a formula in x such as \"x**2\"")


def _plan_loss(document: Document, spec: NetworkSpec,
               last: LayerPlan) -> tuple[str | None, dict[str, Any], Expression | None]:
    value = spec.loss
    if value is None:
        return None, {}, None
    options: dict[str, Any] = {}
    path: DataPath = ("loss",)
    if isinstance(value, dict):  # {name: huber, delta: 1}: a loss with options, as an activation takes them
        if "name" not in value or not isinstance(value["name"], str):
            raise document.error(path, "a loss written as a mapping needs a name", "{name: huber, delta: 1}")
        name = _canonical_loss(document, path + ("name",), value["name"].strip(), last)
        return name, _plan_options(document, path, value, "loss", name), None
    if not isinstance(value, str):
        raise document.error(path, f"the loss must be a name or a formula, not {shown(value)}",
                             f"one of: {', '.join(LOSSES)}, {{name: ..., option: ...}}, or a formula in y and t")
    name = value.strip()
    if name.isidentifier() and name not in ("y", "t"):
        return _canonical_loss(document, path, name, last), options, None
    try:
        formula = parse_expression(value, variables={"y", "t"})
    except ExpressionError as error:
        raise document.error_in_text(path, error.line, error.column, f"in the loss formula: {error.message}",
                                     error.expected) from None
    return name, options, formula


def _canonical_loss(document: Document, path: DataPath, name: str, last: LayerPlan) -> str:
    if name not in LOSSES:
        close = difflib.get_close_matches(name, list(LOSSES), n=1)
        hint = f", did you mean {close[0]!r}?" if close else ""
        raise document.error(path, f"unknown loss {name!r}{hint}",
                             f"one of: {', '.join(LOSSES)}, or a formula in y and t")
    inner = OPS[name].inner
    if inner is not None and last.activation != "identity":  # cross_entropy applies softmax to the logits itself
        raise document.error(path, f"{name} applies {inner} itself, but the output layer "
                             f"{last.name!r} already has the activation {last.activation!r}",
                             "activation: identity on the last layer (or a formula loss)")
    return name


def loss_options(document: Document, plan: NetworkPlan, backend: Backend) -> dict[str, Any]:
    """The loss's options (Huber's delta, ...) as backend numbers, each error at its key (defaults as written)."""
    if plan.loss is None or plan.loss_formula is not None:
        return {}
    return _options(document, ("loss",), plan.loss, plan.loss_options, backend)


def inner_of(loss: str | None) -> str | None:
    """The activation a named loss applies to the outputs itself (cross_entropy: softmax), else None.

    Such a loss takes the logits, may take class indices as targets, and its probabilities are reported
    as ``<last layer>.p``."""
    op = OPS.get(loss) if loss is not None else None
    return op.inner if op is not None and op.kind == "loss" else None


def _check_target(document: Document, spec: NetworkSpec, loss: str | None, formula: Expression | None,
                  outputs: int, samples: int | None) -> Literal["none", "values", "class"]:
    needs_target = loss is not None and (formula is None or any(use.name == "t" for use in formula.names))
    if spec.target is None:
        if needs_target:
            raise document.error(("loss",), f"the loss {loss!r} needs a target", "`target:` to be given")
        return "none"
    shape = _shape(document, ("target",), spec.target)
    if formula is not None:
        return "values"  # a formula reads t as written
    per_sample = shape if samples is None else shape[1:]
    if samples is not None and (not shape or shape[0] != samples):
        given = "one value" if not shape else f"{shape[0]} samples"
        raise document.error(("target",), f"the target has {given} but the input is a batch of {samples} samples",
                             f"{samples} targets, one per sample")
    if inner_of(loss) is not None and per_sample == ():
        _check_class_indices(document, spec.target, outputs, samples)
        return "class"
    size = int(np.prod(per_sample)) if per_sample else 1
    if size != outputs or len(per_sample) > 1:
        what = "one value" if per_sample == () else f"shape {list(per_sample)}"
        per = " per sample" if samples is not None else ""
        raise document.error(("target",), f"the target has {what}{per} but the network has {outputs} "
                             f"output{'s' if outputs != 1 else ''}",
                             f"{outputs} value{'s' if outputs != 1 else ''}{per}")
    return "values"


def _check_class_indices(document: Document, target: Any, outputs: int, samples: int | None) -> None:
    items = [((), target)] if samples is None else [((i,), t) for i, t in enumerate(target)]
    for index, value in items:
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < outputs:
            raise document.error(("target", *index), f"the class index {shown(value)} is not one of the "
                                 f"{outputs} outputs", f"a whole number from 0 to {outputs - 1}, or a one-hot list")


# --------------------------------------------------------------------------- building


@dataclass
class NetworkForward:
    nodes: dict[str, Tensor]
    output: Tensor
    loss: Tensor | None
    target: Tensor | None


def network_parameters(document: Document, plan: NetworkPlan, backend: Backend) -> dict[str, Tensor]:
    """The parameter leaves in ``backend``: W in the convention's layout, b as written."""
    parameters = {}
    for layer in plan.layers:
        data = _array(document, layer.path + ("weights",) + (("T",) if layer.weight_form == "transposed" else ()),
                      layer.weights, backend)
        if layer.weight_form == "transposed":
            data = np.ascontiguousarray(data.T)
        elif layer.weight_form == "scalar":
            data = data.reshape(1)
        parameters[f"{layer.name}.W"] = Tensor(data, requires_grad=True, name=f"{layer.name}.W", backend=backend)
        if layer.bias is not None:
            bias = _array(document, layer.path + ("bias",), layer.bias, backend)
            parameters[f"{layer.name}.b"] = Tensor(bias, requires_grad=True, name=f"{layer.name}.b", backend=backend)
    return parameters


def _array(document: Document, path: DataPath, value: Any, backend: Backend) -> np.ndarray:
    try:
        return to_array(value, backend)
    except NumberError as error:
        raise document.error(path + error.index, error.message, error.expected) from None


def build_network(document: Document, plan: NetworkPlan, parameters: dict[str, Tensor], backend: Backend,
                  relu_at_zero: Any) -> NetworkForward:
    """Run the forward pass and the loss on ``parameters``; the graph is recorded for backward."""
    spec = plan.spec
    data = _array(document, ("input",), spec.input, backend)
    x = Tensor(data.reshape(1) if data.shape == () else data, requires_grad=True, name="input", backend=backend)
    nodes: dict[str, Tensor] = {"input": x, **parameters}
    context = EvaluationContext(backend, relu_at_zero)
    h = x
    for layer in plan.layers:
        dense = Dense(parameters[f"{layer.name}.W"], parameters.get(f"{layer.name}.b"),
                      _activation(document, layer, backend, context), convention=spec.convention, name=layer.name)
        try:
            h = dense(h)
        except BackendError as error:
            raise document.error(layer.path + ("activation",),
                                 f"cannot compute layer {layer.name!r} in {backend.name} mode: {error}") from None
        except ExpressionError as error:
            raise document.error_in_text(layer.path + ("activation",), error.line, error.column,
                                         f"in the activation formula: {error.message}", error.expected) from None
        assert dense.z is not None
        nodes[f"{layer.name}.z"] = dense.z
        nodes[f"{layer.name}.a"] = h
    target = _target(document, plan, backend, h)
    loss = _loss(document, plan, h, target, context)
    if loss is not None:
        loss.name = "loss"
        nodes["loss"] = loss
    return NetworkForward(nodes, h, loss, target)


def activation_options(document: Document, layer: LayerPlan, backend: Backend) -> dict[str, Any]:
    """A layer's activation options (leaky_relu's slope, ...) as backend numbers, each error at its key.

    An option left out takes the op's default, read as written (0.01 is exactly 1/100 in exact mode).
    """
    return _options(document, layer.path + ("activation",), layer.activation, layer.activation_options, backend)


def _options(document: Document, path: DataPath, name: str, given: dict[str, Any], backend: Backend) -> dict[str, Any]:
    op = OPS.get(name)
    written = {**(op.option_defaults() if op is not None else {}), **given}
    options = {}
    for key, value in written.items():
        try:
            options[key] = scalar(value, backend)
        except NumberError as error:
            raise document.error(path + (key,), error.message, error.expected) from None
    return options


def _activation(document: Document, layer: LayerPlan, backend: Backend, context: EvaluationContext) -> Any:
    if layer.formula is not None:
        formula = layer.formula
        return lambda z: formula.evaluate({"x": z}, context)
    options = activation_options(document, layer, backend)
    op = OPS.get(layer.activation)
    if op is not None and "at_zero" in op.params:  # ReLU's gradient at 0 is the problem's convention
        options["at_zero"] = context.relu_at_zero
    return named_activation(layer.activation, **options)


def _target(document: Document, plan: NetworkPlan, backend: Backend, output: Tensor) -> Tensor | None:
    spec = plan.spec
    if plan.target_kind == "none":
        return None
    if plan.target_kind == "class":
        outputs = plan.layers[-1].fan_out
        indices = np.asarray(spec.target, dtype=int)
        return Tensor(backend.asarray(np.eye(outputs)[indices]), backend=backend, name="target")
    data = _array(document, ("target",), spec.target, backend)
    if plan.loss_formula is None and data.size == output.size and data.shape != output.shape:
        data = data.reshape(output.shape)
    return Tensor(data, backend=backend, name="target")


def _loss(document: Document, plan: NetworkPlan, output: Tensor, target: Tensor | None,
          context: EvaluationContext) -> Tensor | None:
    if plan.loss is None:
        return None
    try:
        if plan.loss_formula is not None:
            env = {"y": output} if target is None else {"y": output, "t": target}
            loss = plan.loss_formula.evaluate(env, context)
            if loss.size != 1:
                raise document.error(("loss",), f"the loss formula gives shape {list(loss.shape)}, not one number",
                                     "a formula with a single value, e.g. sum(...) or mean(...)")
            return loss
        assert target is not None
        y, t = output, target
        if plan.samples is not None and output.ndim == 1:  # one output unit per sample: outputs are the last axis
            y, t = F.reshape(output, (plan.samples, 1)), Tensor(target.data.reshape(plan.samples, 1), backend=y.backend)
        return named_loss(plan.loss, y, t, reduction=plan.spec.batch_reduction,
                          **loss_options(document, plan, context.backend))
    except BackendError as error:
        raise document.error(("loss",), f"cannot compute the loss in {context.backend.name} mode: {error}") from None
    except ExpressionError as error:
        raise document.error_in_text(("loss",), error.line, error.column, f"in the loss formula: {error.message}",
                                     error.expected) from None
