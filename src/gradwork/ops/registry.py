"""The op registry: each op's forward, VJPs and derivative rule, defined together.

An :class:`Op` is pure data plus two kinds of functions written against a
backend namespace ``bk`` (see :mod:`gradwork.backends`):

* ``forward(bk, *inputs, **params) -> array``
* one VJP per input, ``vjp(bk, g, out, *inputs, **params) -> array``: the
  upstream gradient ``g`` pulled back through this op to that input
  (autograd's ``defvjp`` style, so the engine computes only what is needed).

An op whose VJP would recompute something its forward already had (the
softmax inside cross-entropy, the sigmoid inside sigmoid + BCE) also gives
``save(bk, *inputs, **params) -> (out, saved)`` and, per input,
``Partial.saved_vjp(bk, g, out, saved, *inputs, **params)``; the engine calls
those whenever it ran ``save``, and the plain ``vjp`` stays valid on its own
(the checker perturbs VJPs without a forward).

The human-readable rule sits beside them: LaTeX and plain-text templates with
``$x``/``$a``/``$b``/``$out`` placeholders that the explainers fill with node
names. No renderer lives here; the templates are data. So is everything a
module outside ``ops/`` needs to know about an op, so that no other module
names an op to decide something:

* what it is (:data:`Kind`), whether an explanation states its definition and
  rule (``defined``), whether that rule is piecewise (``piecewise``);
* its :class:`Pitfall` records: the warning an explanation prints and the
  wrong VJP (or forward) a student's number follows, which check's mistake
  models and mark's rule checks substitute;
* how it is written: ``display`` (the function name in text and LaTeX),
  ``call`` (a call written other than name(x): √x, |x|), ``long_name`` for
  prose, and ``written``, the other names a student may write for it;
* its user ``options`` with defaults (activations and losses alike);
* its ONNX and PyTorch equivalent or composition (:class:`Export`).

Those tables (functional's wrappers, ``nn`` activations and losses, the
problem-file function whitelist, the export mapping, the renderers' function
names, mark's readable functions) are built from :data:`OPS`, so adding an
activation or a loss is one ``register`` call (docs/engine.md).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, TypeVar

import numpy as np

from gradwork.ops.scalar import Scalar

Array = Any  # an ndarray, or a bare number where NumPy returns one; typed loosely so that the math stays plain
Forward = Callable[..., Any]
VJP = Callable[..., Any]
Save = Callable[..., tuple[Any, Any]]

# What an op is, for the tables built from the registry:
#   arithmetic: + - * / neg pow matmul linear    function: exp, log, sqrt, abs, log_softmax
#   activation: a layer activation (relu, sigmoid, softmax, ...)    loss: y, t -> a number
#   reduction: sum, mean, max, min    shape: transpose, reshape, index, concatenate
#   fused: several of the above as one op for training speed (carries its own rule text)
Kind = Literal["arithmetic", "function", "activation", "loss", "reduction", "shape", "fused"]
KINDS: tuple[Kind, ...] = ("arithmetic", "function", "activation", "loss", "reduction", "shape", "fused")


@dataclass(frozen=True)
class Partial:
    """The local derivative of an op's output with respect to one input."""

    wrt: str
    vjp: VJP
    latex: str  # e.g. r"$out\,(1 - $out)" for sigmoid
    text: str  # e.g. "$out (1 - $out)"
    # True when the template is the whole pulled-back gradient and mentions the
    # upstream gradient as $g (matmul: "$a^T $g"); False when it is the local
    # derivative that multiplies the upstream gradient.
    includes_upstream: bool = False
    # The same VJP given what the op's `save` kept: saved_vjp(bk, g, out, saved, *inputs, **params).
    saved_vjp: VJP | None = None
    # How the rule folds when another input is a given constant: ("p", "power") for x^p (p x^(p-1) with
    # p - 1 worked out), ("b", "reciprocal") for a / b (1/b as a number).
    with_constant: tuple[str, Literal["power", "reciprocal"]] | None = None


@dataclass(frozen=True)
class Notation:
    """How a node made by this op is written, in terms of its input names."""

    text: str  # e.g. "$a + $b"
    latex: str  # e.g. r"$a + $b"
    precedence: int = 100  # higher binds tighter; 100 = an atom or a call


@dataclass(frozen=True)
class Option:
    """A number a user may set where the op is named (``leaky_relu(x, 0.2)``, ``{name: elu, alpha: 1}``)."""

    name: str
    default: str  # as decimal text, so that exact mode reads 0.01 as 1/100


