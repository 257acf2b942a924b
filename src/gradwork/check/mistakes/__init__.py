"""The catalog of mistake models: each a small, named change to the correct solve.

A model is one function, registered with :func:`mistake`, that looks at the
solved graph and yields the :class:`Variant` s it can produce there, one per
place it could happen (a softmax node, a weight matrix, a bias, ...). A
variant is either

* a :class:`~gradwork.check.replay.Perturbation`: the solve is replayed with
  that change, so the wrong number it predicts is *computed* (a VJP swapped for
  a wrong one, a factor on one gradient, log base 10, a learning rate
  dropped ...); or
* an ``observe`` function: a wrong way of *writing down* a number the solve
  produced (the gradient written where the update was asked, two entries
  swapped, a matrix written transposed, a value rounded too soon). It gets a
  :class:`Look` at one answered item and yields the numbers the student would
  then have written.

The checker tries every variant on every wrong answer and reports each model
whose prediction matches the student's number within the tolerance, with
``rule``: one sentence stating the correct rule.

Adding a model: write one function in the module of its kind, decorated with
``@mistake("code", "the correct rule in one sentence")``, that yields
variants. ``generic=True`` marks catch-all models (a factor, a sign,
rounding) that are reported only when no specific model explains the number.

This package's modules, one job each: :mod:`.registry` (the registry and what
a model yields), :mod:`.compare` (two solves' numbers the same?), the models
by kind: :mod:`.computed` (a change to the backward pass or to a number along
the way), :mod:`.update` (the update step), :mod:`.written` (writing numbers
down, and the rounding arithmetic). They register in that order, which is the
order in which variants are tried and reported.
"""

from __future__ import annotations

from gradwork.check.mistakes.compare import same_numbers
from gradwork.check.mistakes.registry import MISTAKES, Look, Mistake, Observer, Variant, mistake, variants_for
from gradwork.check.mistakes.computed import (
    activation_derivative, batch_mean, factor_2, factor_half, log_base_10, misread_data, missed_path, other_variant,
    relu_at_zero, sign, softmax_diagonal_jacobian, transposed, updated_weights_in_backward,
)
from gradwork.check.mistakes.update import bias_not_updated, gradient_as_update, learning_rate, update_sign
from gradwork.check.mistakes.written import (
    DRIFT_UNITS, ROUNDINGS, last_figure_units, round_half_down, rounding, swapped_entries,
)

__all__ = [
    "DRIFT_UNITS", "MISTAKES", "ROUNDINGS", "Look", "Mistake", "Observer", "Variant", "activation_derivative",
    "batch_mean", "bias_not_updated", "factor_2", "factor_half", "gradient_as_update", "last_figure_units",
    "learning_rate", "log_base_10", "misread_data", "missed_path", "mistake", "other_variant", "relu_at_zero",
    "round_half_down", "rounding", "same_numbers", "sign", "softmax_diagonal_jacobian", "swapped_entries",
    "transposed", "update_sign", "updated_weights_in_backward", "variants_for",
]
