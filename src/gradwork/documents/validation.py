"""A pydantic model checked against a located document, its errors as ``FILE:LINE:COL`` lines.

Problem files (``schema.py``), answers and training configs (``gradwork.train``)
are read by :mod:`gradwork.documents.sources` into a :class:`Document` that knows
where every value sits; :func:`validate_model` validates such a document's data
and turns pydantic's first error (in file order) into one
:class:`~gradwork.documents.errors.ProblemError` pointing at the offending value,
or at the key itself for an unknown key (with "did you mean").
"""

from __future__ import annotations

import difflib
import typing
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from gradwork.numbers.display import number_text
from gradwork.documents.errors import ProblemError
from gradwork.numbers.written import is_number, shown
from gradwork.documents.sources import DataPath, Document

M = TypeVar("M", bound=BaseModel)


def validate_model(document: Document, model: type[M], data: Any = None, *, what: str = "the problem") -> M:
    """``model`` validated from the document (or from ``data``, the document's data prepared for it).

    ``what`` names the whole document in messages about its root ("the problem",
    "the config"). Raises :class:`ProblemError` at the first error in the file.
    """
    try:
        return model.model_validate(document.data if data is None else data)
    except ValidationError as error:
        raise first_error(document, error, model, what) from None


def first_error(document: Document, error: ValidationError, model: type[BaseModel],
                what: str = "the problem") -> ProblemError:
    """The first of pydantic's errors in the file, as a located :class:`ProblemError`."""
    # A missing key points at its whole mapping, so a wrong value written inside that
    # mapping is the more precise message and goes first.
    problems = [(item["type"] == "missing", _to_problem_error(document, dict(item), model, what))
                for item in error.errors()]
    return min(problems, key=lambda p: (p[0], p[1].line, p[1].column))[1]


def kind_of(value: Any) -> str:
    """What a value is, in words: a list, text, null, a number, or its type."""
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "text"
    if value is None:
        return "null"
    return "a number" if is_number(value) else type(value).__name__


def existing(data: Any, loc: tuple[Any, ...]) -> DataPath:
    """The deepest real path in ``data`` along pydantic's ``loc``.

    Parts that are not in the data (the branch names pydantic puts into locations,
    such as ``str`` or ``function-after[...]``, or a missing key) are skipped.
    """
    path: list[str | int] = []
    for part in loc:
        if isinstance(data, dict) and isinstance(part, str) and part in data:
            data = data[part]
        elif isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data):
            data = data[part]
        else:
            continue
        path.append(part)
    return tuple(path)


def dotted(path: DataPath, what: str = "the problem") -> str:
    """A key path as users write it: layers[0].activation."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or what


def fields_at(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """The keys allowed in the mapping at ``loc`` (for "did you mean"); empty when it is no model."""
    current: type[BaseModel] | None = model
    for part in loc:
        if current is None:
            return []
        field = current.model_fields.get(part) if isinstance(part, str) else None
        if field is not None:  # list indices and pydantic's branch names do not change the model
            current = _model_in(field.annotation)
    return list(current.model_fields) if current is not None else []


def _model_in(annotation: Any) -> type[BaseModel] | None:
    """The pydantic model inside an annotation such as ``list[LayerSpec]`` or ``OptimizerSpec | None``."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if typing.get_origin(annotation) in (dict,):
        return None  # a mapping of free keys
    for argument in typing.get_args(annotation):
        found = _model_in(argument)
        if found is not None:
            return found
    return None


def _to_problem_error(document: Document, item: dict[str, Any], model: type[BaseModel], what: str) -> ProblemError:
    loc = tuple(item["loc"])
    kind = item["type"]
    path = existing(document.data, loc)
    where = dotted(path, what)
    given = item.get("input")
    context = item.get("ctx", {})
    if kind == "extra_forbidden":
        key = str(loc[-1])
        allowed = fields_at(model, loc[:-1])
        expected = "one of: " + ", ".join(allowed) if allowed else "a known key"
        close = difflib.get_close_matches(key, allowed, n=1)
        hint = f", did you mean {close[0]!r}?" if close else ""
        return document.error(path, f"unknown key {key!r}{hint}", expected, at="key")
    if kind == "missing":
        key = str(loc[-1])
        place = "" if not path else f" in {dotted(path, what)}"
        return document.error(path, f"missing key {key!r}{place}", f"`{key}:` to be given", at="value")
    if kind == "literal_error":
        name = str(path[-2] if len(path) > 1 and path[-1] == "name" else path[-1]) if path else "value"
        return document.error(path, f"unknown {name} {shown(given)}", context.get("expected", ""))
    if kind in ("string_type",):
        return document.error(path, f"{where} must be text, not {kind_of(given)}", "text")
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return document.error(path, f"{where} must be a mapping, not {kind_of(given)}", "key: value pairs")
    if kind == "list_type":
        return document.error(path, f"{where} must be a list, not {kind_of(given)}", "a list")
    if kind.startswith("int_"):
        return document.error(path, f"{where} must be a whole number, not {shown(given)}", "a whole number")
    if kind.startswith("bool_"):
        return document.error(path, f"{where} must be true or false, not {shown(given)}", "true or false")
    if kind == "finite_number":
        return document.error(path, f"{where} must be a finite number, not {shown(given)}", "a finite number")
    if kind.startswith("float_"):
        return document.error(path, f"{where} must be a number, not {shown(given)}", "a number")
    if kind in ("too_short",):
        return document.error(path, f"{where} must not be empty", "at least one entry")
    if kind in ("greater_than_equal", "greater_than"):
        bound = f"at least {_bound(context['ge'])}" if "ge" in context else f"more than {_bound(context.get('gt'))}"
        return document.error(path, f"{where} is {shown(given)}, too small", bound)
    if kind in ("less_than_equal", "less_than"):
        bound = f"at most {_bound(context['le'])}" if "le" in context else f"less than {_bound(context.get('lt'))}"
        return document.error(path, f"{where} is {shown(given)}, too large", bound)
    if kind == "value_error":
        message = str(context.get("error", item["msg"]))
        if message == "expected a number":
            return document.error(path, f"{where} must be a number, not {shown(given)}", "a number")
        return document.error(path, f"{where}: {message}")
    return document.error(path, f"{where}: {item['msg']}")


def _bound(value: Any) -> str:
    return number_text(value, exact=True) if is_number(value) else str(value)