@dataclass(frozen=True)
class OnnxNode:
    """One node of an ONNX composition: ``op_type(inputs) -> output``.

    Names are ``$x`` (the op's input), ``$out`` (its output), ``#label`` (a
    constant of :attr:`Export.onnx_constants`) or a bare label for a value made
    by an earlier node of the same composition.
    """

    op_type: str
    inputs: tuple[str, ...]
    output: str


@dataclass(frozen=True)
class Export:
    """How the op is written in ONNX and PyTorch.

    An activation is one ONNX node ``z -> a`` (``onnx``) or, where ONNX has no
    such node at the exporter's opset, a composition of nodes
    (``onnx_nodes`` with its ``onnx_constants``: GELU is x (1 + erf(x/√2)) / 2);
    in PyTorch it is one ``torch.nn`` module (``torch``; a loss: its
    ``torch.nn`` loss module). ``options`` are the op options handed on, in
    order: as ONNX attributes of the same name and as the module's positional
    arguments. ``None`` everywhere means no equivalent.
    """

    onnx: str | None = None
    torch: str | None = None
    options: tuple[str, ...] = ()
    onnx_attributes: tuple[tuple[str, Any], ...] = ()  # fixed ones, e.g. (("axis", -1),) for Softmax
    torch_kwargs: tuple[tuple[str, Any], ...] = ()  # fixed ones, e.g. (("dim", -1),)
    onnx_nodes: tuple[OnnxNode, ...] = ()
    onnx_constants: tuple[tuple[str, float], ...] = ()


PitfallWhen = Literal["used", "at_zero"]


@dataclass(frozen=True)
class Pitfall:
    """A classic mistake an op invites, as data: the warning an explanation prints and the wrong math it models.

    * ``code``: the diagnosis code a student making it is given (docs/format.md);
    * ``sentence``: the one-line warning (ASCII, as the other templates; ``{name}``
      is filled with the node's parameter ``name``, formatted with ``:g``);
    * ``wrong``: the wrong VJP for input ``wrt``, with the signature of
      :attr:`Partial.vjp`; check's mistake models replay the solve with it;
    * ``wrong_forward``: a wrong forward, where the mistake changes the value
      too (log base 10 for ln); mark evaluates a worked line with it;
    * ``instead_of``: the op whose rule the student writes in this one's place
      (tanh: sigmoid's a(1 - a)); ``wrong`` is then that op's own VJP;
    * ``note``: what the student did, for feedback; ``{at}`` is the place,
      ``{gradient}`` the loss's gradient there, as the problem writes them;
      ``at_input``: the place is the op's first input (cross-entropy's
      logits), not its output;
    * ``explained``: whether an explanation lists it (False: only check models
      it); ``when``: "used" (wherever the op is used; a fused op's pitfalls
      where the ops it fuses are used together) or "at_zero" (where an input
      of the op is exactly 0); ``order``: where the explanation lists it.
    """

    code: str
    sentence: str = ""
    wrong: VJP | None = None
    wrt: int = 0
    wrong_forward: Forward | None = None
    instead_of: str | None = None
    note: str = ""
    at_input: bool = False
    explained: bool = True
    when: PitfallWhen = "used"
    order: int = 100

    def wrong_vjp(self) -> VJP | None:
        """The VJP a student's number follows: ``wrong``, else the rule of the op ``instead_of`` names."""
        if self.wrong is not None or self.instead_of is None:
            return self.wrong
        return get_op(self.instead_of).partial(self.wrt).vjp


class KernelCall:
    """What a :class:`Kernel` writes code for: the Python names of one node's arrays in the compiled step.

    ``out`` is a preallocated buffer of the output's shape (``out_shape``);
    ``args`` the input arrays (shapes ``shapes``); ``saved`` a buffer for what
    the op's ``save`` keeps (its shape from the traced step); ``g`` the upstream
    gradient and ``d`` the buffer a VJP writes into (the input's shape).
    ``scratch(shape)`` asks for one more preallocated buffer and returns its name.
    A 0-d result may instead be rebound to a NumPy or Python scalar (cheaper
    than ufuncs on 0-d arrays); the compiled step only reads it.
    """

    def __init__(self, out: str, args: list[str], out_shape: tuple[int, ...], shapes: list[tuple[int, ...]],
                 params: Mapping[str, Any], dtype: Any, saved: str | None, scratch: Callable[[tuple[int, ...]], str]
                 ) -> None:
        self.out, self.args, self.out_shape, self.shapes = out, args, out_shape, shapes
        self.params, self.dtype, self.saved, self.scratch = params, dtype, saved, scratch
        self.g = ""
        self.d = ""
        self.g_is_one = False  # g is the seed 1 of a scalar output (a Python float)
        self.g_writable = False  # g is a buffer no one reads after this node's VJPs: a prelude may overwrite it

    def nd(self, position: int) -> int:
        return len(self.shapes[position])


