"""The op registry and every primitive op.

Importing this package registers all ops. To add an op, add one ``register``
call in the family module it belongs to (or a new module imported below) and
one spec line in ``tests/ops/test_gradients.py``; see docs/engine.md. Every
table outside this package (functional's wrappers, ``nn`` activations, the
problem-file functions, the export mapping) is built from :data:`OPS`.
"""

from gradwork.ops import arithmetic, elementwise, fused, losses, reductions, shape, softmax  # noqa: F401  (registers)
from gradwork.ops.registry import (
    KINDS,
    OPS,
    Export,
    Kind,
    Notation,
    Op,
    Option,
    Partial,
    RegistryTable,
    UnknownOpError,
    get_op,
    ops_of_kind,
    register,
    unbroadcast,
    unregister,
)

__all__ = ["KINDS", "OPS", "Export", "Kind", "Notation", "Op", "Option", "Partial", "RegistryTable", "UnknownOpError",
           "get_op", "ops_of_kind", "register", "unbroadcast", "unregister"]
