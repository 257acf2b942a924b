"""documents/json_text.indented_json writes json.dumps(indent=2, ensure_ascii=False)'s text, byte for byte."""

from __future__ import annotations

import enum
import json
import math
import random

import pytest
from hypothesis import given, settings, strategies as st

from gradwork.documents.json_text import indented_json

_SCALARS = st.none() | st.booleans() | st.integers() | st.floats() | st.text()
_DATA = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.lists(inner, max_size=3).map(tuple)
    | st.dictionaries(st.text(max_size=4), inner, max_size=4),
    max_leaves=40)


def _standard(data, allow_nan: bool = True) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False, allow_nan=allow_nan)


@settings(max_examples=30, deadline=None, derandomize=True)
@given(_DATA)
def test_the_same_text_as_json_dumps(data) -> None:
    assert indented_json(data) == _standard(data)


def _drawn(rng: random.Random, depth: int):
    """Nested data as a derivation's JSON has it (dicts of lists of dicts), and odd leaves, quickly drawn."""
    kind = rng.randrange(10 if depth < 5 else 6)
    if kind == 0:
        return rng.choice([None, True, False, 0, -1, 2**70, Level.HIGH])
    if kind == 1:
        return rng.choice([0.0, -0.0, 0.1, 1e-300, 1e300, math.pi, float("nan"), math.inf, -math.inf])
    if kind in (2, 3, 4, 5):
        return "".join(rng.choice("ab \"\\\n\t\x00\x1fé—\u2028\U0001f600") for _ in range(rng.randrange(4)))
    if kind in (6, 7):
        items = [_drawn(rng, depth + 1) for _ in range(rng.randrange(5))]
        return tuple(items) if kind == 7 else items
    return {_drawn_key(rng): _drawn(rng, depth + 1) for _ in range(rng.randrange(6))}


def _drawn_key(rng: random.Random) -> str:
    return rng.choice(["type", "value", "display", "", "é", "a\"b", "rows", "\n"])


def test_the_same_text_on_many_drawn_documents() -> None:
    rng = random.Random(0)
    for _ in range(2000):
        data = _drawn(rng, 0)
        assert indented_json(data) == _standard(data)


class Level(enum.IntEnum):
    HIGH = 3


class Text(str):
    pass


def test_what_the_standard_encoder_treats_specially() -> None:
    import numpy as np

    for data in [[], {}, [[]], {"a": {}}, "é\u2028\"\\\n", [float("nan"), math.inf, -math.inf, -0.0, 1e300],
                 {"k": [True, False, None, 1, 1.5]}, Level.HIGH, [Level.HIGH], Text("x"), {"x": Text("y")},
                 np.float64(0.1), [np.float64(2.5)], ("t", ("u",))]:
        assert indented_json(data) == _standard(data)
    for data in [{1: "a"}, {None: 1, True: 2, 2.5: 3}]:  # keys json.dumps converts to text
        assert indented_json(data) == _standard(data)


def test_errors_are_the_standard_ones() -> None:
    cycle: list = []
    cycle.append(cycle)
    import numpy as np

    for data, allow_nan in [(cycle, True), ({"a": [float("nan")]}, False), ({"a": np.int64(3)}, True),
                            ({(1, 2): 3}, True), ({"s": {1, 2}}, True)]:
        with pytest.raises(Exception) as ours:
            indented_json(data, allow_nan=allow_nan)
        with pytest.raises(Exception) as theirs:
            _standard(data, allow_nan)
        assert (type(ours.value), str(ours.value)) == (type(theirs.value), str(theirs.value))
