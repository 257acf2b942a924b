"""A teacher's marks for ten students of one exercise, against gradwork's (issue #24).

The exercise: a 3-2-1 network, tanh then sigmoid, squared error, column
convention, one SGD step, 11 asked items worth 13 points (each update 2). The
students' answers are computed here by hand with NumPy, each with one mistake a
student makes, and written to 4 significant figures as students write them
(two of them differently, said where). The teacher's marks are what a teacher
gives when a mistake is charged once, at the first item it makes wrong, and
everything that follows from it is credited.

Before issue #24 (gradwork at bb5ab06), the same answers were marked:

| student          | before | teacher | after |
|------------------|--------|---------|-------|
| all correct      | 13     | 13      | 13    |
| sigma_for_tanh   | 12, no diagnosis | 11, named | 12 activation_derivative |
| tanh_for_sigma   | 12, no diagnosis | 12, named | 12 activation_derivative |
| dropped_two      | 12, message of 1/2 (t - y)^2 | 11 | 12 factor_half, message of (t - p)^2 |
| transposed_V     | 10, charged twice | 11 | 12 transposed |
| update_sign      | 9, charged twice | 10 | 11 update_sign |
| rounded_2sf      | 2, rounding on 7 items | 11 | 12 rounding |
| full_precision   | 6, rounding + updated_weights_in_backward | 12 | 12 |
| misread_input    | 13 (farmed: the input is not an item) | 12 | 12 misread_data |
| log10 (BCE twin) | 11, the gradients "wrong" with no code | 12, named | 12 log_base_10 |
"""

from __future__ import annotations

import numpy as np
import pytest
import yaml

from gradwork.check import Checker, check_class, parse_answers
from gradwork.problem import load, solve

PROBLEM = """\
title: Exercise 3 - a 3-2-1 network, tanh then sigmoid, squared error
convention: column
input: [0.4, 1.0, -0.7]
target: 1
layers:
  - name: hidden
    weights: [[0.2, -0.4, 0.1], [0.5, 0.3, -0.2]]
    bias: [0.1, -0.1]
    activation: tanh
  - name: output
    weights: [0.6, -0.3]
    bias: 0.2
    activation: sigmoid
loss: LOSS
optimizer: {name: sgd, lr: 0.5}
names: {input: x, hidden.W: V, hidden.b: b, hidden.z: u, hidden.a: h, output.W: W, output.b: c, output.z: q,
        output.a: p, target: t, loss: E}
ask: [values.hidden.z, values.hidden.a, values.output.a, loss, gradients.output.a, gradients.output.z,
      gradients.output.W, gradients.hidden.z, gradients.hidden.W, updated.output.W, updated.hidden.W]
marking:
  points: {updated.output.W: 2, updated.hidden.W: 2}
"""

X, T = np.array([0.4, 1.0, -0.7]), 1.0
V0, B0 = np.array([[0.2, -0.4, 0.1], [0.5, 0.3, -0.2]]), np.array([0.1, -0.1])
W0, C0, ETA = np.array([0.6, -0.3]), 0.2, 0.5


def figures(value, n):
    """To n significant figures, as a student writes them."""
    f = lambda z: float(f"{z:.{n}g}")  # noqa: E731
    array = np.asarray(value, dtype=float)
    return np.vectorize(f)(array).tolist() if array.ndim else f(float(array))


def student(x=X, c=C0, tanh_rule="1 - h^2", sigmoid_rule="p(1 - p)", two=2.0, step=-1.0, loss="mse",
            log10=False, carry=None, write=4, transposed=False):
    """One student's answers; ``carry``: the figures each number is rounded to before it is used again."""
    kept = (lambda v: np.asarray(figures(v, carry))) if carry else (lambda v: np.asarray(v, dtype=float))
    u = kept(V0 @ x + B0)
    h = kept(np.tanh(u))
    q = kept(W0 @ h + c)
    p = kept(1 / (1 + np.exp(-q)))
    if loss == "mse":
        e, dp = (T - p) ** 2, -two * (T - p)
    else:
        ln = np.log(10) if log10 else 1.0
        e = -(T * np.log(p) + (1 - T) * np.log(1 - p)) / ln
        dp = -(T / p - (1 - T) / (1 - p)) / ln
    e, dp = kept(e), kept(dp)
    dq = kept(dp * (p * (1 - p) if sigmoid_rule == "p(1 - p)" else 1 - p ** 2))
    dw = kept(dq * h)
    du = kept(dq * W0 * (1 - h ** 2 if tanh_rule == "1 - h^2" else h * (1 - h)))
    dv = kept(np.outer(du, x))
    w1, v1 = kept(W0 + step * ETA * dw), kept(V0 + step * ETA * dv)
    w = lambda v: figures(v, write)  # noqa: E731
    return {"values": {"hidden.z": w(u), "hidden.a": w(h), "output.a": w(p)}, "loss": w(e),
            "gradients": {"output.a": w(dp), "output.z": w(dq), "output.W": w(dw), "hidden.z": w(du),
                          "hidden.W": w(dv.T if transposed else dv)},
            "updated": {"output.W": w(w1), "hidden.W": w(v1.T if transposed else v1)}}


def misread_input():
    answers = student(x=np.array([0.4, 1.0, 0.7]))  # -0.7 copied as 0.7, and written down as such
    answers["values"] = {"input": [0.4, 1.0, 0.7], **answers["values"]}
    return answers


