"""documents/json_text.py writes what ``json.dumps(value, indent=2, ensure_ascii=False)`` writes."""

from __future__ import annotations

import json
from collections import OrderedDict

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gradwork.documents.json_text import dumps_indented

SCALARS = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True, allow_infinity=True) | st.text()
KEYS = st.text() | st.integers() | st.floats(allow_nan=True, allow_infinity=True) | st.booleans() | st.none()
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4) | st.tuples(inner, inner)
                      | st.dictionaries(KEYS, inner, max_size=4), max_leaves=25)


def _standard(value: object) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False)


@settings(max_examples=200, deadline=None)
@given(VALUES)
def test_the_same_text_as_json_dumps(value):
    assert dumps_indented(value) == _standard(value)


def test_the_edges_of_json_dumps():
    for value in ([], {}, [[]], {"a": {}}, "é\u2028\"\\\n\x00", 1e300, -0.0, 10**40, True, None, (1, "x"),
                  OrderedDict([(2, 1), (1.5, [None]), (None, 0), (False, "")]), [float("nan"), float("-inf")]):
        assert dumps_indented(value) == _standard(value)


@pytest.mark.parametrize("value", [{1j: 1}, [object()], {"a": {1, 2}}, b"bytes"])
def test_what_json_cannot_hold_is_the_same_type_error(value):
    with pytest.raises(TypeError) as standard:
        _standard(value)
    with pytest.raises(TypeError) as ours:
        dumps_indented(value)
    assert str(ours.value) == str(standard.value)
