"""The hostile inputs of issue #13, each run through the command line in process.

Every case must end with exit 0, 1 or 2, at most one line on stderr, and no
traceback; the expected message names what is wrong.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gradwork.cli import app

ROOT = Path(__file__).resolve().parents[2]
PROBLEM = (ROOT / "examples" / "seed002_exam4a_row.yaml").read_text(encoding="utf-8")
ANSWERS = (ROOT / "examples" / "answers" / "seed002_exam4a.yaml").read_text(encoding="utf-8")


def run(*args: str, input: str | None = None):
    result = CliRunner().invoke(app, list(args), input=input)
    return result


def one_line_error(result, code: int, *fragments: str) -> str:
    """The stderr of a refused run: exactly one line, exit ``code``, no traceback."""
    stderr = result.stderr
    assert result.exit_code == code, (result.exit_code, stderr, result.stdout[-500:])
    assert "Traceback" not in stderr + result.stdout
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit), result.exception
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    return lines[0]


def problem_with(tmp_path: Path, old: str, new: str, name: str = "p.yaml") -> Path:
    assert old in PROBLEM
    path = tmp_path / name
    path.write_text(PROBLEM.replace(old, new), encoding="utf-8")
    return path


# ----------------------------------------------------------------- tracebacks in the issue


@pytest.mark.parametrize("character", ["\x07", "\u0084"])
def test_control_character_in_yaml_is_one_line(tmp_path, character):
    path = tmp_path / "p.yaml"
    path.write_text(f"title: a{character}b\n" + PROBLEM.split("\n", 1)[1], encoding="utf-8")
    line = one_line_error(run("solve", str(path)), 2, "p.yaml:1:")
    assert "U+" in line or "character" in line


def test_lone_surrogate_in_a_title_is_refused_and_leaves_no_temporary_file(tmp_path):
    path = problem_with(tmp_path, "title: Exam 4a - 2-2-1 network, one SGD step", 'title: "a\\ud800b"')
    out = tmp_path / "out.md"
    one_line_error(run("solve", str(path), "-o", str(out)), 2, "p.yaml:7:8:", "surrogate")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.yaml"]


def test_integer_of_5000_digits_is_refused_by_the_digits_limit(tmp_path):
    path = problem_with(tmp_path, "target: 0", "target: " + "9" * 5000)
    one_line_error(run("solve", str(path)), 2, "p.yaml:10:9:", "limit 1000; --max-digits to raise")


def test_fraction_with_zero_denominator(tmp_path):
    path = problem_with(tmp_path, "input: [1.0, 2.0]", 'input: ["1/0", 2.0]')
    line = one_line_error(run("solve", str(path)), 2, "p.yaml:9:9:", "divides by zero")
    assert "Fraction(" not in line


def test_yaml_1000_levels_deep(tmp_path):
    path = tmp_path / "deep.yaml"
    path.write_text("a: " + "[" * 1000 + "]" * 1000 + "\n")
    one_line_error(run("solve", str(path)), 2, "deep.yaml:", "--max-depth")


def test_toml_500_levels_deep(tmp_path):
    path = tmp_path / "deep.toml"
    path.write_text("a = " + "[" * 500 + "]" * 500 + "\n")
    one_line_error(run("solve", str(path)), 2, "deep.toml:1:", "--max-depth")


def test_json_500_levels_deep(tmp_path):
    path = tmp_path / "deep.json"
    path.write_text('{"a": ' + "[" * 500 + "]" * 500 + "}")
    one_line_error(run("solve", str(path)), 2, "deep.json:1:", "--max-depth")


def test_dev_zero_is_refused_as_a_device_not_read_forever():
    if not Path("/dev/zero").exists():
        pytest.skip("no /dev/zero here")
    one_line_error(run("solve", "/dev/zero"), 2, "/dev/zero:1:1:", "is a device, not a regular file")


def test_stdin_larger_than_the_limit():
    one_line_error(run("--max-file-size", "1000", "solve", "-", input="#" * 2000), 2, "<stdin>:1:1:", "limit 1000")


def test_a_raised_limit_lets_the_file_through(tmp_path):
    path = problem_with(tmp_path, "target: 0", "target: 0" + " " * 100)
    one_line_error(run("--max-file-size", "300", "solve", str(path)), 2, "--max-file-size")
    assert run("solve", str(path), "--max-file-size", "5000").exit_code == 0


# ----------------------------------------------------------------- hangs in the issue


@pytest.mark.parametrize("number", ["1e999999999", "-1e999999999"])
def test_huge_exponent_in_float_mode_is_refused_at_once(tmp_path, number):
    path = problem_with(tmp_path, "input: [1.0, 2.0]", f"input: [{number}, 2.0]")
    one_line_error(run("solve", str(path)), 2, "p.yaml:9:9:", "too large for a float")


def test_tiny_exponent_in_float_mode_is_a_float(tmp_path):
    path = problem_with(tmp_path, "input: [1.0, 2.0]", "input: [1e-999999999, 2.0]")
    result = run("solve", str(path), "--format", "json")
    assert result.exit_code == 0, result.stderr


@pytest.mark.parametrize("number", ["1e999999999", "1e-999999999"])
def test_huge_exponent_in_exact_mode_is_refused_by_the_limit(tmp_path, number):
    path = problem_with(tmp_path, "input: [1.0, 2.0]", f"input: [{number}, 2.0]")
    one_line_error(run("solve", str(path), "--mode", "exact"), 2, "p.yaml:9:9:",
                   "limit 400; --max-exponent to raise")


def test_yaml_alias_bomb(tmp_path):
    lines = ["a0: &a0 [1, 1, 1, 1, 1, 1, 1, 1, 1]"]
    for i in range(1, 10):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]")
    path = tmp_path / "bomb.yaml"
    path.write_text("\n".join(lines) + "\n")
    one_line_error(run("solve", str(path)), 2, "bomb.yaml:", "--max-values")


def test_steps_of_a_billion_is_refused(tmp_path):
    path = problem_with(tmp_path, "optimizer: {name: sgd, lr: 0.01}",
                        "optimizer: {name: sgd, lr: 0.01, steps: 1000000000}")
    one_line_error(run("solve", str(path)), 2, "p.yaml:21:", "--max-steps")


def test_eight_megabyte_json_list_is_refused_by_the_size_limit(tmp_path):
    path = tmp_path / "big.json"
    path.write_text('{"input": [' + ", ".join(["0.5"] * 1_700_000) + "]}")
    assert path.stat().st_size > 8_000_000
    one_line_error(run("solve", str(path)), 2, "big.json:1:1:", "--max-file-size")


def test_3000_by_3000_yaml_matrix_is_refused_by_the_size_limit(tmp_path):
    row = "[" + ", ".join(["0.5"] * 3000) + "]"
    path = tmp_path / "big.yaml"
    path.write_text("input: [" + ", ".join([row] * 3000) + "]\n")
    one_line_error(run("solve", str(path)), 2, "big.yaml:1:1:", "--max-file-size")


def test_a_long_list_is_refused_by_the_list_limit(tmp_path):
    path = tmp_path / "long.json"
    path.write_text('{"input": [' + ",".join(["0"] * 2000) + "]}")
    one_line_error(run("--max-list-length", "1000", "solve", str(path)), 2, "long.json:1:", "--max-list-length")


# ----------------------------------------------------------------- wrong values in problem files


def test_negative_learning_rate_is_refused_as_train_refuses_it(tmp_path):
    path = problem_with(tmp_path, "lr: 0.01", "lr: -5")
    one_line_error(run("solve", str(path)), 2, "p.yaml:21:", "lr is -5", "greater than 0")


def test_adam_beta1_of_5_is_refused(tmp_path):
    path = problem_with(tmp_path, "optimizer: {name: sgd, lr: 0.01}", "optimizer: {name: adam, lr: 0.01, beta1: 5}")
    one_line_error(run("solve", str(path)), 2, "p.yaml:21:", "beta1 is 5", "less than 1")


def test_json_duplicate_keys_are_refused(tmp_path):
    path = tmp_path / "dup.json"
    path.write_text('{"title": "a",\n "title": "b", "input": [1], "layers": [{"weights": [[1]]}]}')
    one_line_error(run("solve", str(path)), 2, "dup.json:2:2:", "duplicate key 'title'", "first given on line 1")


def test_no_python_reprs_in_messages(tmp_path):
    path = problem_with(tmp_path, "target: 0", "target: 0\nsteps: 1.5")
    line = one_line_error(run("solve", str(path)), 2, "p.yaml:")
    assert "Decimal(" not in line and "1.5" in line


# ----------------------------------------------------------------- answers files


def test_empty_answers_file_is_not_called_a_problem_file(tmp_path):
    (tmp_path / "p.yaml").write_text(PROBLEM)
    (tmp_path / "a.yaml").write_text("")
    line = one_line_error(run("check", str(tmp_path / "p.yaml"), str(tmp_path / "a.yaml")), 2, "a.yaml:1:1:",
                          "the file is empty")
    assert "problem" not in line


@pytest.mark.parametrize("value", [".nan", "1e999999999", ".inf"])
def test_non_finite_answer_is_one_line(tmp_path, value):
    (tmp_path / "p.yaml").write_text(PROBLEM)
    (tmp_path / "a.yaml").write_text(f"loss: {value}\n")
    one_line_error(run("check", str(tmp_path / "p.yaml"), str(tmp_path / "a.yaml")), 2, "a.yaml:1:7:",
                   "not a finite number")


def test_batch_marking_marks_the_class_whatever_one_file_holds(tmp_path):
    (tmp_path / "p.yaml").write_text(PROBLEM)
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "alice.yaml").write_text(ANSWERS)
    (folder / "bob.yaml").write_text("loss: .nan\n")
    (folder / "carl.yaml").write_text("loss: 1e999999999\n")
    (folder / "dora.yaml").write_text("a: " + "[" * 1000 + "]" * 1000 + "\n")
    (folder / "=cmd|' -C calc'!A0.yaml").write_text(ANSWERS)
    (tmp_path / "secret.yaml").write_text("loss: 0.5  # a file outside the class folder\n")
    os.symlink(tmp_path / "secret.yaml", folder / "eve.yaml")
    result = run("check", str(tmp_path / "p.yaml"), str(folder))
    assert result.exit_code == 2 and "Traceback" not in result.stderr
    assert len(result.stderr.splitlines()) == 3  # one line per unreadable file
    csv_text = (tmp_path / "class.gradebook.csv").read_text()
    rows = {line.split(",")[0]: line for line in csv_text.splitlines()[1:]}
    assert set(rows) == {"alice", "bob", "carl", "dora", "'=cmd|' -C calc'!A0"}  # eve's link is not followed
    assert "secret" not in csv_text + result.stdout
    assert rows["alice"].split(",")[1].isdigit()
    assert "not a finite number" in rows["bob"] and "--max-depth" in rows["dora"]


# ----------------------------------------------------------------- data loss


@pytest.mark.parametrize("command", [
    ["solve", "{p}", "-o", "{p}"],
    ["graph", "{p}", "-o", "{dot}"],
    ["check", "{p}", "{a}", "-o", "{a}"],
    ["check", "{p}", "{folder}", "-o", "{folder}/alice.yaml"],
])
def test_output_naming_an_input_is_refused(tmp_path, command):
    p, a, folder = tmp_path / "p.yaml", tmp_path / "a.yaml", tmp_path / "class"
    p.write_text(PROBLEM)
    a.write_text(ANSWERS)
    folder.mkdir()
    (folder / "alice.yaml").write_text(ANSWERS)
    dot = tmp_path / "p.dot"
    os.symlink(p, dot)  # a link to the input is the input
    args = [part.format(p=p, a=a, folder=folder, dot=dot) for part in command]
    before = {path: path.read_text() for path in (p, a, folder / "alice.yaml")}
    one_line_error(run(*args), 2, "is an input of this command")
    assert {path: path.read_text() for path in before} == before


@pytest.mark.parametrize("command", [["solve", "{p}"], ["graph", "{p}"], ["check", "{p}", "{a}"]])
def test_existing_output_needs_force(tmp_path, command):
    p, a = tmp_path / "p.yaml", tmp_path / "a.yaml"
    p.write_text(PROBLEM)
    a.write_text(ANSWERS)
    out = tmp_path / "out.dot"
    out.write_text("keep me")
    args = [part.format(p=p, a=a) for part in command] + ["-o", str(out)]
    one_line_error(run(*args), 2, "already exists", "--force")
    assert out.read_text() == "keep me"
    result = run(*args, "--force")
    assert result.exit_code in (0, 1), result.stderr
    assert out.read_text() != "keep me"


@pytest.mark.parametrize("target", ["/dev/null", "{tmp}"])
def test_output_that_is_not_a_regular_file_is_refused(tmp_path, target):
    p = tmp_path / "p.yaml"
    p.write_text(PROBLEM)
    one_line_error(run("solve", str(p), "-o", target.format(tmp=tmp_path), "--force"), 2, "-o expected a file")
    assert Path("/dev/null").is_char_device() if Path("/dev/null").exists() else True


# ----------------------------------------------------------------- the boundary itself


def test_bad_option_value_is_one_line_not_a_usage_box(tmp_path):
    p = tmp_path / "p.yaml"
    p.write_text(PROBLEM)
    line = one_line_error(run("solve", str(p), "--digits", "0"), 2, "--digits", "gradwork solve --help")
    assert "╭" not in line


def test_unknown_option_and_missing_argument_are_one_line():
    one_line_error(run("solve", "--bogus", "x"), 2, "--bogus")
    one_line_error(run("check", "x.yaml"), 2, "answers")


def test_unknown_limit_option_is_one_line():
    one_line_error(run("--max-nothing", "3", "solve", "x.yaml"), 2, "--max-nothing: unknown limit")


def test_an_internal_error_is_one_line_asking_for_a_report_and_exit_3(tmp_path, monkeypatch):
    import sys

    import gradwork.problem.solving  # noqa: F401

    solve_module = sys.modules["gradwork.problem.solving"]

    def broken(*args, **kwargs):
        raise RuntimeError("boom\nsecond line")

    monkeypatch.setattr(solve_module, "plan_training", broken)  # called by load(), after reading
    p = tmp_path / "p.yaml"
    p.write_text(PROBLEM)
    line = one_line_error(run("solve", str(p)), 3, "internal error", "RuntimeError: boom second line", "please report")
    assert "--debug" in line
    debug = run("--debug", "solve", str(p))
    assert debug.exit_code == 3 and "Traceback" in debug.stderr and "please report" in debug.stderr.splitlines()[-1]


# ----------------------------------------------------------------- numeric faults named at their node

GRAPH = """\
inputs: {x: 4.0}
params: {w: 2.0}
graph:
  a: w * x
  b: NODE
  c: a + b
