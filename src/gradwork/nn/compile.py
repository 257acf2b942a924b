"""A :class:`~gradwork.nn.tape.Tape` compiled into one straight-line Python function per input shape.

Two back ends generate that function; ``Tape.compile(backend="auto")`` picks
one per set of input shapes:

* **scalar** (small steps): Python statements over floats, one per element,
  for the forward pass, the backward pass and the optimizer's update (SGD with
  or without momentum and weight decay, Adam), with the parameters read from
  and written back to their arrays once per call. For a 2-2-1 network NumPy's
  per-call overhead is nearly all of the cost; plain float arithmetic is many
  times cheaper. The source comes from each op's
  :class:`~gradwork.ops.scalar.Scalar` emitter. Chosen when every value of the
  step is float64, every op has a scalar emitter for its shapes, no array has
  more than :data:`SCALAR_MAX_ELEMENTS` elements and the generated step has at
  most :data:`SCALAR_MAX_OPERATIONS` arithmetic operations (+ - * /, math
  calls; a 4-8-8-3 network on one sample has about 830, a 2-4-2 one on a
  batch of 8 about 850); near 1,000 operations NumPy's vectorised calls cost
  as much, past it less (measured: docs/engine.md). A step that raises in Python
  float arithmetic (an overflow, a log of 0, a division by 0, where NumPy would
  give inf or NaN) is run again by the NumPy back end, which gives NumPy's
  numbers; the parameters are written back only after all arithmetic has
  succeeded.
* **numpy** (everything else): no loop, no dispatch and no allocation beyond
  NumPy's temporaries: every node writes into a preallocated buffer with
  ``out=`` ufuncs, and plain SGD updates the parameter arrays in place. The
  source comes from each op's float :class:`~gradwork.ops.registry.Kernel`; a
  node whose op has no kernel for its shapes calls the registered forward and
  VJP instead, so any traced graph compiles.

Both pull the VJPs back and sum them in the order of
:func:`gradwork.autodiff.backward_pass`, so the results equal the replay's to
rounding (tests/nn/test_compiled.py, tests/nn/test_scalar_step.py: 1e-12).

``print(step.source(x, t))`` shows the code generated for those shapes and
``step.backend_for(x, t)`` which back end runs them.

This module's job is the step itself: it picks the back end per set of input
shapes, runs the generated function and falls back to NumPy. The back ends
generate the source: :mod:`gradwork.nn.compile_scalar` and
:mod:`gradwork.nn.compile_numpy`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from gradwork.nn.compile_numpy import build_numpy
from gradwork.nn.compile_scalar import SCALAR_MAX_ELEMENTS, SCALAR_MAX_OPERATIONS, ScalarBuilder
from gradwork.nn.optim import SGD, Adam
from gradwork.nn.step_function import Built

__all__ = ["BACKENDS", "SCALAR_MAX_ELEMENTS", "SCALAR_MAX_OPERATIONS", "CompiledStep"]

BACKENDS = ("auto", "numpy", "scalar")

if TYPE_CHECKING:
    from gradwork.nn.optim import Optimizer
    from gradwork.nn.tape import Tape


class CompiledStep:
    """``step(*arrays) -> loss``: forward, backward and the optimizer's update for one minibatch.

    The update runs inside the generated code, and ``p.grad`` is not set, for
    a plain :class:`~gradwork.nn.optim.SGD` (no momentum, no weight decay) on
    either back end, and on the scalar back end also for SGD with momentum or
    weight decay and for :class:`~gradwork.nn.optim.Adam` (their state, the
    velocity or the moments and the step count, is kept in the optimizer as
    its own ``step`` keeps it). Otherwise (another optimizer, or none) each
    parameter's ``p.grad`` is set to this step's gradient, as after
    ``zero_grad(); backward()``, and then ``optimizer.step()`` runs. On the
    NumPy back end the gradient arrays and the values read by :meth:`value`
    are the step's buffers, overwritten by the next call.

    ``backend``: "auto" (the scalar back end for steps within its size bound,
    see the module docstring), "numpy" or "scalar" (an error when the step has
    an op without a scalar emitter or a value that is not float64; no size
    bound).
    """

    def __init__(self, tape: Tape, optimizer: Optimizer | None, keep: Sequence[tuple[str, int]] = (),
                 backend: str = "auto") -> None:

        if backend not in BACKENDS:
            raise ValueError(f"unknown compiled-step backend {backend!r} (expected one of {', '.join(BACKENDS)})")
        self.tape = tape
        self.optimizer = optimizer
        self.keep = list(keep)
        self.backend = backend
        self.in_place_sgd = type(optimizer) is SGD and not optimizer.momentum and not optimizer.weight_decay
        self._scalar_update = "sgd" if type(optimizer) is SGD else "adam" if type(optimizer) is Adam else None
        self._built: dict[tuple[Any, ...], Built] = {}
        self._fallback: dict[tuple[Any, ...], Built] = {}  # NumPy steps for scalar ones whose float arithmetic raised
        self._kept: dict[tuple[str, int], np.ndarray] = {}
        self._parameters = [tape.slots[i].tensor for i in tape.parameter_slots]
        self._dtypes = [tape.slots[i].dtype for i in tape.input_slots]
        frozen = optimizer.frozen if optimizer is not None else set()
        self._updated = [i for i in tape.parameter_slots if tape.slots[i].tensor.name not in frozen]

    # ------------------------------------------------------------------ running
    def __call__(self, *arrays: Any) -> Any:
        # Per call, this wrapper's Python is all there is besides the generated function: kept to plain loops.
        dtypes = self._dtypes
        if len(arrays) != len(dtypes):
            raise ValueError(f"expected {len(dtypes)} input arrays, got {len(arrays)}")
        shapes = []
        for a, dtype in zip(arrays, dtypes):
            if type(a) is not np.ndarray or (a.dtype is not dtype and a.dtype != dtype):
                arrays = tuple(np.asarray(b, dtype=d) for b, d in zip(arrays, dtypes))
                shapes = [a.shape for a in arrays]
                break
            shapes.append(a.shape)
        key = tuple(shapes)
        built = self._built.get(key)
        if built is None:
            built = self._built[key] = self._build(arrays, self.backend)
        if built.backend == "scalar":
            try:
                loss, kept, grads = built.run(arrays)
            except (ArithmeticError, ValueError):  # NumPy's numbers (inf, NaN) instead, for this call
                built = self._fallback.get(key) or self._fallback.setdefault(key, self._build(arrays, "numpy"))
                loss, kept, grads = built.run(arrays, built.buffers)
        else:
            loss, kept, grads = built.run(arrays, built.buffers)
        if self.keep:
            self._kept = dict(zip(self.keep, kept))
        if built.update is None:
            for tensor, g in zip(self._parameters, grads):
                tensor.grad = g
            if self.optimizer is not None:
                self.optimizer.step()
        return loss

    def value(self, where: tuple[str, int]) -> np.ndarray:
        """A kept node's value in the last step (``where`` from :meth:`Tape.locate`)."""
        return self._kept[where]

    def source(self, *arrays: Any) -> str:
        """The Python source generated for inputs shaped like ``arrays``."""
        return self._built_for(arrays).source

    def backend_for(self, *arrays: Any) -> str:
        """Which back end ("scalar" or "numpy") runs inputs shaped like ``arrays``."""
        return self._built_for(arrays).backend

    def _built_for(self, arrays: tuple[Any, ...]) -> Built:
        arrays = tuple(np.asarray(a, dtype=self.tape.slots[i].dtype) for a, i in zip(arrays, self.tape.input_slots))
        key = tuple(a.shape for a in arrays)
        if key not in self._built:
            self._built[key] = self._build(arrays, self.backend)
        return self._built[key]

    def _build(self, arrays: tuple[np.ndarray, ...], backend: str) -> Built:
        tape = self.tape
        saved_params = [p.grad for p in self._parameters]
        before = list(tape._values), list(tape._saved)
        tape.forward(*arrays)  # the shapes of every value and saved array for these inputs
        values, saved = list(tape._values), list(tape._saved)
        # The compiled step has buffers of its own: the tape need not keep this replay's arrays alive.
        tape._values[:], tape._saved[:] = before
        for p, kept_grad in zip(self._parameters, saved_params):
            p.grad = kept_grad
        if backend != "numpy":
            built = ScalarBuilder(self, values, saved, bounded=backend == "auto").build()
            if built is not None:
                return built
            if backend == "scalar":
                raise ValueError("this step cannot run on the scalar back end (an op without a scalar emitter "
                                 "for its shapes, or a value that is not float64)")
        return build_numpy(self, values, saved)
