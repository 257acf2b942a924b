"""A first look at a drawn candidate before its full solve: its numbers through its structure's compiled program.

Most candidates a draw makes fail a constraint on the float solve (a ReLU input
at 0, a dead ReLU layer, a zero gradient) or on the exact one (a result that is
not an integer). Loading and solving each costs a few milliseconds; every
candidate of a template with the same choices has the same graph, so the numbers
of the first one solved are enough to run the others through that graph's
compiled program (:mod:`gradwork.nn.program`): the drawn numbers substituted for
its leaves, not re-traced.

A :class:`Screen` only ever *rejects*, and only a candidate that clearly fails
a constraint: every threshold has a margin wider than the rounding by which the
program's numbers (or the float numbers standing for exact ones) can differ from
the full solve's. A candidate it does not reject is loaded, solved and checked
as before. So the variant drawn is the one the full checks alone would draw.

Which leaf number comes from which drawn number is found once per choice of
options, by a *probe*: the template filled with marker numbers (each random
number a distinct value that no template writes), loaded and solved like any
candidate. A leaf number equal to a marker is that drawn number; every other
leaf number must be the same in the probe and in the first real candidate (a
constant). Anything else (a random number that is not copied into a leaf, such
as a random learning rate; an op option that depends on a drawn number; a leaf
made from a drawn number by arithmetic; a structure the program cannot run)
leaves the template unscreened.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import numpy as np

from gradwork.generate.constraints import GATING, KINKED, SATURATION, ZERO
from gradwork.generate.template import ChoiceSpec, RandomSpec, Template
from gradwork.documents.sources import DataPath
from gradwork.nn.program import GraphProgram, ProgramError, program_for
from gradwork.problem.solved_graph import solved_graph

if TYPE_CHECKING:
    from gradwork.generate.build import Candidate

SCREENED = 64  # a draw screens its first candidates only: a draw that fails checks each of these in full at the end
SCREENABLE = ("no_relu_at_zero", "no_dead_relu", "no_saturation", "all_gradients_nonzero", "integer_results")
MAX_SCREENS = 32  # choices of options kept per template
# Marker k is (k + 1) / 4096 + 2**-20: small (a sigmoid does not saturate on it, a softmax is not 0 or 1), positive,
# exact in binary and in decimal, and not a number templates write.
STEP, MARKER = Decimal(1) / 4096, Decimal(2) ** -20
# The widest rounding difference allowed for, per node: relative to the largest number in the graph times the
# largest leaf (a sum of products of a weight and a value can cancel down to far less than its terms).
MARGIN = 1e-12


def choice_key(template: Template, drawn: dict[DataPath, Any]) -> tuple[int, ...]:
    """Which option each ``choice:`` of the template took (its index), in the template's order."""
    key = []
    for spec in template.specs:
        if isinstance(spec, ChoiceSpec):
            value = drawn[spec.path]
            key.append(next((i for i, option in enumerate(spec.options) if option is value), -1))
    return tuple(key)


def screenable(template: Template, wanted: list[str]) -> bool:
    """Could a screen reject anything for this template (does it ask for a constraint a screen looks at)?"""
    return any(name in SCREENABLE for name in wanted)


