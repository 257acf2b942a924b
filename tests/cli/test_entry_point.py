"""The few runs that need a real process: the installed ``gradwork`` script, its exit codes, real stdin/stdout.

Every other CLI test runs the app in process (tests/cli/runner.py); these check what that cannot show:
the console-script entry point, ``sys.exit`` codes as a shell sees them, stderr kept apart from stdout by
the operating system, and what ``gradwork --help`` imports.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SEED_002 = Path("examples") / "seed002_exam4a_row.yaml"  # relative: the demo runs from the checkout
ANSWERS_002 = Path("examples") / "answers" / "seed002_exam4a.yaml"
_SCRIPT = Path(sys.executable).parent / "gradwork"
# The console script of `pip install -e .` where there is one (it is what a user runs), else the module.
GRADWORK = [str(_SCRIPT)] if _SCRIPT.exists() else [sys.executable, "-m", "gradwork.cli"]


def real(*args: str, stdin: str | None = None, command: list[str] = GRADWORK) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*command, *args], input=stdin, capture_output=True, text=True, cwd=ROOT, timeout=120)


def test_help_lists_the_commands_and_imports_no_heavy_library():
    # numpy, pydantic and yaml too: the error boundary reads only gradwork.documents.limits, the package is lazy.
    heavy = ("sympy", "matplotlib", "torch", "sklearn", "onnx", "graphviz", "numpy", "pydantic", "yaml")
    code = ("import atexit, sys; "
            f"atexit.register(lambda: print('LOADED', [m for m in {heavy!r} if m in sys.modules], file=sys.stderr)); "
            "sys.argv = ['gradwork', '--help']; from gradwork.cli import main; main()")
    result = real("-c", code, command=[sys.executable])
    assert result.returncode == 0, result.stderr
    for command in ("solve", "check", "graph", "mark", "train", "export", "generate", "test"):
        assert f" {command} " in result.stdout, command
    assert result.stderr.strip().splitlines()[-1] == "LOADED []"


def test_mark_loads_neither_the_explainer_nor_typers_pydantic_adapters():
    """Start-up: ``gradwork mark`` marks without the derivation machinery (gradwork.api loads it when a derivation
    is asked for) and coerces its str, bool and Path parameters without Typer's Pydantic adapters."""
    unwanted = ("gradwork.explain.derive", "gradwork.explain.chain", "typer._adapters", "sympy")
    code = ("import atexit, sys; atexit.register(lambda: print("
            f"'LOADED', [m for m in {unwanted!r} if m in sys.modules], file=sys.stderr)); "
            f"sys.argv = ['gradwork', 'mark', {str(SEED_002)!r}, 'tests/mark/fixtures/seed002_correct.md', "
            "'--format', 'json']; from gradwork.cli import main; main()")
    result = real("-c", code, command=[sys.executable])
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["score"]["points"] == json.loads(result.stdout)["score"]["max_points"]
    assert result.stderr.strip().splitlines()[-1] == "LOADED []"


def test_marks_path_option_takes_a_path_without_pydantic(tmp_path):
    written = tmp_path / "marked.json"
    result = real("mark", str(SEED_002), "tests/mark/fixtures/seed002_correct.md", "-f", "json", "-o", str(written))
    assert result.returncode == 0, result.stderr
    assert json.loads(written.read_text(encoding="utf-8"))["score"]["points"] > 0


def test_the_demo_prints_the_worked_solution_with_exit_0():
    result = real("solve", str(SEED_002))
    assert result.returncode == 0 and result.stderr == ""
    assert "∂J/∂w₆ = [B1]·[B2]·[B4] = 1.670·0.2403·0.8 = 0.3210" in result.stdout
    assert "\x1b[" not in result.stdout  # piped: no escape codes


def test_a_problem_on_real_stdin():
    result = real("solve", "-", "--format", "json", stdin=(ROOT / SEED_002).read_text(encoding="utf-8"))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["loss"] == pytest.approx(0.5130152524, rel=1e-9)


def test_exit_codes_as_the_shell_sees_them(tmp_path):
    wrong = real("check", str(SEED_002), str(ANSWERS_002))
    assert wrong.returncode == 1 and wrong.stderr == "" and "7/10 points" in wrong.stdout
    bad = tmp_path / "bad.yaml"
    bad.write_text((ROOT / SEED_002).read_text(encoding="utf-8").replace("activation: relu", "activation: relux"))
    refused = real("solve", str(bad))
    assert refused.returncode == 2 and refused.stdout == ""
    assert refused.stderr.startswith(f"{bad}:") and "relux" in refused.stderr
    assert refused.stderr.count("\n") == 1 and "Traceback" not in refused.stderr
    usage = real("solve", str(SEED_002), "--format", "pdf")
    assert usage.returncode == 2 and usage.stderr.count("\n") == 1 and "--format: unknown value 'pdf'" in usage.stderr
