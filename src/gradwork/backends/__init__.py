"""Number backends: the same op definitions run on floats, exact fractions or SymPy.

An op's forward and vector-Jacobian product are written once against the small
namespace a :class:`Backend` supplies (``exp``, ``log``, ``where`` ...). NumPy's
own operators (``+ - * / @``, ``sum``) already work on float arrays and on
object arrays of ``Fraction`` or SymPy expressions, so a backend only has to
provide what NumPy cannot do on object arrays.
"""

from __future__ import annotations

from gradwork.backends.base import Backend, BackendError
from gradwork.backends.exact import ExactBackend
from gradwork.backends.float_ import FloatBackend

__all__ = ["Backend", "BackendError", "FloatBackend", "ExactBackend", "get_backend", "combine"]

_RANK = {"float": 0, "exact": 1, "symbolic": 2}


_SHARED: dict[tuple[str, str | None], Backend] = {}


def get_backend(name: str, dtype: str | None = None) -> Backend:
    """Return the backend called ``name`` ("float", "exact" or "symbolic").

    Backends hold no state, so one instance per kind is shared: tensors of the
    same backend then have the identical object, which ``apply`` checks first.
    """
    key = (name, dtype or "float64") if name == "float" else (name, None)
    backend = _SHARED.get(key)
    if backend is not None:
        return backend
    if name == "float":
        backend = FloatBackend(dtype or "float64")
    elif name == "exact":
        backend = ExactBackend()
    elif name == "symbolic":
        # Imported here so that float mode never pays for importing SymPy.
        from gradwork.backends.symbolic import SymbolicBackend

        backend = SymbolicBackend()
    else:
        raise ValueError(f"unknown backend {name!r} (expected float, exact or symbolic)")
    _SHARED[key] = backend
    return backend


def combine(backends: list[Backend]) -> Backend:
    """The backend an op runs in when its inputs come from several: the most general one wins."""
    best = backends[0]
    for backend in backends[1:]:
        if _RANK[backend.name] > _RANK[best.name]:
            best = backend
        elif backend.name == "float" == best.name and backend.dtype == "float64":
            best = backend  # mixing float32 with float64 promotes, as NumPy does
    return best
