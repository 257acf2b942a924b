"""JSON text indented by two spaces, the bytes of ``json.dumps(data, indent=2, ensure_ascii=False)``, made faster.

With ``indent`` set, the standard library leaves its C encoder and walks the data with Python generators (a
derivation's JSON is thousands of values: about half the time of ``--format json``). :func:`indented_json` writes the
same text with one recursive function that appends to a list, using the same pieces as the standard encoder
(its C string escaper, ``int.__repr__``, ``float.__repr__``, ``NaN``/``Infinity``). Anything that encoder treats
specially — a key that is not a string, a value that is not JSON (it would reach ``default`` and fail), a
reference cycle — is handed to ``json.dumps`` itself, so errors and their messages are the standard ones.
tests/documents/test_json_text.py checks the identity on generated data.
"""

from __future__ import annotations

import json
from json.encoder import encode_basestring  # the escaper json.dumps uses with ensure_ascii=False
from typing import Any

_INF = float("inf")


class _Unusual(Exception):
    """Something the standard encoder handles on a path of its own: it writes the text instead."""


def indented_json(data: Any, *, allow_nan: bool = True) -> str:
    """``json.dumps(data, indent=2, ensure_ascii=False, allow_nan=allow_nan)``, the same text."""
    out: list[str] = []
    try:
        _value(data, out, "\n", allow_nan)
    except (_Unusual, RecursionError):
        return json.dumps(data, indent=2, ensure_ascii=False, allow_nan=allow_nan)
    return "".join(out)


def _float(number: float, allow_nan: bool) -> str:
    if number != number:
        text = "NaN"
    elif number == _INF:
        text = "Infinity"
    elif number == -_INF:
        text = "-Infinity"
    else:
        return float.__repr__(number)
    if not allow_nan:  # json.dumps raises its own ValueError
        raise _Unusual
    return text


def _value(data: Any, out: list[str], newline: str, allow_nan: bool) -> None:
    """``data`` appended to ``out``; ``newline`` is a line break and the indentation of the line ``data`` is on.
    The order of the tests is the standard encoder's (a bool is an int; a subclass of str, int or float is
    written as its base type). A string item is written in the loops themselves (most leaves are strings)."""
    if isinstance(data, str):
        out.append(encode_basestring(data))
    elif data is None:
        out.append("null")
    elif data is True:
        out.append("true")
    elif data is False:
        out.append("false")
    elif isinstance(data, int):
        out.append(int.__repr__(data))
    elif isinstance(data, float):
        out.append(_float(data, allow_nan))
    elif isinstance(data, (list, tuple)):
        if not data:
            out.append("[]")
            return
        inner = newline + "  "
        separator = "," + inner
        out.append("[")
        start = len(out)
        for item in data:
            out.append(separator)
            if type(item) is str:
                out.append(encode_basestring(item))
            else:
                _value(item, out, inner, allow_nan)
        out[start] = inner  # the first item has no comma before it
        out.append(newline + "]")
    elif isinstance(data, dict):
        if not data:
            out.append("{}")
            return
        inner = newline + "  "
        separator = "," + inner
        out.append("{")
        start = len(out)
        for key, item in data.items():
            if not isinstance(key, str):  # json.dumps writes a number, bool or None key as text (or fails)
                raise _Unusual
            out.append(separator)
            out.append(encode_basestring(key) + ": ")
            if type(item) is str:
                out.append(encode_basestring(item))
            else:
                _value(item, out, inner, allow_nan)
        out[start] = inner
        out.append(newline + "}")
    else:
        raise _Unusual
