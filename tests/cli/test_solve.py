"""`gradwork solve`: formats, styles, output files, stdin and bad input, through the CLI app (in process)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.runner import Run, gradwork

ROOT = Path(__file__).resolve().parents[2]
SEED_002 = ROOT / "examples" / "seed002_exam4a_row.yaml"


def run(*args: str, stdin: str | None = None, cwd: Path = ROOT) -> Run:
    return gradwork(*args, input=stdin, cwd=cwd)


def test_json_output_follows_format_md():
    result = run("solve", str(SEED_002), "--format", "json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert list(data) == ["title", "mode", "loss", "values", "gradients", "updated", "steps"]
    assert data["mode"] == "float"
    assert data["loss"] == pytest.approx(0.5130152524, rel=1e-9)
    assert data["values"]["hidden.z"] == pytest.approx([-0.1, 0.8])
    assert data["gradients"]["output.W"] == pytest.approx([0.0, 0.3210498719])
    assert data["updated"]["output.b"] == pytest.approx(-0.0040131234, rel=1e-8)
    assert {step["type"] for step in data["steps"]} >= {"compute", "factor", "chain_product", "update"}


@pytest.mark.parametrize("style", ["chain", "delta", "matrix"])
@pytest.mark.parametrize("fmt", ["text", "markdown", "latex", "html"])
def test_every_format_and_style_renders(fmt, style):
    result = run("solve", str(SEED_002), "--format", fmt, "--style", style)
    assert result.returncode == 0, result.stderr
    assert "0.5130" in result.stdout or "0.513" in result.stdout


def test_plain_text_when_piped_has_no_escape_codes():
    result = run("solve", str(SEED_002))
    assert "\x1b[" not in result.stdout
    assert "∂J/∂w₆ = [B1]·[B2]·[B4] = 1.670·0.2403·0.8 = 0.3210" in result.stdout  # the sheet's own names


def test_digits_option_changes_rounding_only():
    result = run("solve", str(SEED_002), "--digits", "7")
    assert "0.5130153" in result.stdout


def test_output_file_is_written_and_nothing_printed(tmp_path):
    target = tmp_path / "seed002.md"
    result = run("solve", str(SEED_002), "-f", "markdown", "-o", str(target))
    assert result.returncode == 0 and result.stdout == ""
    assert target.read_text().startswith("# Exam 4a")


def test_stdin_problem():
    result = run("solve", "-", "--format", "json", stdin=SEED_002.read_text())
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["loss"] == pytest.approx(0.5130152524, rel=1e-9)


def test_exact_mode_from_the_command_line():
    result = run("solve", str(ROOT / "examples" / "seed004_hw1.toml"), "--mode", "exact", "-f", "json")
    data = json.loads(result.stdout)
    assert data["mode"] == "exact" and data["updated"]["layer2.W"] == ["-3", "-24/25"]


@pytest.mark.parametrize("args,message", [
    (["solve", "missing.yaml"], "missing.yaml"),
    (["solve", "examples/seed002_exam4a_row.yaml", "--format", "pdf"], "--format: unknown value 'pdf'"),
    (["solve", "examples/seed002_exam4a_row.yaml", "--style", "diagonal"], "--style: unknown value"),
    (["solve", "examples/seed002_exam4a_row.yaml", "--mode", "fuzzy"], "--mode: unknown value"),
])
def test_bad_arguments_exit_2_with_one_line(args, message):
    result = run(*args)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr and result.stderr.count("\n") == 1


def test_bad_problem_file_names_file_line_and_column(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("input: [1, 2]\ntarget: 0\nlayers:\n  - weights: [[1, 2], [3, 4]]\n    activation: relux\n"
                   "loss: sse\noptimizer: {name: sgd, lr: 0.1}\n")
    result = run("solve", str(bad))
    assert result.returncode == 2
    assert result.stderr.startswith(f"{bad}:5:17: ") and "relux" in result.stderr
    assert result.stderr.count("\n") == 1


def test_failed_write_keeps_the_existing_file(tmp_path):
    target = tmp_path / "keep.txt"
    target.write_text("my notes")
    bad = tmp_path / "bad.yaml"
    bad.write_text("input: [1\n")
    result = run("solve", str(bad), "-o", str(target))
    assert result.returncode == 2
    assert target.read_text() == "my notes"


def test_version():
    result = run("--version")
    assert result.returncode == 0 and result.stdout.startswith("gradwork ")
