"""`gradwork check`: formats, exit codes, one-line errors, and the batch gradebook, on the example files."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gradwork.cli import app

ROOT = Path(__file__).resolve().parents[3]
EXAMPLES = ROOT / "examples"
ANSWERS = EXAMPLES / "answers"
SEED002 = EXAMPLES / "seed002_exam4a_row.yaml"
SEED004 = EXAMPLES / "seed004_hw1.toml"
runner = CliRunner()


def run(*args):
    return runner.invoke(app, ["check", *map(str, args)])


def test_text_report_and_exit_1_when_something_is_wrong():
    result = run(SEED002, ANSWERS / "seed002_exam4a.yaml")
    assert result.exit_code == 1
    assert "7/10 points" in result.stdout and "log_base_10" in result.stdout and "bias_not_updated" in result.stdout
    assert "Marking: numbers compared to 3 significant figures (the default)" in result.stdout


def test_exit_0_when_all_correct():
    result = run(SEED004, ANSWERS / "seed004_hw1.yaml")
    assert result.exit_code == 0, result.stdout
    assert "Everything is correct." in result.stdout


def test_json_and_markdown():
    result = run(SEED002, ANSWERS / "seed002_exam4a.yaml", "--format", "json")
    data = json.loads(result.stdout)
    assert result.exit_code == 1 and data["score"] == {"correct": 7, "total": 10, "points": 7, "max_points": 10}
    result = run(SEED002, ANSWERS / "seed002_exam4a.yaml", "--format", "markdown")
    assert result.stdout.startswith("### Exam 4a - 2-2-1 network, one SGD step: 7/10 points")


def test_report_to_a_file(tmp_path):
    target = tmp_path / "report.json"
    result = run(SEED004, ANSWERS / "seed004_hw1.yaml", "-f", "json", "-o", target)
    assert result.exit_code == 0 and result.stdout == ""
    assert json.loads(target.read_text())["score"] == {"correct": 11, "total": 11, "points": 11, "max_points": 11}


@pytest.mark.parametrize(("args", "start"), [
    (("{seed002}", "{answers}/missing.yaml"), "{answers}/missing.yaml:1:1: cannot read the file"),
    (("{seed002}", "{bad}"), "{bad}:2:1: unknown key 'valeus'"),
    (("{bad_problem}", "{answers}/seed004_hw1.yaml"), "{bad_problem}:5:35: unknown activation"),
    (("{seed004}", "{answers}/seed004_hw1.yaml", "--format", "html"), "--format: unknown value 'html'"),
    (("{seed004}", "{answers}/seed002_exam4a.yaml"), "{answers}/seed002_exam4a.yaml:"),  # names not in this problem
])
def test_bad_input_exit_2_one_line(tmp_path, args, start):
    bad = tmp_path / "bad.yaml"
    bad.write_text("loss: 0.5\nvaleus: {}\n")
    bad_problem = tmp_path / "problem.yaml"
    bad_problem.write_text("convention: row\ninput: [1, 2]\ntarget: 0\nlayers:\n"
                           "  - {weights: [1, 2], activation: relu6}\nloss: bce\n")
    fill = {"answers": ANSWERS, "bad": bad, "bad_problem": bad_problem, "seed002": SEED002, "seed004": SEED004}
    result = run(*(a.format(**fill) for a in args))
    assert result.exit_code == 2
    assert result.stderr.startswith(start.format(**fill)), result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


def test_folder_writes_a_gradebook_next_to_it_and_a_second_run_succeeds(tmp_path):
    folder = tmp_path / "class"
    folder.mkdir()
    shutil.copy(ANSWERS / "seed002_exam4a.yaml", folder / "alice.yaml")
    (folder / "bob.yaml").write_text("loss: 0.513\nupdated: {output.b: -0.004013}\n")
    result = run(SEED002, folder)
    assert result.exit_code == 1, result.stdout + result.stderr
    book = tmp_path / "class.gradebook.csv"  # next to the folder, never inside it
    assert sorted(p.name for p in folder.iterdir()) == ["alice.yaml", "bob.yaml"]
    rows = {row["student"]: row for row in csv.DictReader(book.open())}
    assert rows["alice"]["correct"] == "7" and rows["alice"]["loss"] == "wrong (log_base_10)"
    assert rows["bob"]["total"] == "2" and rows["bob"]["values.hidden.z"] == ""  # scored on their own answers
    assert f"gradebook written: {book}" in result.stdout and "log_base_10: 1 student (loss)" in result.stdout
    saved = book.read_bytes()
    # The same run again, in any format: the gradebook already holds these marks, so it is left as it is.
    for args in ((), ("--format", "markdown"), ("--format", "json")):
        again = run(SEED002, folder, *args)
        assert again.exit_code == 1 and again.stderr == "", again.stderr
        assert book.read_bytes() == saved
    assert f"gradebook unchanged: {book}" in run(SEED002, folder).stdout
    # Marks that changed never replace the saved ones silently: --force is the explicit choice.
    (folder / "bob.yaml").write_text("loss: 0.5130\n")
    changed = run(SEED002, folder)
    assert changed.exit_code == 2 and "already exists with other marks" in changed.stderr
    assert "--force" in changed.stderr
    assert book.read_bytes() == saved
    forced = run(SEED002, folder, "--force")
    assert forced.exit_code == 1 and f"gradebook replaced: {book}" in forced.stdout and book.read_bytes() != saved
    chosen = tmp_path / "marks.csv"
    assert run(SEED002, folder, "-o", chosen, "-f", "json").exit_code == 1
    assert chosen.read_text().startswith("student,points,max_points,correct,total,")
    reports = tmp_path / "marks.json"  # every report as JSON (it was the CSV under a .json name)
    assert run(SEED002, folder, "-o", reports).exit_code == 1
    students = {row["student"]: row for row in json.loads(reports.read_text())["students"]}
    assert students["alice"]["score"]["points"] == 7
    assert f"gradebook unchanged: {reports}" in run(SEED002, folder, "-o", reports).stdout
    summary = tmp_path / "summary.md"
    assert run(SEED002, folder, "-o", summary).exit_code == 1
    assert "### Most common diagnoses" in summary.read_text()
    assert run(SEED002, folder, "-o", folder / "alice.yaml", "--force").exit_code == 2  # never an input


def test_folder_with_an_unreadable_file_exits_2_after_marking_the_rest(tmp_path):
    (tmp_path / "ok.yaml").write_text("loss: 0.513\n")
    (tmp_path / "broken.yaml").write_text("loss: [0.5\n")
    result = run(SEED002, tmp_path)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"{tmp_path / 'broken.yaml'}:2:1: ")
    assert "ok" in result.stdout


def _problem_with_marking(tmp_path, marking):
    text = SEED002.read_text() + "\n" + marking
    path = tmp_path / "exam.yaml"
    path.write_text(text)
    return path


def test_an_answers_file_cannot_set_its_own_tolerance_without_the_flag(tmp_path):
    # Seed 002's student, plus a tolerance that would pass everything.
    answers = tmp_path / "student.yaml"
    answers.write_text((ANSWERS / "seed002_exam4a.yaml").read_text() + "\ntolerance: {rtol: 100}\n")
    result = run(SEED002, answers, "-f", "json")
    data = json.loads(result.stdout)
    assert result.exit_code == 1 and data["score"]["correct"] == 7
    assert data["tolerance"]["source"] == "default"
    assert "tolerance (rtol 100, atol 1e-08) is ignored" in result.stderr
    allowed = run(SEED002, answers, "-f", "json", "--allow-answer-tolerance")
    assert json.loads(allowed.stdout)["score"]["correct"] == 10
    assert json.loads(allowed.stdout)["tolerance"]["source"] == "answers file"


def test_tolerance_flags_override_the_problems_marking(tmp_path):
    problem = _problem_with_marking(tmp_path, "marking: {tolerance: {sigfigs: 2}, points: {loss: 4}}\n")
    data = json.loads(run(problem, ANSWERS / "seed002_exam4a.yaml", "-f", "json").stdout)
    assert data["tolerance"]["source"] == "problem" and data["tolerance"]["sigfigs"] == 2
    assert data["score"]["max_points"] == 13  # loss is worth 4
    assert "the problem's marking:" in data["marking"]["text"]
    data = json.loads(run(problem, ANSWERS / "seed002_exam4a.yaml", "-f", "json", "--digits", "4").stdout)
    assert data["tolerance"]["source"] == "command line" and data["tolerance"] == {
        "digits": 4, "text": "4 decimal places", "source": "command line", "default": False}
    text = run(problem, ANSWERS / "seed002_exam4a.yaml", "--rtol", "0.01", "--atol", "0.001").stdout
    assert "numbers compared to rtol 0.01, atol 0.001 (the command line)" in text


@pytest.mark.parametrize(("flags", "start"), [
    (("--sigfigs", "2", "--digits", "3"), "--sigfigs and --digits cannot be combined"),
    (("--atol", "0.1"), "--atol needs --rtol"),
    (("--sigfigs", "0"), "--sigfigs: sigfigs must be a whole number from 1 to 17"),
    (("--rtol", "-1"), "--rtol: rtol must be a number >= 0"),
])
def test_bad_tolerance_flags(flags, start):
    result = run(SEED002, ANSWERS / "seed002_exam4a.yaml", *flags)
    assert result.exit_code == 2 and result.stderr.startswith(start), result.stderr


def test_asked_items_are_scored_in_order_and_the_rest_listed(tmp_path):
    problem = _problem_with_marking(tmp_path, "ask: [loss, updated.output.b, gradients.output.W]\n"
                                              "marking: {points: {loss: 2}, missing: 0}\n")
    data = json.loads(run(problem, ANSWERS / "seed002_exam4a.yaml", "-f", "json").stdout)
    assert [item["key"] for item in data["items"]] == ["loss", "updated.output.b", "gradients.output.W"]
    assert [item["status"] for item in data["items"]] == ["wrong", "wrong", "missing"]
    assert data["score"] == {"correct": 0, "total": 3, "points": 0, "max_points": 4}
    assert "values.hidden.z" in [item["key"] for item in data["not_asked"]]
    text = run(problem, ANSWERS / "seed002_exam4a.yaml").stdout
    assert "Not asked, so not scored: z⁽¹⁾ (correct);" in text
