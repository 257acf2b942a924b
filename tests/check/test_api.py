"""check and mark from Python as the README shows them: a solved problem in, reports that show themselves."""

from __future__ import annotations

from pathlib import Path

import pytest

import gradwork
from gradwork.check import Checker, check_answers, check_folder, read_answers
from gradwork.mark import mark_work
from gradwork.mark.marker import WorkMarker

ROOT = Path(__file__).resolve().parents[2]
SEED002 = ROOT / "examples" / "seed002_exam4a_row.yaml"
ANSWERS = ROOT / "examples" / "answers" / "seed002_exam4a.yaml"
WORK = ROOT / "tests" / "mark" / "fixtures" / "seed002_log_base_10.md"


def test_the_constructors_take_a_solved_problem():
    solved = gradwork.load(SEED002).solve()
    for solved_form in (solved, solved.solution):
        assert Checker(solved_form).check(read_answers(ANSWERS)).points == 7
        assert check_answers(solved_form, ANSWERS).points == 7  # a path, a dict or Answers
        assert WorkMarker(solved_form).mark(WORK.read_text(), "w.md").points > 0
        assert mark_work(solved_form, WORK.read_text(), "w.md").points > 0
    assert Checker(solved).check({"loss": 0.513}).points == 1


@pytest.mark.parametrize("wrong", [str(SEED002), SEED002, 3.0, None])
def test_anything_else_is_a_type_error_that_says_what_is_needed(wrong):
    with pytest.raises(TypeError, match="needs a solved problem") as error:
        Checker(wrong)
    if isinstance(wrong, (str, Path)):
        assert "gradwork.load(" in str(error.value) and ".solve()" in str(error.value)
    with pytest.raises(TypeError, match="needs a solved problem"):
        WorkMarker(wrong)
    with pytest.raises(TypeError, match="check needs answers"):
        Checker(gradwork.load(SEED002).solve()).check(42)  # type: ignore[arg-type]


def test_reports_show_themselves_in_a_notebook_briefly_and_fully():
    solved = gradwork.load(SEED002).solve()
    report = solved.check(ANSWERS)
    assert repr(report) == f"Report({str(ANSWERS)!r}: 7/10 points, 7 of 10 items credited)"
    assert report._repr_html_().startswith('<div class="gw-check">') and "log_base_10" in report._repr_html_()
    marked = solved.mark(WORK.read_text(), "work.md")
    assert repr(marked).startswith("MarkReport('work.md': ") and len(repr(marked)) < 200
    html, markdown = marked._repr_html_(), marked._repr_markdown_()
    assert html.startswith('<div class="gw-mark">') and "<table>" in html and "log_base_10" in html
    assert "<script" not in html and "| line | | as written | diagnosis | feedback |" in markdown
    assert "`log_base_10`" in markdown


def test_class_summary_in_a_notebook_is_a_fragment(tmp_path):
    (tmp_path / "ann.yaml").write_text("loss: 0.513\n")
    book = check_folder(gradwork.load(SEED002).solve(), tmp_path)
    assert book._repr_html_().startswith('<div class="gw-gradebook">') and "<html" not in book._repr_html_()
    assert book.to_html().startswith("<!DOCTYPE html>")


def test_exact_mode_json_writes_a_whole_number_one_way_in_every_command(tmp_path):
    import json

    from typer.testing import CliRunner

    from gradwork.cli import app

    problem = ROOT / "examples" / "seed004_hw1.toml"
    answers = tmp_path / "a.yaml"
    answers.write_text('loss: 2\nvalues: {layer1.z: [5, 7]}\n')
    solved = json.loads(CliRunner().invoke(app, ["solve", str(problem), "--mode", "exact", "-f", "json"]).stdout)
    checked = json.loads(CliRunner().invoke(app, ["check", str(problem), str(answers), "-f", "json"]).stdout)
    assert solved["loss"] == "2" and solved["values"]["layer1.z"] == ["5", "7"]

    def numbers(data):
        if isinstance(data, dict):
            if data.get("type") == "number":
                yield data
            for value in data.values():
                yield from numbers(value)
        elif isinstance(data, list):
            for value in data:
                yield from numbers(value)

    computed = [n["value"] for n in numbers(solved["steps"]) if n["display"] in ("5", "7", "25", "49")]
    assert computed and all(isinstance(value, str) for value in computed)  # "25", as the results write it
    assert checked["items"][0]["expected"] == [5.0, 7.0]  # the problem is in float mode: floats
    exact_problem = tmp_path / "exact.toml"
    exact_problem.write_text('mode = "exact"\n' + problem.read_text())
    exact = json.loads(CliRunner().invoke(app, ["check", str(exact_problem), str(answers), "-f", "json"]).stdout)
    assert [item["expected"] for item in exact["items"]] == [["5", "7"], "2"]
