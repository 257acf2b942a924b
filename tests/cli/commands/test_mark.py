"""`gradwork mark`: formats, exit codes, one-line errors, -o safety and a folder into check's gradebook."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

from typer.testing import CliRunner

from gradwork.cli import app

ROOT = Path(__file__).resolve().parents[3]
SEED002 = ROOT / "examples" / "seed002_exam4a_row.yaml"
FIXTURES = ROOT / "tests" / "mark" / "fixtures"
runner = CliRunner()


def run(*args, **kwargs):
    return runner.invoke(app, ["mark", *map(str, args)], **kwargs)


def test_exit_0_for_right_work_and_1_for_a_mistake():
    assert run(SEED002, FIXTURES / "seed002_correct.md").exit_code == 0
    result = run(SEED002, FIXTURES / "seed002_update_sign.md")
    assert result.exit_code == 1 and "update_sign" in result.stdout and "27/28 points" in result.stdout


def test_json_markdown_and_html(tmp_path):
    data = json.loads(run(SEED002, FIXTURES / "seed002_log_base_10.md", "--format", "json").stdout)
    assert data["score"]["points"] == 27.0 and data["lines"][0]["line"] == 5
    assert "> ✗ **line 19**" in run(SEED002, FIXTURES / "seed002_log_base_10.md", "-f", "markdown").stdout
    target = tmp_path / "marked.html"
    assert run(SEED002, FIXTURES / "seed002_log_base_10.md", "-f", "html", "-o", target).exit_code == 1
    assert target.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_work_from_stdin():
    text = (FIXTURES / "seed002_correct.md").read_text(encoding="utf-8")
    assert run(SEED002, "-", input=text).exit_code == 0


def test_bad_input_is_one_line_and_exit_2(tmp_path):
    missing = run(SEED002, tmp_path / "nothing.md")
    assert missing.exit_code == 2 and missing.output.count("\n") == 1 and "nothing.md:1:1" in missing.output
    assert run(SEED002, FIXTURES / "seed002_correct.md", "-f", "pdf").exit_code == 2
    existing = tmp_path / "out.md"
    existing.write_text("keep", encoding="utf-8")
    result = run(SEED002, FIXTURES / "seed002_correct.md", "-o", existing)
    assert result.exit_code == 2 and existing.read_text(encoding="utf-8") == "keep"
    assert run(SEED002, FIXTURES / "seed002_correct.md", "-o", FIXTURES / "seed002_correct.md").exit_code == 2


def test_a_folder_goes_into_checks_gradebook(tmp_path):
    for name in ("seed002_correct.md", "seed002_log_base_10.md", "seed002_bias_not_updated.md"):
        shutil.copy(FIXTURES / name, tmp_path / name)
    result = run(SEED002, tmp_path)
    assert result.exit_code == 1, result.output
    rows = {row["student"]: row for row in csv.DictReader((tmp_path / "gradebook.csv").open(encoding="utf-8"))}
    assert set(rows) == {"seed002_correct", "seed002_log_base_10", "seed002_bias_not_updated"}
    assert rows["seed002_correct"]["correct"] == rows["seed002_correct"]["total"] == "28"
    assert rows["seed002_log_base_10"]["loss"].startswith("wrong (log_base_10")
    assert rows["seed002_bias_not_updated"]["updated.hidden.b"] == "missing"
    assert run(SEED002, tmp_path).exit_code == 2  # the gradebook exists: not replaced without --force


def test_limits_one_line_each(tmp_path):
    from gradwork.mark import MAX_WORK_CHARACTERS

    big = tmp_path / "big.md"
    big.write_text("$$a = 1$$\n" * (MAX_WORK_CHARACTERS // 10 + 1), encoding="utf-8")
    result = run(SEED002, big)
    assert result.exit_code == 2 and "larger than 2000000 bytes" in result.output  # the file-size limit, unread
    folder = tmp_path / "class"
    folder.mkdir()
    shutil.copy(FIXTURES / "seed002_correct.md", folder / "a.md")
    result = run(SEED002, folder, "-o", folder / "a.md", "--force")
    assert result.exit_code == 2 and (folder / "a.md").read_text(encoding="utf-8").startswith("Exam 4a")
