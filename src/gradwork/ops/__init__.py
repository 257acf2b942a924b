"""The op registry and every primitive op.

Importing this package registers all ops. To add an op, add one ``register``
call in the family module it belongs to (or a new module imported below) and
one spec line in ``tests/ops/test_gradients.py``; see docs/engine.md.
"""

from gradwork.ops import arithmetic, elementwise, losses, reductions, shape, softmax  # noqa: F401  (registers)
from gradwork.ops.registry import OPS, Notation, Op, Partial, UnknownOpError, get_op, register, unbroadcast

__all__ = ["OPS", "Notation", "Op", "Partial", "UnknownOpError", "get_op", "register", "unbroadcast"]