"""


def test_huge_weights_are_an_error_naming_the_node_not_an_inf_result(tmp_path):
    path = problem_with(tmp_path, "weights: [0.3, -0.5]", "weights: [1e308, -1e308]")
    for fmt in ("text", "json"):
        result = run("solve", str(path), "--format", fmt)
        line = one_line_error(result, 2, "p.yaml:")
        assert " is inf " in line or " is nan " in line
        assert result.stdout == "" and "RuntimeWarning" not in result.stderr
        assert line.split(": ", 1)[1].startswith(("output.", "loss"))


@pytest.mark.parametrize("node, mode, fragments", [
    ("sqrt(x - 5)", "float", ("p.yaml:5:6:", "b = sqrt(", "is nan")),
    ("sqrt(x - 5)", "symbolic", ("p.yaml:5:6:", "b = sqrt(", "is complex")),
    ("exp(x * 1000)", "float", ("p.yaml:5:6:", "b = exp(", "is inf")),
    ("x ** 9 ** 9 ** 9", "float", ("p.yaml:5:", "exponent")),
    ("log(x - 4)", "float", ("p.yaml:5:6:", "b = log(", "is inf")),
])
def test_nan_and_inf_in_a_graph_are_named_at_their_node(tmp_path, node, mode, fragments):
    path = tmp_path / "p.yaml"
    path.write_text(GRAPH.replace("NODE", node))
    result = run("solve", str(path), "--mode", mode, "--format", "json")
    one_line_error(result, 2, *fragments)


def test_json_output_is_always_valid_json(tmp_path):
    import json

    path = tmp_path / "p.yaml"
    path.write_text(GRAPH.replace("NODE", "exp(x * 100)"))  # large but finite
    result = run("solve", str(path), "--format", "json")
    assert result.exit_code == 0, result.stderr
    json.loads(result.stdout, parse_constant=lambda name: pytest.fail(f"bare {name} in JSON"))


SYMBOLIC = """\
mode: symbolic
inputs: {x0: x0}
params: {w: 2}
graph:
  y: w * x0
