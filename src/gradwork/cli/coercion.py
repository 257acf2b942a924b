"""Plain coercion for the commands' ``str`` and ``Path`` parameters, without Pydantic (start-up).

Typer (0.2x) coerces every parameter through a Pydantic ``TypeAdapter``: importing Pydantic and building the
adapters costs about a tenth of a second at each run, most of ``gradwork mark``'s start-up after NumPy. A ``str``
or ``bool`` argument needs none of it (Typer's own rules: bytes decoded, anything else ``str()``; the words
Pydantic reads as booleans), nor does a ``Path`` one (made a ``Path``, then Typer's own checks: exists, file or
directory, readable). Every other parameter (numbers with their ranges, choices, lists, files) keeps Typer's
coercion. Where Typer's internals differ (another version), nothing is changed.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

try:  # Typer's runtime coercion (0.2x); elsewhere there is nothing to replace
    from typer._coercion import RuntimeParam
    from typer._param_types import coerce_cli_path, lenient_issubclass, routes_to_path
    from typer import BadParameter
except ImportError:  # pragma: no cover (another Typer)
    RuntimeParam = None  # type: ignore[assignment,misc]

_TRUE = ("1", "on", "t", "true", "y", "yes")  # what Pydantic reads as a boolean, as Typer would
_FALSE = ("", "0", "off", "f", "false", "n", "no")


def lighten(params: list[Any]) -> None:
    """Give each plain ``str``, ``bool`` or ``Path`` parameter of a command the plain coercion (once)."""
    if RuntimeParam is None:
        return  # pragma: no cover
    for param in params:
        if getattr(param, "_runtime_param", False) is not None or not hasattr(param, "type_descriptor"):
            continue
        light = _plain(param.type_descriptor)
        if light is not None:
            param._runtime_param = light


def _plain(descriptor: Any) -> Any:
    info, annotation = descriptor.parameter_info, descriptor.annotation
    if descriptor.file_annotation is not None or getattr(info, "parser", None) is not None \
            or getattr(info, "click_type", None) is not None:
        return None
    if annotation is str:
        return _Str(info, annotation)
    if annotation is bool:
        return _Bool(info, annotation)
    if routes_to_path(annotation, info):
        path_type = info.path_type
        if path_type is None and lenient_issubclass(annotation, Path):
            path_type = annotation
        if path_type is not None and not lenient_issubclass(path_type, Path):
            return None  # str or bytes paths: Typer's way
        return _Path(info, annotation)
    return None


if RuntimeParam is not None:
    @dataclass(frozen=True)
    class _Str(RuntimeParam):
        def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
            if isinstance(value, bytes):
                try:
                    return value.decode(sys.getfilesystemencoding())
                except UnicodeError:
                    return value.decode("utf-8", "replace")
            return str(value)

    @dataclass(frozen=True)
    class _Bool(RuntimeParam):
        def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
            if isinstance(value, bool):
                return value
            word = str(value).strip().lower()
            if word in _TRUE or word in _FALSE:
                return word in _TRUE
            raise BadParameter(f"{value!r} is not a valid boolean", ctx=ctx, param=param)

    @dataclass(frozen=True)
    class _Path(RuntimeParam):
        def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
            path_type: Any = self.parameter_info.path_type
            if path_type is None and lenient_issubclass(self.annotation, Path):
                path_type = self.annotation
            path_type = path_type or Path
            if isinstance(value, (str, Path)) and not isinstance(value, path_type):
                value = path_type(value)
            return coerce_cli_path(value, self.parameter_info, path_type=path_type, param=param, ctx=ctx)