@dataclass(frozen=True)
class Kernel:
    """The op in float NumPy source for the compiled training step (:mod:`gradwork.nn.compile`).

    ``forward(k)`` returns Python statements computing the op into ``k.out``
    (and ``k.saved``) with ``out=`` ufuncs; ``vjp(k, position)`` statements
    writing the VJP into ``k.d``; ``prelude(k)`` statements run once before the
    node's VJPs, returning the name that replaces ``k.g`` (a factor every VJP
    shares). Each returns None for shapes or parameters it does not handle: the
    compiled step then calls the registered forward or VJP, which stay the
    definition (tests/nn/test_compiled.py checks each kernel against them).
    """

    forward: Callable[[KernelCall], list[str] | None]
    vjp: Callable[[KernelCall, int], list[str] | None]
    prelude: Callable[[KernelCall], tuple[list[str], str] | None] | None = None


@dataclass(frozen=True)
class Op:
    """One primitive: forward, VJPs and the rule as data, registered together."""

    name: str
    forward: Forward
    partials: tuple[Partial, ...]
    notation: Notation
    definition_latex: str  # the op's formula, e.g. r"\sigma(x) = \frac{1}{1 + e^{-x}}"
    sentence: str  # one plain sentence stating the derivative rule
    kind: Kind = "function"
    elementwise: bool = False  # inputs broadcast; the engine sums VJPs back to input shapes
    variadic: bool = False  # any number of inputs sharing partials[0] (concatenate)
    pitfalls: tuple[Pitfall, ...] = ()  # the classic mistakes this op invites (warnings and mistake models)
    params: tuple[str, ...] = field(default_factory=tuple)
    # Losses: one output's term ($y, $t stand for y_k, t_k) and how terms combine over outputs.
    term: Notation | None = None
    over_outputs: str | None = None  # "sum" or "mean"
    # Non-elementwise ops (softmax): d out_i / d x_j written per element, diagonal
    # (i = j) and off-diagonal, with $oi, $oj for out_i, out_j.
    element_partials: tuple[Notation, Notation] | None = None
    # The formula of definition_latex in the ASCII style of the text templates ("sigmoid(x) = 1 / (1 + exp(-x))").
    definition_text: str | None = None
    # How students write the function's name: (text, LaTeX), e.g. ("σ", r"\sigma"); None: the op's name.
    display: tuple[str, str] | None = None
    # A one-input call written other than name(x), as text and LaTeX templates over $x: "√$x", "|$x|".
    call: Notation | None = None
    long_name: str | None = None  # how prose names it ("binary cross-entropy"); None: its name
    written: tuple[str, ...] = ()  # other names a student may write for it ("lrelu"), besides name and display
    options: tuple[Option, ...] = ()  # user-settable numbers (a subset of params), with defaults
    export: Export | None = None  # activations (and losses): the ONNX / PyTorch equivalent
    defined: bool = False  # an explanation states its definition and derivative rule where it is used
    piecewise: bool = False  # its rule has cases (ReLU, ELU, Huber): the branch taken is shown, not substituted
    vector_dot: bool = False  # between two 1-D inputs it is their dot product (matmul)
    picks: bool = False  # it picks elements of its input (x[0], x[[2, 4]]): written as what it picked
    # A loss that applies an activation to y itself (cross_entropy: softmax on the logits): its term is a whole
    # sample's, and dL/dy is the fused rule of that activation and the loss.
    inner: str | None = None
    # A loss whose dL/dy template carries its own divisor (mse's 2/n): the op whose rule is the per-term one.
    term_rule: str | None = None
    save: Save | None = None  # forward that also returns what the saved_vjps reuse
    fuses: tuple[str, ...] = ()  # fused ops: the ops they stand for, in forward order
    kernel: Kernel | None = None  # float source for the compiled training step
    scalar: Scalar | None = None  # Python-float source for the compiled step's scalar back end (ops/scalar.py)

    def partial(self, position: int) -> Partial:
        return self.partials[0] if self.variadic else self.partials[position]

    @property
    def arity(self) -> int | None:
        return None if self.variadic else len(self.partials)

    @property
    def pitfall(self) -> str | None:
        """The sentence of the first pitfall an explanation lists, or None."""
        return next((p.sentence for p in self.pitfalls if p.explained and p.sentence), None)

    @property
    def called(self) -> str:
        """The op as prose names it: "binary cross-entropy", else its name."""
        return self.long_name or self.name

    @property
    def written_names(self) -> tuple[str, ...]:
        """Every name a student may write for it: its name, its display name (σ, ReLU, ln), then ``written``.

        As written here; a reader compares them in whatever normal form it reads (case, spaces, hyphens).
        """
        names = [self.name]
        if self.display is not None:
            names.append(self.display[0])
        names.extend(self.written)
        return tuple(dict.fromkeys(names))

    @property
    def averages_outputs(self) -> bool:
        """A loss that averages its per-output terms (mse, bce) rather than summing them (sse, l1)."""
        return self.over_outputs == "mean"

    def option_defaults(self) -> dict[str, str]:
        return {option.name: option.default for option in self.options}

    @property
    def display_text(self) -> str:
        return self.display[0] if self.display else self.name

    @property
    def display_latex(self) -> str:
        return self.display[1] if self.display else r"\operatorname{" + self.name.replace("_", r"\_") + "}"


