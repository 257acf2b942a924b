"""JSON text indented by two spaces, as ``json.dumps(value, indent=2, ensure_ascii=False)`` writes it, faster.

The standard library encodes in C only without ``indent``; with it, every value passes through nested Python
generators (most of the time ``gradwork solve --format json`` spends after the derivation). This writer walks the
value once into a list of strings, with the same C routines for strings and the same rules for everything else:
the same text for the same value, the same ``TypeError`` for a value JSON cannot hold (a circular value is a
``RecursionError`` here, ``ValueError`` there: gradwork builds none).
"""

from __future__ import annotations

from json.encoder import encode_basestring  # the C routine where there is one, as json.dumps(ensure_ascii=False)
from typing import Any

__all__ = ["dumps_indented"]

_INFINITY = float("inf")


def dumps_indented(value: Any) -> str:
    """``json.dumps(value, indent=2, ensure_ascii=False)``."""
    out: list[str] = []
    _value(value, out, "\n")
    return "".join(out)


def _float(number: float) -> str:
    if number != number:
        return "NaN"
    if number == _INFINITY:
        return "Infinity"
    if number == -_INFINITY:
        return "-Infinity"
    return float.__repr__(number)


def _scalar(value: Any) -> str | None:
    """The text of a value that is not a container (json's order of tests), or None."""
    if isinstance(value, str):
        return encode_basestring(value)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return int.__repr__(value)
    if isinstance(value, float):
        return _float(value)
    return None


def _value(value: Any, out: list[str], newline: str) -> None:
    text = _scalar(value)
    if text is not None:
        out.append(text)
    elif isinstance(value, (list, tuple)):
        if not value:
            out.append("[]")
            return
        inner = newline + "  "
        separator = "[" + inner
        for item in value:
            out.append(separator)
            _value(item, out, inner)
            separator = "," + inner
        out.append(newline + "]")
    elif isinstance(value, dict):
        if not value:
            out.append("{}")
            return
        inner = newline + "  "
        separator = "{" + inner
        for key, item in value.items():
            out.append(separator)
            out.append(_key(key))
            out.append(": ")
            _value(item, out, inner)
            separator = "," + inner
        out.append(newline + "}")
    else:
        raise TypeError(f"Object of type {value.__class__.__name__} is not JSON serializable")


def _key(key: Any) -> str:
    """A dict key as json writes it: strings as strings, numbers, booleans and None as their JSON text quoted."""
    if isinstance(key, str):
        return encode_basestring(key)
    if isinstance(key, float):
        return encode_basestring(_float(key))
    if key is True:
        return '"true"'
    if key is False:
        return '"false"'
    if key is None:
        return '"null"'
    if isinstance(key, int):
        return encode_basestring(int.__repr__(key))
    raise TypeError(f"keys must be str, int, float, bool or None, not {key.__class__.__name__}")
