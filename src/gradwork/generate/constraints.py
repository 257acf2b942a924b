"""The constraints a template may ask of its variants: each a named test of one drawn candidate.

A constraint looks at a :class:`~gradwork.generate.build.Candidate` (its numbers as
written and its solves) and says whether the exercise it makes is pleasant and
meaningful. They are tried in the order listed here, cheapest first, and a
candidate is dropped at the first one it fails; the failures are counted per
constraint so that a template that cannot be met says which constraint blocks it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING, Any

import numpy as np

from gradwork.tensor import Tensor
from gradwork.generate.plant import visible

if TYPE_CHECKING:
    from gradwork.generate.build import Candidate

SATURATION = {"sigmoid": 4.0, "tanh": 2.0}  # |input| bound: sigmoid'(4) = 0.018; tanh(x) = 2 sigmoid(2x) - 1
KINKED = ("relu", "leaky_relu")  # no_relu_at_zero's ops: the derivative at 0 is a convention
GATING = ("relu",)  # no_dead_relu's: a unit whose input is at most 0 passes no gradient
ZERO = 1e-9  # a float this close to 0 came from numbers that cancel exactly on the template's decimal grid

# The mistakes `distinct_mistakes` keeps apart from the right answer (docs/format.md diagnosis codes).
DISTINCT_MISTAKES = ("log_base_10", "transposed", "softmax_diagonal_jacobian", "missed_path", "bias_not_updated")


CONSTRAINTS: dict[str, tuple[str, Callable[[Candidate], bool]]] = {}


def constraint(name: str, meaning: str) -> Callable[[Callable[[Candidate], bool]], Callable[[Candidate], bool]]:
    def register(test: Callable[[Candidate], bool]) -> Callable[[Candidate], bool]:
        CONSTRAINTS[name] = (meaning, test)
        return test
    return register


def meaning(name: str) -> str:
    return CONSTRAINTS[name][0]


def ordered(names: tuple[str, ...]) -> list[str]:
    """The constraints asked for, in registry (cost) order."""
    return [name for name in CONSTRAINTS if name in names]


# ---------------------------------------------------------------- on the numbers as written
_STATED = ("input", "inputs", "target", "params", "upstream")  # where the exercise's numbers are (and layers')


@constraint("nice", "every number of the inputs, target, weights and biases has at most one decimal")
def nice(candidate: Candidate) -> bool:
    data = candidate.data
    stated = [data.get(key) for key in _STATED]
    layers = data.get("layers")
    if isinstance(layers, list):  # weights and biases; not an activation's options (leaky ReLU's alpha 0.01)
        stated += [layer.get(part) for layer in layers if isinstance(layer, dict) for part in ("weights", "bias")]
    numbers: list[Any] = []
    for value in stated:
        _numbers(value, numbers)
    return all(_one_decimal(number) for number in numbers)


def _numbers(value: Any, out: list[Any]) -> None:
    """Append the numbers in ``value`` (nested mappings and lists) to ``out``, in order."""
    if isinstance(value, dict):
        for item in value.values():
            _numbers(item, out)
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, (dict, list)):
                _numbers(item, out)
            elif isinstance(item, (int, Decimal)) and not isinstance(item, bool):
                out.append(item)
    elif isinstance(value, (int, Decimal)) and not isinstance(value, bool):
        out.append(value)


def _one_decimal(number: Any) -> bool:
    if isinstance(number, int):
        return True
    return number.normalize().as_tuple().exponent >= -1


# ---------------------------------------------------------------- on the float solve
def _made_by(candidate: Candidate, *ops: str) -> list[Tensor]:
    return [node for node in candidate.graph if node.op is not None and node.op.name in ops]


def _input(node: Tensor) -> np.ndarray:
    return np.asarray(node.inputs[0].data, dtype=float)


@constraint("no_relu_at_zero", "no ReLU (or leaky ReLU) input is exactly 0, where the derivative is a convention")
def no_relu_at_zero(candidate: Candidate) -> bool:
    return not any(np.any(np.abs(_input(node)) < ZERO) for node in _made_by(candidate, *KINKED))


@constraint("no_dead_relu", "every ReLU layer has at least one active unit (input > 0), so gradient flows through it")
def no_dead_relu(candidate: Candidate) -> bool:
    return all(np.any(_input(node) > ZERO) for node in _made_by(candidate, *GATING))


@constraint("no_saturation", "sigmoid inputs lie within [-4, 4] and tanh inputs within [-2, 2]")
def no_saturation(candidate: Candidate) -> bool:
    return all(np.all(np.abs(_input(node)) <= SATURATION[node.op.name])  # type: ignore[union-attr]
               for node in _made_by(candidate, *SATURATION))


@constraint("all_gradients_nonzero", "every gradient of a parameter (of an input, when there are none) is nonzero")
def all_gradients_nonzero(candidate: Candidate) -> bool:
    solution = candidate.solution
    leaves = list(solution.parameters) or [name for name, node in solution.nodes.items()
                                           if node.op is None and name in solution.gradients]
    for name in leaves:
        gradient = np.asarray(solution.gradients.get(name, 0.0), dtype=float)
        if np.any(np.abs(gradient) < ZERO):
            return False
    return True


# ---------------------------------------------------------------- on an exact solve
@constraint("integer_results", "every value, the loss and every gradient is an integer, in exact arithmetic")
def integer_results(candidate: Candidate) -> bool:
    exact = candidate.exact.json()
    sections = [exact["values"], exact["gradients"], {"loss": exact["loss"]}]
    return all(Fraction(str(number)).denominator == 1
               for section in sections for value in section.values() for number in _leaves(value))


def _leaves(value: Any) -> Iterator[Any]:
    if isinstance(value, list):
        for item in value:
            yield from _leaves(item)
    elif value is not None:
        yield value


# ---------------------------------------------------------------- on the mistake models
@constraint("distinct_mistakes", "log10, a transposed W, softmax's diagonal Jacobian, a missed path and a bias left "
                                 "unchanged each give an answer that differs from the right one at the marking "
                                 "tolerance; so does every mistake the template's `expect:` plants")
def distinct_mistakes(candidate: Candidate) -> bool:
    # A mistake `gradwork test` plants must not hide within the tolerance (an update whose sign flip moves it
    # less than the tolerance would be marked right, and the case would fail on that variant).
    expected = [case["plant"] for case in candidate.template.expect
                if isinstance(case, dict) and isinstance(case.get("plant"), str)]
    return all(visible(candidate.planter, code) for code in dict.fromkeys((*DISTINCT_MISTAKES, *expected)))