@dataclass
class Screen:
    """One structure's compiled program, where the drawn numbers go in, and what each constraint looks at."""

    program: GraphProgram
    backend: Any
    constants: list[np.ndarray | None]  # every leaf's numbers as in the first candidate (None: not a leaf)
    filled: list[tuple[int, np.ndarray, np.ndarray]]  # (leaf, flat positions, indices into the drawn numbers)
    paths: list[DataPath]  # the random parts, in the order of the drawn numbers
    seed: np.ndarray | None  # the given upstream gradient, else None (ones)
    root: int
    relu: list[int]  # the input node of each ReLU and leaky ReLU the root depends on
    dead: list[int]  # the input node of each ReLU the root depends on
    saturating: list[tuple[int, float]]  # (input node, bound) of each sigmoid and tanh
    nonzero: list[int]  # the nodes whose gradient all_gradients_nonzero looks at
    integer_values: list[int]  # the nodes whose value integer_results looks at (the loss included)
    integer_gradients: list[int]  # the nodes whose gradient integer_results looks at
    wanted: frozenset[str]
    leaf_nodes: list[int] = field(init=False)  # the nodes that are leaves

    def __post_init__(self) -> None:
        self.leaf_nodes = [i for i, constant in enumerate(self.constants) if constant is not None]

    def leaves(self, drawn: dict[DataPath, Any]) -> list[np.ndarray | None]:
        """The program's leaves for a candidate: the constants, the drawn numbers put in where they go."""
        numbers = np.array([float(x) for path in self.paths for x in _flat(drawn[path])], dtype=float)
        leaves = list(self.constants)
        for node, positions, indices in self.filled:
            array = self.constants[node].copy()  # type: ignore[union-attr]
            array.flat[positions] = numbers[indices]
            leaves[node] = array
        return leaves

    def rejects(self, drawn: dict[DataPath, Any]) -> bool:
        """Does the candidate clearly fail a constraint (one the full checks would then also find failed)?"""
        try:
            found = self.program.forward(self.leaves(drawn), self.backend)
        except ProgramError:
            return False
        values = [value.ravel().tolist() for value in found]  # a few numbers each: Python floats from here on
        scale = _scale(values)
        if scale is None:  # inf or NaN: the full solve says where
            return False
        terms = max(1.0, max((abs(x) for i in self.leaf_nodes for x in values[i]), default=0.0))
        margin = MARGIN * len(values) * max(1.0, scale) * terms
        low, wanted = ZERO - margin, self.wanted
        if "no_relu_at_zero" in wanted and any(abs(x) < low for i in self.relu for x in values[i]):
            return True
        if "no_dead_relu" in wanted and any(all(x < low for x in values[i]) for i in self.dead):
            return True
        if "no_saturation" in wanted and any(abs(x) > bound + margin for i, bound in self.saturating
                                             for x in values[i]):
            return True
        gradients_wanted = "all_gradients_nonzero" in wanted and self.nonzero
        integers_wanted = "integer_results" in wanted
        if integers_wanted and any(abs(x - round(x)) > margin for i in self.integer_values for x in values[i]):
            return True
        if not gradients_wanted and not (integers_wanted and self.integer_gradients):
            return False
        root = found[self.root]
        seed = np.ones_like(root) if self.seed is None else np.broadcast_to(self.seed, root.shape).copy()
        try:
            backward = self.program.backward(found, seed, self.backend)
        except ProgramError:
            return False
        gradients = [None if g is None else g.ravel().tolist() for g in backward]
        largest = _scale([g for g in gradients if g is not None])
        if largest is None:
            return False
        margin = MARGIN * len(values) * max(1.0, scale, largest) * terms
        low = ZERO - margin
        if gradients_wanted and any(gradients[i] is None or any(abs(x) < low for x in gradients[i])  # type: ignore[union-attr]
                                    for i in self.nonzero):
            return True
        return integers_wanted and any(abs(x - round(x)) > margin for i in self.integer_gradients
                                       for x in gradients[i] or ())


def _scale(numbers: list[list[float]]) -> float | None:
    """The largest magnitude among lists of numbers (None when one is inf or NaN, or their sum overflows)."""
    flat = [x for part in numbers for x in part]
    if not math.isfinite(sum(flat)):
        return None
    return max(map(abs, flat), default=0.0)


def _flat(value: Any) -> list[Any]:
    """A drawn value's numbers in order (a number, or nested lists of them)."""
    if not isinstance(value, list):
        return [value]
    if not value or not isinstance(value[0], list):
        return value
    return [x for item in value for x in _flat(item)]


def screen_for(template: Template, drawn: dict[DataPath, Any]) -> Screen | None:
    """The screen of this candidate's choices, if one was built (None: none yet, or the choices cannot be screened)."""
    return template.screens.get(choice_key(template, drawn))


def build(template: Template, drawn: dict[DataPath, Any], candidate: Candidate, wanted: list[str]) -> None:
    """Make the screen of ``candidate``'s choices from its float solve (when it has one), once per choice."""
    key = choice_key(template, drawn)
    if key in template.screens or len(template.screens) >= MAX_SCREENS or "float" not in candidate.__dict__:
        return
    template.screens[key] = _screen(template, drawn, candidate, wanted)


