"""The op registry and every primitive op.

Importing this package registers all ops. To add an op, add one ``register``
call in the family module it belongs to (or a new module imported below) and
one spec line in ``tests/ops/test_gradients.py`` (and in
``tests/ops/test_symbolic_gradients.py``); see docs/engine.md. Every table
outside this package (functional's wrappers, ``nn`` activations and losses,
the problem-file functions, the export mapping, the renderers' names, mark's
readable functions, check's pitfall models) is built from :data:`OPS`.
"""

from gradwork.ops import arithmetic, elementwise, fused, losses, reductions, shape, softmax  # noqa: F401  (registers)
from gradwork.ops.registry import (
    KINDS,
    OPS,
    Export,
    Kind,
    Notation,
    OnnxNode,
    Op,
    Option,
    Partial,
    Pitfall,
    RegistryTable,
    UnknownOpError,
    batch_mean,
    get_op,
    ops_of_kind,
    pitfalls_of,
    register,
    UNBROADCAST_SUM,
    unbroadcast,
    unregister,
)

__all__ = ["KINDS", "OPS", "UNBROADCAST_SUM", "Export", "Kind", "Notation", "OnnxNode", "Op", "Option", "Partial",
           "Pitfall", "RegistryTable", "UnknownOpError", "batch_mean", "get_op", "ops_of_kind", "pitfalls_of",
           "register", "unbroadcast", "unregister"]