class UnknownOpError(KeyError):
    def __str__(self) -> str:  # KeyError would print the repr with quotes
        return str(self.args[0])


OPS: dict[str, Op] = {}
_generation = [0]  # bumped on every change, so that tables built from OPS know when to rebuild


def register(op: Op) -> Op:
    """Add ``op`` to the registry; names are unique."""
    if op.name in OPS:
        raise ValueError(f"op {op.name!r} is registered twice")
    if op.kind not in KINDS:
        raise ValueError(f"op {op.name!r}: kind {op.kind!r} is not one of {', '.join(KINDS)}")
    OPS[op.name] = op
    _generation[0] += 1
    return op


def generation() -> int:
    """A number that changes whenever an op is registered or removed (what was built from the registry may change)."""
    return _generation[0]


def unregister(name: str) -> None:
    """Remove the op ``name`` (for tests that register an op of their own)."""
    del OPS[name]
    _generation[0] += 1


def get_op(name: str) -> Op:
    try:
        return OPS[name]
    except KeyError:
        known = ", ".join(sorted(OPS))
        raise UnknownOpError(f"no op named {name!r}; registered ops: {known}") from None


def ops_of_kind(*kinds: Kind) -> list[Op]:
    """The registered ops of these kinds, in registration order."""
    return [op for op in OPS.values() if op.kind in kinds]


def batch_mean(params: Mapping[str, Any]) -> bool:
    """Whether a loss node averages over the samples of a batch (``reduction: mean``, the default) or sums them."""
    return bool(params.get("reduction", "mean") == "mean")


def pitfalls_of(code: str) -> list[tuple[Op, Pitfall]]:
    """Every registered op carrying a pitfall with this diagnosis code, with that record (registry order)."""
    return [(op, pitfall) for op in OPS.values() for pitfall in op.pitfalls if pitfall.code == code]


V = TypeVar("V")


class RegistryTable(Mapping[str, V], Generic[V]):
    """A read-only table computed from :data:`OPS` by ``build``, rebuilt after the registry changes."""

    def __init__(self, build: Callable[[], dict[str, V]]) -> None:
        self._build = build
        self._table: dict[str, V] = {}
        self._seen = -1

    def _current(self) -> dict[str, V]:
        if self._seen != _generation[0]:
            self._table = self._build()
            self._seen = _generation[0]
        return self._table

    def __getitem__(self, key: str) -> V:
        return self._current()[key]

    def __contains__(self, key: object) -> bool:  # Mapping's would go through __getitem__ and a KeyError
        return key in self._current()

    def get(self, key: str, default: Any = None) -> Any:
        return self._current().get(key, default)

    def __iter__(self) -> Iterator[str]:
        return iter(self._current())

    def __len__(self) -> int:
        return len(self._current())

    def __repr__(self) -> str:
        return f"RegistryTable({self._current()!r})"


# The op whose rule :func:`unbroadcast` applies: an input broadcast over copies gets the sum of the upstream
# gradient over them (explanations write it as a call of this op).
UNBROADCAST_SUM = "sum"


def unbroadcast(grad: Array, shape: tuple[int, ...]) -> Array:
    """Sum ``grad`` over the axes NumPy broadcasting added or stretched to reach it from ``shape``."""
    if grad.shape == tuple(shape):
        return grad
    extra = grad.ndim - len(shape)
    if extra > 0:
        # On object arrays (exact, symbolic) a sum down to 0-d returns the bare element: keep it an array.
        grad = np.asarray(grad.sum(axis=tuple(range(extra))), dtype=grad.dtype)
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    if stretched:
        grad = grad.sum(axis=stretched, keepdims=True)
    return grad.reshape(shape)