"""


@pytest.mark.parametrize("answer, fragment", [
    ("x0**9**9**9", "exponent"),
    (" + ".join(f"x0*{i}" for i in range(20_000)), "--max-expression-length"),
    ("+".join(["x0"] * 3000), "--max-operators"),
])
def test_hostile_symbolic_answers_are_refused_quickly(tmp_path, answer, fragment):
    (tmp_path / "p.yaml").write_text(SYMBOLIC)
    (tmp_path / "a.yaml").write_text(f'values: {{y: "{answer}"}}\n')
    one_line_error(run("check", str(tmp_path / "p.yaml"), str(tmp_path / "a.yaml")), 2, "a.yaml:1:", fragment)


# ----------------------------------------------------------------- end to end, in a real process


def test_full_disk_on_stdout_is_one_line_exit_2(tmp_path):
    import subprocess
    import sys

    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full here")
    path = tmp_path / "p.yaml"
    path.write_text(PROBLEM)
    with open("/dev/full", "w") as full:
        done = subprocess.run([sys.executable, "-m", "gradwork.cli", "solve", str(path)], stdout=full,
                              stderr=subprocess.PIPE, text=True, timeout=60)
    assert done.returncode == 2, done.stderr
    assert done.stderr.splitlines() == ["standard output: cannot write (No space left on device)"]


def test_a_formula_python_warns_about_prints_no_warning(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text("inputs: {x: 1}\ngraph:\n  a: 2x + 1\n")
    one_line_error(run("solve", str(path)), 2, "p.yaml:3:")