def _screen(template: Template, drawn: dict[DataPath, Any], candidate: Candidate, wanted: list[str]) -> Screen | None:
    solution = candidate.float
    view = solved_graph(solution)
    nodes = view.tensors
    program = program_for(nodes, [node.inputs for node in view], view.root)
    if program is None or view.root_size < 1:
        return None
    # The probe: every random number a distinct marker, the same options.
    randoms = [spec for spec in template.specs if isinstance(spec, RandomSpec)]
    markers: dict[float, int] = {}
    probe_drawn = dict(drawn)
    for spec in randoms:
        count = int(np.prod(spec.shape, dtype=np.int64)) if spec.shape else 1
        offset = len(markers)
        numbers = [(offset + k + 1) * STEP + MARKER for k in range(count)]
        markers.update({float(number): offset + k for k, number in enumerate(numbers)})
        probe_drawn[spec.path] = (np.array(numbers, dtype=object).reshape(spec.shape).tolist() if spec.shape
                                  else numbers[0])
    try:
        probe = type(candidate)(template, template.fill(probe_drawn)).float
    except Exception:  # noqa: BLE001 - a probe that cannot be solved only means no screen
        return None
    probe_view = solved_graph(probe)
    probe_program = program_for(probe_view.tensors, [node.inputs for node in probe_view], probe_view.root)
    if probe_program is not program or probe_view.names != view.names or probe_view.root != view.root:
        return None  # an option or a shape follows from the drawn numbers
    constants: list[np.ndarray | None] = [None] * len(nodes)
    filled = []
    found: set[int] = set()
    for i, node in enumerate(nodes):
        if node.op is not None:
            continue
        ref, marked = node.data, probe_view.tensors[i].data
        if ref.shape != marked.shape:
            return None
        positions, indices = [], []
        for position, (number, mark) in enumerate(zip(ref.flat, marked.flat)):
            index = markers.get(float(mark))
            if index is not None:
                positions.append(position)
                indices.append(index)
                found.add(index)
            elif not number == mark:
                return None  # a leaf number that follows from drawn numbers by more than a copy
        constants[i] = np.array(ref, dtype=float)
        if positions:
            filled.append((i, np.array(positions, dtype=np.intp), np.array(indices, dtype=np.intp)))
    if len(found) != len(markers):
        return None  # a drawn number that goes somewhere other than a leaf (a learning rate, an option)
    upstream = solution.upstream
    seed = None if upstream is None else np.asarray(upstream.data if hasattr(upstream, "data") else upstream,
                                                    dtype=float)
    inside = range(view.root_size)

    def op(i: int) -> str | None:
        return nodes[i].op.name if nodes[i].op is not None else None  # type: ignore[union-attr]

    parameters = list(solution.parameters) or [name for name, node in solution.nodes.items()
                                                if node.op is None and name in solution.gradients]
    nonzero = [view.names[name] for name in parameters if name in view.names]
    if len(nonzero) != len(parameters):
        nonzero = []  # a gradient the program does not give: all_gradients_nonzero is left to the full check
    screen = Screen(
        program=program, backend=view.backend, constants=constants, filled=filled,
        paths=[spec.path for spec in randoms], seed=seed, root=view.root,
        relu=[view.nodes[i].inputs[0] for i in inside if op(i) in KINKED],
        dead=[view.nodes[i].inputs[0] for i in inside if op(i) in GATING],
        saturating=[(view.nodes[i].inputs[0], SATURATION[op(i)]) for i in inside  # type: ignore[index]
                    if op(i) in SATURATION],
        nonzero=nonzero,
        integer_values=[view.names[name] for name in solution.values if name in view.names]
        + ([view.loss] if view.loss is not None and solution.loss_value is not None else []),
        integer_gradients=[view.names[name] for name in solution.gradients if name in view.names],
        wanted=frozenset(wanted))
    if not all(np.array_equal(leaf, node.data) for leaf, node in zip(screen.leaves(drawn), nodes)
               if leaf is not None):
        return None  # the drawn numbers do not give the leaves the solve read
    return screen