# (student, answers, the teacher's points of 13, the diagnosis gradwork must name)
TABLE = [
    ("all_correct", lambda: student(), 13, ()),
    ("sigma_for_tanh", lambda: student(tanh_rule="h(1 - h)"), 11, ("activation_derivative",)),
    ("tanh_for_sigma", lambda: student(sigmoid_rule="1 - p^2"), 12, ("activation_derivative",)),
    ("dropped_two", lambda: student(two=1.0), 11, ("factor_half",)),
    ("transposed_V", lambda: student(transposed=True), 11, ("transposed",)),
    ("update_sign", lambda: student(step=+1.0), 10, ("update_sign",)),
    ("rounded_2sf", lambda: student(carry=2, write=2), 11, ("rounding",)),
    # c misread as 0.21 (not written down), carried at full precision, every answer written to 3 figures
    ("full_precision", lambda: student(c=0.21, write=3), 12, ()),
    ("misread_input", misread_input, 12, ("misread_data",)),
]


@pytest.fixture(scope="module")
def solutions(tmp_path_factory):
    folder = tmp_path_factory.mktemp("exercise")
    out = {}
    for loss in ("mse", "bce"):
        path = folder / f"ex321_{loss}.yaml"
        path.write_text(PROBLEM.replace("LOSS", loss))
        out[loss] = solve(load(path))
    return out


@pytest.fixture(scope="module")
def book(solutions):
    answers = []
    for name, make, _, _ in TABLE:
        data = yaml.safe_load(yaml.safe_dump(make()))
        answers.append(parse_answers(data, f"{name}.yaml"))
    return check_class(solutions["mse"], answers)


@pytest.mark.parametrize(("name", "teacher", "codes"), [(n, t, c) for n, _, t, c in TABLE], ids=[n for n, *_ in TABLE])
def test_gradwork_gives_the_teachers_marks(book, name, teacher, codes):
    report = book.reports[name]
    assert report.max_points == 13
    assert abs(report.points - teacher) <= 1, [(i.key, i.status, i.diagnosis) for i in report.items]
    assert report.diagnoses == codes, [(i.key, i.status, i.diagnosis, i.message) for i in report.items]
    wrong = [item for item in report.items if item.status == "wrong"]
    assert len(wrong) == (1 if codes or name == "full_precision" else 0)  # charged once


def test_log10_through_the_gradients_is_named_and_charged_once(solutions):
    # The same network with cross-entropy: the student uses log10 in the loss and in its derivative.
    report = Checker(solutions["bce"]).check(parse_answers(student(loss="bce", log10=True)))
    assert report.points == 12 and report.diagnoses == ("log_base_10",)
    assert report.item("loss").status == "wrong"
    assert report.item("gradients.output.a").status == "carried_forward"
    assert "log_base_10" in report.item("gradients.output.a").message
    later = [item for item in report.items if item.key.startswith(("gradients", "updated"))]
    assert all(item.status == "carried_forward" for item in later)


def test_each_mistake_is_named_with_what_the_student_did(book):
    sigma = book.reports["sigma_for_tanh"].item("gradients.hidden.z")
    assert "σ's derivative, h (1 - h), in place of tanh's" in sigma.message
    assert "The derivative of tanh here is 1 - h^2" in sigma.message
    assert "tanh's derivative, 1 - p^2, in place of σ's" in book.reports["tanh_for_sigma"].item(
        "gradients.output.z").message
    # The squared error as written has no 1/2: the message says so (not "the 1/2 in 1/2 (t - y)^2").
    two = book.reports["dropped_two"].item("gradients.output.a")
    assert "E = (t - p)^2 has no 1/2 in front" in two.message and "∂E/∂p = -2/n (t - p)" in two.message
    assert "1/2 (t - y)^2" not in two.message
    misread = book.reports["misread_input"].item("values.hidden.z")
    assert misread.status == "wrong" and "You copied x as [0.4, 1, 0.7]" in misread.message


def test_repeats_of_a_charged_mistake_are_credited(book):
    sign = book.reports["update_sign"]
    assert [sign.item(k).status for k in ("updated.output.W", "updated.hidden.W")] == ["wrong", "carried_forward"]
    assert "the same mistake again (update_sign)" in sign.item("updated.hidden.W").message
    layout = book.reports["transposed_V"]
    assert [layout.item(k).status for k in ("gradients.hidden.W", "updated.hidden.W")] == ["wrong", "carried_forward"]


def test_rounding_is_followed_through_the_students_own_rounded_numbers(book):
    report = book.reports["rounded_2sf"]
    assert report.item("values.hidden.a").diagnosis == ("rounding",)
    assert all(item.status in ("correct", "carried_forward") for item in report.items
               if item.key != "values.hidden.a")
    # full precision carried: 0.473 is their p rounded, their E = 0.277 comes from the unrounded 0.47324
    full = book.reports["full_precision"]
    assert full.item("values.output.a").status == "wrong"
    assert full.item("loss").status == "carried_forward"
    assert full.item("gradients.hidden.z").status == "carried_forward"  # not updated_weights_in_backward


def test_charging_every_item_is_the_teachers_option(solutions):
    from dataclasses import replace

    every = replace(solutions["mse"], marking=replace(solutions["mse"].marking, charge="every_item"))
    report = Checker(every).check(parse_answers(student(step=+1.0)))
    assert [report.item(k).diagnosis for k in ("updated.output.W", "updated.hidden.W")] == [("update_sign",)] * 2
    assert report.points == 9
    report = Checker(every).check(parse_answers(student(two=1.0)))
    charged = [item.key for item in report.items if item.status == "wrong"]
    assert charged[0] == "gradients.output.a" and len(charged) == 7  # dE/dp and the six items after it
    assert all(item.diagnosis == ("factor_half",) for item in report.items if item.status == "wrong")
    assert "charges a mistake on every item" in report.item("updated.hidden.W").message
    assert "charged on every item" in report.policy_text()
