"""The spec dataclasses (no pydantic) against schema.py's pydantic models: same keys, same defaults, same result."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from pydantic_core import PydanticUndefined

from gradwork.problem import load, solve
from gradwork.problem import schema, spec
from gradwork.documents.sources import read

EXAMPLES = sorted(p for p in (Path(__file__).resolve().parents[2] / "examples").iterdir()
                  if p.suffix in (".yaml", ".json", ".toml") and not p.name.startswith("train_"))

PAIRS = [(schema.NetworkModel, spec.NetworkSpec), (schema.GraphModel, spec.GraphSpec),
         (schema.LayerModel, spec.LayerSpec), (schema.OptimizerModel, spec.OptimizerSpec),
         (schema.MarkingModel, spec.MarkingSpec)]


@pytest.mark.parametrize(("model", "plain"), PAIRS, ids=[p[1].__name__ for p in PAIRS])
def test_the_dataclasses_have_the_models_keys_and_defaults(model, plain):
    fields = {f.name: f for f in dataclasses.fields(plain)}
    assert list(fields) == list(model.model_fields)
    for name, info in model.model_fields.items():
        if info.default is PydanticUndefined and info.default_factory is None:
            continue  # required in a file; the dataclass's None is never used for validated data
        default = info.default_factory() if info.default_factory is not None else info.default
        field = fields[name]
        mine = field.default_factory() if field.default_factory is not dataclasses.MISSING else field.default
        assert mine == default, name


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_validated_and_trusted_data_give_the_same_spec_and_solution(path):
    document = read(path)
    validated = schema.validate(document)
    assert spec.spec_from_data(document.data) == validated
    assert isinstance(validated, (spec.NetworkSpec, spec.GraphSpec))
    checked, full = load(read(path), checked=True), load(read(path))
    assert checked.spec == full.spec
    a, b = solve(checked), solve(full)
    assert a.loss_value == b.loss_value and str(a.gradients) == str(b.gradients)


def test_numbers_written_as_titles_and_names_are_text_either_way():
    text = "title: 7.2\ngraph: {L: a * b}\ninputs: {a: 1, b: 2}\nnames: {a: 5}\nask: [loss]\n"
    assert schema.validate(read(text)) == spec.spec_from_data(read(text).data)
    assert spec.spec_from_data(read(text).data).title == "7.2"


def test_checked_still_refuses_what_is_checked_after_the_schema():
    from gradwork.problem import ProblemError

    with pytest.raises(ProblemError, match="unknown activation|activation"):
        load(read("input: [1]\nlayers:\n  - weights: [[1]]\n    activation: nope\n"), checked=True)
