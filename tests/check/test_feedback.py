"""The wording of one item's feedback (docs/check.md, "Feedback, by example")."""

from __future__ import annotations

import numpy as np

from gradwork.check.feedback import Facts, digits_for, message
from gradwork.check.report import Finding
from gradwork.numbers.tolerance import Tolerance

TOL = Tolerance.sigfigs(3)


def test_a_wrong_item_states_what_was_written_expected_tolerance_note_rule_and_codes():
    finding = Finding(("log_base_10",), ("your number uses log10 in loss",), ("Logs in losses are natural logs.",))
    text = message(Facts("wrong", 0.2225, np.asarray(0.5130152524), TOL, findings=(finding,),
                         diagnosis=("log_base_10",)))
    assert text == ("you wrote 0.2225, expected 0.5130 (3 s.f.). Your number uses log10 in loss. "
                    "Logs in losses are natural logs. [log_base_10]")


def test_carried_forward_missing_and_correct():
    text = message(Facts("carried_forward", 0.401, np.asarray(0.3775406688), TOL,
                         carried_from=("values.hidden.z",), carried_value=np.asarray(0.4013123399)))
    assert text == "right given your values.hidden.z, which give 0.4013 (the correct value is 0.3775)"
    assert message(Facts("missing", None, np.array([0.2, -0.1981]), TOL)) == "left blank; expected [0.2, -0.1981]"
    assert message(Facts("correct", 1, np.asarray(1.0), TOL, own_rounding=True)) == \
        "correct, given your own earlier (rounded) numbers"


def test_expected_numbers_get_one_figure_more_than_the_tolerance():
    assert digits_for(Tolerance.sigfigs(3)) == 4 and digits_for(Tolerance.sigfigs(5)) == 6
    assert digits_for(Tolerance.relative(1e-3)) == 6
