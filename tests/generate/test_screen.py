"""The draw's first look at a candidate (generate/screen.py): it only rejects what the full checks reject.

Every test compares with the draw that checks every candidate in full (``SCREENED = 0``):
the same variants, the same number of tries, the same "constraints not met" messages.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from gradwork.generate import ConstraintsNotMet, constraints as rules, draw, read_template, screen
from gradwork.generate.build import Candidate, _first_failure
from gradwork.generate.sample import candidates, rng_for

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = sorted((ROOT / "examples" / "templates").glob("*.yaml"))


def _drawn(template, seed, keys):
    out = []
    for k in keys:
        variant = draw(template, seed, k)
        out.append((variant.problem_text, variant.tries, variant.answers))
    return out


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.stem)
def test_screened_draws_are_the_full_checks_draws(path, monkeypatch):
    screened = read_template(path)
    first = _drawn(screened, 3, range(12))
    monkeypatch.setattr(screen, "SCREENED", 0)
    full = read_template(path)
    assert _drawn(full, 3, range(12)) == first
    assert not full.screens  # SCREENED = 0 looks at no candidate, so it builds nothing either


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.stem)
def test_a_screen_rejects_only_candidates_that_fail_a_constraint(path):
    template = read_template(path)
    wanted = rules.ordered(template.constraints)
    for k in range(8):
        draw(template, 0, k)
    looked = rejected = 0
    for k in range(12):
        for drawn in candidates(template, rng_for(11, k), 6):
            found = screen.screen_for(template, drawn)
            if found is None:
                continue
            looked += 1
            if found.rejects(drawn):
                rejected += 1
                assert _first_failure(Candidate(template, template.fill(drawn)), wanted) is not None
    if path.stem in ("seed002_exam4a", "seed004_hw1", "seed003_7_2_graph"):
        # Templates most of whose candidates fail a float or exact constraint: the screen is built and used.
        assert looked and rejected > looked / 4


def _with_tries(path, tries):
    return re.sub(r"^tries:.*\n", "", path.read_text(), flags=re.M) + f"tries: {tries}\n"


def _outcomes(text, keys):
    template = read_template(text)
    out = []
    for k in keys:
        try:
            variant = draw(template, 0, k)
            out.append((variant.problem_text, variant.tries))
        except ConstraintsNotMet as error:
            out.append(str(error))
    return out, template


@pytest.mark.parametrize("stem", ["seed002_exam4a", "seed004_hw1", "seed003_7_2_graph"])
def test_failing_draws_count_every_constraint_as_the_full_checks_do(stem, monkeypatch):
    text = _with_tries(ROOT / "examples" / "templates" / f"{stem}.yaml", 3)
    screened, template = _outcomes(text, range(30))
    assert any(s is not None for s in template.screens.values())
    assert any(isinstance(o, str) for o in screened)  # some draws fail with 3 tries
    monkeypatch.setattr(screen, "SCREENED", 0)
    assert _outcomes(text, range(30))[0] == screened


def test_a_candidate_the_screen_rejected_wrongly_is_still_the_variant(monkeypatch):
    """Should a screen reject a candidate that meets every constraint, a draw that runs out of tries finds it."""
    text = _with_tries(ROOT / "examples" / "templates" / "seed002_exam4a.yaml", 8)
    monkeypatch.setattr(screen, "SCREENED", 0)
    full, _ = _outcomes(text, range(10))
    monkeypatch.setattr(screen, "SCREENED", 64)
    monkeypatch.setattr(screen.Screen, "rejects", lambda self, drawn: True)
    assert _outcomes(text, range(10))[0] == full


NETWORK = """\
title: t
convention: row
input: [2]
target: 1
layers:
  - weights: {random: {shape: [1], low: 1.9, high: 2.1, step: 0.1}}
    bias: 0
    activation: sigmoid
loss: bce
constraints: [no_saturation]
tries: 50
"""


def test_a_number_on_the_bound_is_left_to_the_full_check():
    # 2 * 2.0 = 4.0 lies on no_saturation's bound (allowed); 2 * 2.1 = 4.2 lies beyond it.
    template = read_template(NETWORK)
    for k in range(10):
        draw(template, 0, k)
    seen = {}
    for drawn in candidates(template, rng_for(0, 0), 30):
        weight = drawn[("layers", 0, "weights")][0]
        seen[str(weight)] = template.screens[()].rejects(drawn)
    assert seen == {"1.9": False, "2": False, "2.1": True}


@pytest.mark.parametrize("change", [
    ("optimizer: {name: sgd, lr: 0.1}", "optimizer: {name: sgd, lr: {random: {low: 0.1, high: 0.5, step: 0.1}}}"),
    ("activation: relu", "activation: {name: leaky_relu, alpha: {random: {low: 0.1, high: 0.3, step: 0.1}}}"),
])
def test_a_random_number_that_is_not_a_leaf_leaves_the_template_unscreened(change):
    text = (ROOT / "examples" / "templates" / "seed002_exam4a.yaml").read_text().replace(*change)
    assert text != (ROOT / "examples" / "templates" / "seed002_exam4a.yaml").read_text()
    assert _built(text) == [None, None]


def _built(text):
    """The screen built from the first candidate with each choice of options, in key order."""
    template = read_template(text)
    wanted = rules.ordered(template.constraints)
    for drawn in candidates(template, rng_for(0, 0), 40):
        candidate = Candidate(template, template.fill(drawn))
        _ = candidate.float
        screen.build(template, drawn, candidate, wanted)
    return [template.screens[key] for key in sorted(template.screens)]


def test_the_bundled_template_is_screened():
    assert all(found is not None for found in _built((ROOT / "examples" / "templates" / "seed002_exam4a.yaml")
                                                      .read_text()))


def test_a_class_index_target_leaves_the_template_unscreened():
    text = """\
title: t
input: {random: {shape: [2], low: -1, high: 1, step: 0.1}}
target: {random: {low: 0, high: 1, step: 1}}
layers:
  - weights: {random: {shape: [2, 2], low: -1, high: 1, step: 0.1}}
    activation: relu
  - weights: {random: {shape: [2, 2], low: -1, high: 1, step: 0.1}}
    activation: identity
loss: cross_entropy
constraints: [no_relu_at_zero, no_dead_relu]
"""
    assert _built(text) == [None]
    assert _built(text.replace("target: {random: {low: 0, high: 1, step: 1}}", "target: 1"))[0] is not None


def test_each_choice_of_options_has_its_own_screen():
    text = (ROOT / "examples" / "templates" / "seed002_exam4a.yaml").read_text().replace(
        "activation: relu", "activation: {choice: [relu, leaky_relu]}")
    template = read_template(text)
    for k in range(30):
        draw(template, 0, k)
    keys = {key[0] for key, found in template.screens.items() if found is not None}
    assert keys == {0, 1}  # (the activation is the first choice; the target the second)
