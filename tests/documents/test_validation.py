import pytest
from pydantic import BaseModel, ConfigDict, Field

from gradwork.documents.errors import ProblemError
from gradwork.documents.sources import parse
from gradwork.documents.validation import dotted, existing, fields_at, validate_model


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Inner(_Strict):
    units: int = Field(gt=0)
    rate: float = Field(default=0.5, ge=0, lt=1)


class Outer(_Strict):
    name: str = "x"
    flag: bool = False
    inner: Inner | None = None
    items: list[Inner] = Field(default_factory=list)
    free: dict[str, int] = Field(default_factory=dict)


def _error(text: str) -> str:
    with pytest.raises(ProblemError) as caught:
        validate_model(parse(text, "yaml", "c.yaml"), Outer, what="the config")
    return str(caught.value)


def test_errors_point_at_the_value_and_say_what_was_expected():
    assert _error("items:\n  - {units: 0}\n") == "c.yaml:2:13: items[0].units is 0, too small (expected more than 0)"
    assert _error("inner: {units: 2, rate: 1.5}\n") == \
        "c.yaml:1:25: inner.rate is 1.5, too large (expected less than 1)"
    assert _error("flag: maybe\n") == "c.yaml:1:7: flag must be true or false, not 'maybe' (expected true or false)"
    assert _error("inner: {}\n").startswith("c.yaml:1:8: missing key 'units' in inner")


def test_an_unknown_key_is_pointed_at_with_the_keys_of_its_own_mapping():
    assert _error("items:\n  - {units: 1, rat: 0.1}\n") == \
        "c.yaml:2:16: unknown key 'rat', did you mean 'rate'? (expected one of: units, rate)"
    assert _error("nmae: y\n").startswith("c.yaml:1:1: unknown key 'nmae', did you mean 'name'?")


def test_the_first_error_in_the_file_wins_and_a_missing_key_comes_last():
    message = _error("inner: {}\nitems:\n  - {units: -1}\n")
    assert message.startswith("c.yaml:3:13: items[0].units is -1")


def test_helpers():
    data = {"layers": [{"activation": "relu"}]}
    assert existing(data, ("layers", 0, "function-after[check()]", "activation")) == ("layers", 0, "activation")
    assert existing(data, ("layers", 3)) == ("layers",)
    assert dotted(("layers", 0, "activation")) == "layers[0].activation" and dotted((), "the config") == "the config"
    assert fields_at(Outer, ("items", 0)) == ["units", "rate"] and fields_at(Outer, ("inner",)) == ["units", "rate"]
    assert fields_at(Outer, ("free",)) == [] and fields_at(Outer, ()) == list(Outer.model_fields)
